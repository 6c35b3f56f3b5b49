#include "config/config.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <system_error>

#include "base/io.h"
#include "config/yaml_reader.h"

namespace polcheck::config {
namespace {

constexpr const char* kFileNames[] = {".polcheck.yaml", "polcheck.yaml"};

// Reads a YAML tree and reports problems against the file's spans.
class Reader {
 public:
  Reader(const SourceFile& source, DiagnosticSink& sink) : source_(source), sink_(sink) {}

  void Read(const YAML::Node& root, Config& out);

 private:
  Span SpanOf(const YAML::Node& node) const { return YamlSpan(source_, node); }
  void Error(const YAML::Node& node, std::string message) {
    sink_.Add(Severity::kError, SpanOf(node), "config", std::move(message));
  }
  // Reports keys of `map` outside `allowed`. Returns false when `map` is not a map.
  bool CheckKeys(const YAML::Node& map, std::string_view where, std::initializer_list<std::string_view> allowed);
  std::optional<std::string> Scalar(const YAML::Node& node, std::string_view what);
  void ReadMounts(const YAML::Node& node, Config& out);
  void ReadLint(const YAML::Node& node, LintSettings& out);
  void ReadRule(const YAML::Node& key, const YAML::Node& value, LintSettings& out);

  const SourceFile& source_;
  DiagnosticSink& sink_;
};

bool Reader::CheckKeys(const YAML::Node& map, std::string_view where,
                       std::initializer_list<std::string_view> allowed) {
  return CheckYamlKeys(source_, sink_, "config", map, where, allowed);
}

std::optional<std::string> Reader::Scalar(const YAML::Node& node, std::string_view what) {
  if (!node.IsScalar()) {
    Error(node, fmt::format("{} must be a single value", what));
    return std::nullopt;
  }
  return node.Scalar();
}

void Reader::Read(const YAML::Node& root, Config& out) {
  if (root.IsNull()) {
    return;  // an empty file: all defaults
  }
  if (!CheckKeys(root, "the config file", {"dialect", "mounts", "lint"})) {
    return;
  }
  if (const YAML::Node d = root["dialect"]) {
    if (std::optional<std::string> text = Scalar(d, "dialect")) {
      out.dialect = ParseDialect(*text);
      if (!out.dialect) {
        Error(d, fmt::format("unknown dialect \"{}\" (expected vault, vault-legacy or openbao)", *text));
      }
    }
  }
  if (const YAML::Node m = root["mounts"]) {
    ReadMounts(m, out);
  }
  if (const YAML::Node l = root["lint"]) {
    ReadLint(l, out.lint);
  }
}

void Reader::ReadMounts(const YAML::Node& node, Config& out) {
  if (!node.IsMap()) {
    Error(node, "mounts must map a mount path to its engine, e.g. secret/: {type: kv, version: 2}");
    return;
  }
  out.mounts.clear();
  for (const auto& kv : node) {
    Mount mount;
    mount.path = kv.first.as<std::string>("");
    while (!mount.path.empty() && mount.path.front() == '/') {
      mount.path.erase(0, 1);
    }
    if (mount.path.empty()) {
      Error(kv.first, "a mount path must not be empty");
      continue;
    }
    if (mount.path.back() != '/') {
      mount.path += '/';
    }
    const YAML::Node& spec = kv.second;
    if (spec.IsScalar()) {
      mount.type = spec.Scalar();
    } else if (CheckKeys(spec, fmt::format("mount \"{}\"", mount.path), {"type", "version"})) {
      if (const YAML::Node t = spec["type"]) {
        mount.type = Scalar(t, "type").value_or("");
      }
      if (const YAML::Node v = spec["version"]) {
        const std::string text = Scalar(v, "version").value_or("");
        if (text == "1" || text == "2") {
          mount.kv_version = text[0] - '0';
        } else {
          Error(v, fmt::format("KV version must be 1 or 2, not \"{}\"", text));
        }
      }
    }
    if (mount.type.empty()) {
      Error(kv.first, fmt::format("mount \"{}\" needs a type (kv, database, pki, transit, ...)", mount.path));
      continue;
    }
    if (mount.type == "kv-v2") {
      mount.type = "kv", mount.kv_version = 2;
    } else if (mount.type == "kv" && mount.kv_version == 0) {
      mount.kv_version = 1;  // Vault's `kv` engine defaults to version 1
    }
    out.mounts.push_back(std::move(mount));
  }
  std::sort(out.mounts.begin(), out.mounts.end(),
            [](const Mount& a, const Mount& b) { return a.path.size() > b.path.size(); });
}

void Reader::ReadLint(const YAML::Node& node, LintSettings& out) {
  if (!CheckKeys(node, "lint", {"fail_level", "categories", "rules", "ignore"})) {
    return;
  }
  if (const YAML::Node f = node["fail_level"]) {
    const std::string text = Scalar(f, "fail_level").value_or("");
    out.fail_level = ParseLevel(text);
    if (!out.fail_level || *out.fail_level == Level::kOff) {
      out.fail_level.reset();
      Error(f, fmt::format("fail_level must be suggestion, warning or error, not \"{}\"", text));
    }
  }
  if (const YAML::Node c = node["categories"]) {
    if (!c.IsMap()) {
      Error(c, "categories must map a category to a level");
    } else {
      for (const auto& kv : c) {
        const std::string text = Scalar(kv.second, "a level").value_or("");
        if (std::optional<Level> level = ParseLevel(text)) {
          out.categories[kv.first.as<std::string>("")] = *level;
        } else {
          Error(kv.second, fmt::format("unknown level \"{}\" (expected off, suggestion, warning or error)", text));
        }
      }
    }
  }
  if (const YAML::Node r = node["rules"]) {
    if (!r.IsMap()) {
      Error(r, "rules must map a rule id to a level or {level, options}");
    } else {
      for (const auto& kv : r) {
        ReadRule(kv.first, kv.second, out);
      }
    }
  }
  if (const YAML::Node i = node["ignore"]) {
    if (!i.IsSequence()) {
      Error(i, "ignore must be a list of file globs");
    } else {
      for (const YAML::Node& g : i) {
        if (std::optional<std::string> glob = Scalar(g, "an ignore glob")) {
          out.ignore.push_back(*glob);
        }
      }
    }
  }
}

void Reader::ReadRule(const YAML::Node& key, const YAML::Node& value, LintSettings& out) {
  RuleSettings settings;
  settings.span = SpanOf(key);
  const std::string id = key.as<std::string>("");
  auto read_level = [&](const YAML::Node& n) {
    const std::string text = Scalar(n, "a level").value_or("");
    settings.level = ParseLevel(text);
    if (!settings.level) {
      Error(n, fmt::format("unknown level \"{}\" for rule \"{}\" (expected off, suggestion, warning or error)", text, id));
    }
  };
  if (value.IsScalar()) {
    read_level(value);
  } else if (CheckKeys(value, fmt::format("rule \"{}\"", id), {"level", "options"})) {
    if (const YAML::Node l = value["level"]) {
      read_level(l);
    }
    if (const YAML::Node o = value["options"]) {
      if (!o.IsMap()) {
        Error(o, "options must be a mapping");
      } else {
        for (const auto& kv : o) {
          YAML::Emitter emitter;
          emitter << YAML::Flow << kv.second;
          settings.options[kv.first.as<std::string>("")] = kv.second.IsScalar() ? kv.second.Scalar() : emitter.c_str();
        }
      }
    }
  }
  out.rules[id] = std::move(settings);
}

}  // namespace

std::optional<Level> ParseLevel(std::string_view text) {
  if (text == "off" || text == "ignore" || text == "false") {
    return Level::kOff;
  }
  if (text == "suggestion") {
    return Level::kSuggestion;
  }
  if (text == "warning") {
    return Level::kWarning;
  }
  if (text == "error") {
    return Level::kError;
  }
  return std::nullopt;
}

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kOff:
      return "off";
    case Level::kSuggestion:
      return "suggestion";
    case Level::kWarning:
      return "warning";
    case Level::kError:
      return "error";
  }
  return "off";
}

