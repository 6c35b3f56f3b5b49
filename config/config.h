// polcheck::config — the project configuration file shared by every command:
// `.polcheck.yaml` (or `polcheck.yaml`), found by searching upward from the
// paths a command works on, or named with --config.
//
//   dialect: vault                  # vault | vault-legacy | openbao
//   mounts:                         # path -> engine; default: KV v2 at secret/
//     secret/: {type: kv, version: 2}
//     database/: {type: database}
//   lint:
//     fail_level: error             # suggestion | warning | error
//     categories: {hygiene: suggestion}
//     rules:
//       leading-slash: off
//       sudo-on-glob: {level: error, options: {...}}
//     ignore: ["policies/legacy/**"]   # file globs, relative to the config file
//
//   DiagnosticSink sink; SourceSet sources;
//   Expected<std::optional<Config>> found = config::FindAndLoad({"policies/"}, sources, sink);
//
// Unknown keys and wrong types are Diagnostics with file:line:col.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/diagnostic.h"
#include "base/dialect.h"
#include "base/expected.h"
#include "base/source.h"

namespace polcheck::config {

struct Mount {
  std::string path;  // normalised with a trailing '/', e.g. "secret/"
  std::string type;  // "kv", "database", "pki", "transit", ...
  int kv_version = 0;  // 1 or 2 for type "kv"; 0 otherwise
};

// A lint level: off, or the severity findings are reported with.
enum class Level { kOff, kSuggestion, kWarning, kError };
std::optional<Level> ParseLevel(std::string_view text);
std::string_view LevelName(Level level);

struct RuleSettings {
  std::optional<Level> level;
  std::map<std::string, std::string> options;  // rule-specific, as written
  Span span;                                   // where the rule is configured
};

struct LintSettings {
  std::optional<Level> fail_level;
  std::map<std::string, Level> categories;
  std::map<std::string, RuleSettings> rules;
  std::vector<std::string> ignore;  // globs relative to Config::directory
};

struct Config {
  std::filesystem::path file;       // empty when no file was found (defaults)
  std::filesystem::path directory;  // the folder holding the file
  std::optional<Dialect> dialect;
  std::vector<Mount> mounts;        // longest path first
  LintSettings lint;

  // The mount that `path` lies in (longest match), or nullptr.
  const Mount* MountFor(std::string_view path) const;
};

// Defaults when no config file exists: a KV v2 mount at secret/.
Config DefaultConfig();

// Reads and validates one config file. Problems in it go to `sink` (and the
// result is still returned with what was valid); I/O failures are errors.
[[nodiscard]] Expected<Config> Load(const std::filesystem::path& file, SourceSet& sources, DiagnosticSink& sink);

// The config file that applies to `paths`: `.polcheck.yaml` or `polcheck.yaml`
// in the first path's folder or the nearest folder above it. nullopt when none.
std::optional<std::filesystem::path> Find(const std::vector<std::string>& paths);

// True when `path` (relative to the config's directory, '/'-separated) matches
// the glob: '*' within a segment, '**' across segments, '?' one character.
bool GlobMatch(std::string_view glob, std::string_view path);

}  // namespace polcheck::config
