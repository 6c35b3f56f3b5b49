// A workspace: the folder a team keeps its Vault access setup in.
//
//   policies/   *.hcl, *.json   (policy name = file stem, lower-cased)
//   bindings/   *.yaml, *.yml, *.json   (analysis/bindings.h)
//   polcheck.yaml               (optional; dialect and mounts, config/config.h)
//
//   DiagnosticSink sink;
//   Expected<analysis::Workspace> ws = analysis::LoadWorkspace({.directory = "examples/k8s-aws-teams"}, sink);
//   if (!ws) { /* I/O: missing folder */ }
//   if (sink.has_errors()) { /* a policy or bindings file does not parse or Vault would refuse it */ }
//   const parser::Policy* p = ws->FindPolicy("default");   // built in when policies/ has none
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "analysis/bindings.h"
#include "base/diagnostic.h"
#include "base/dialect.h"
#include "base/expected.h"
#include "base/source.h"
#include "config/config.h"
#include "parser/parser.h"

namespace polcheck::analysis {

struct WorkspaceOptions {
  std::filesystem::path directory = ".";
  // --target; nullopt = polcheck.yaml's dialect, else vault.
  std::optional<Dialect> dialect;
  // Terraform's -var-file FILE (read relative to the current directory, not
  // the workspace, as terraform does) and -var NAME=VALUE, for the *.tf import.
  std::vector<std::string> tf_var_files;
  std::vector<std::string> tf_vars;
};

struct Workspace {
  std::filesystem::path directory;
  Dialect dialect = Dialect::kVault;
  // Owns every file's text; spans in diagnostics and policies point here.
  // Held by pointer so that a Workspace can move without invalidating them.
  std::unique_ptr<SourceSet> sources = std::make_unique<SourceSet>();
  config::Config config;
  std::vector<parser::PolicyFile> policy_files;
  Bindings bindings;
  // True when policies/ has no default.hcl/json and the built-in one was added.
  bool builtin_default = false;
  // An input file (policy, bindings, *.tf) does not parse or Vault would
  // refuse it: commands exit 3.
  bool has_parse_errors = false;
  // polcheck.yaml is invalid (YAML syntax, unknown key, wrong value): a
  // configuration error, commands exit 2. Its diagnostics are in the sink.
  bool has_config_errors = false;

  // The policy Vault stores under `name` (lower-cased), or nullptr.
  const parser::Policy* FindPolicy(std::string_view name) const;
  // Every policy name, sorted.
  std::vector<std::string> PolicyNames() const;

  std::map<std::string, std::size_t, std::less<>> by_name;  // name -> index in policy_files
};

// Loads the workspace at options.directory. Fails with kNotFound when the
// folder does not exist or holds neither policies/ nor bindings/ (nor *.tf),
// or a --var-file is missing; kIo when a file cannot be read. Problems inside files go to `sink` and set
// has_parse_errors (policies, bindings, Terraform) or has_config_errors
// (polcheck.yaml).
[[nodiscard]] Expected<Workspace> LoadWorkspace(const WorkspaceOptions& options, DiagnosticSink& sink);

// Every diagnostic in `sink`, sorted by location, rendered with source lines.
std::string RenderDiagnostics(const Workspace& ws, const DiagnosticSink& sink);

}  // namespace polcheck::analysis