const Mount* Config::MountFor(std::string_view path) const {
  for (const Mount& m : mounts) {  // longest first
    if (path.substr(0, m.path.size()) == m.path || path == std::string_view(m.path).substr(0, m.path.size() - 1)) {
      return &m;
    }
  }
  return nullptr;
}

Config DefaultConfig() {
  Config config;
  config.mounts.push_back(Mount{"secret/", "kv", 2});
  return config;
}

Expected<Config> Load(const std::filesystem::path& file, SourceSet& sources, DiagnosticSink& sink) {
  Expected<std::string> text = ReadFile(file);
  if (!text) {
    return Unexpected(text.error());
  }
  const SourceFile& source = sources.file(sources.Add(file.string(), *std::move(text)));
  Config config = DefaultConfig();
  config.file = file;
  config.directory = file.parent_path().empty() ? std::filesystem::path(".") : file.parent_path();
  std::optional<YAML::Node> root = ParseYaml(source, sink, "config", "YAML");
  if (!root) {
    return config;
  }
  Reader(source, sink).Read(*root, config);
  return config;
}

std::optional<std::filesystem::path> Find(const std::vector<std::string>& paths) {
  std::error_code ec;
  std::filesystem::path start = paths.empty() ? std::filesystem::current_path(ec) : std::filesystem::path(paths.front());
  start = std::filesystem::absolute(start, ec);
  if (!std::filesystem::is_directory(start, ec)) {
    start = start.parent_path();
  }
  for (std::filesystem::path dir = start;; dir = dir.parent_path()) {
    for (const char* name : kFileNames) {
      if (std::filesystem::is_regular_file(dir / name, ec)) {
        // Relative to the working directory when possible: it reads better in messages.
        std::filesystem::path relative = std::filesystem::relative(dir / name, ec);
        return ec || relative.empty() ? dir / name : relative;
      }
    }
    if (dir == dir.parent_path()) {
      return std::nullopt;
    }
  }
}

bool GlobMatch(std::string_view glob, std::string_view path) {
  if (glob.empty()) {
    return path.empty();
  }
  if (glob.substr(0, 2) == "**") {
    std::string_view rest = glob.substr(2);
    if (rest.empty()) {
      return true;  // a trailing ** matches everything below
    }
    if (rest.front() == '/') {
      rest.remove_prefix(1);
    }
    for (std::size_t i = 0; i <= path.size(); ++i) {
      if ((i == 0 || path[i - 1] == '/') && GlobMatch(rest, path.substr(i))) {
        return true;
      }
    }
    return GlobMatch(rest, "") && path.empty();
  }
  if (glob.front() == '*') {
    for (std::size_t i = 0; i <= path.size(); ++i) {
      if (GlobMatch(glob.substr(1), path.substr(i))) {
        return true;
      }
      if (i < path.size() && path[i] == '/') {
        return false;
      }
    }
    return false;
  }
  if (path.empty()) {
    return false;
  }
  if (glob.front() == '?' ? path.front() != '/' : glob.front() == path.front()) {
    return GlobMatch(glob.substr(1), path.substr(1));
  }
  return false;
}

}  // namespace polcheck::config
