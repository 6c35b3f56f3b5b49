#include "analysis/workspace.h"

#include <fmt/format.h>

#include <algorithm>
#include <system_error>

#include "analysis/terraform.h"
#include "base/io.h"
#include "evaluator/builtin_policies.h"

namespace polcheck::analysis {
namespace {

// Files below `dir` with one of `extensions`, as paths relative to `root`,
// sorted. A missing folder is no files.
Expected<std::vector<std::string>> ListFiles(const std::filesystem::path& root, std::string_view dir,
                                             std::initializer_list<std::string_view> extensions) {
  std::vector<std::string> out;
  std::error_code ec;
  const std::filesystem::path base = root / dir;
  if (!std::filesystem::is_directory(base, ec)) {
    return out;
  }
  std::filesystem::recursive_directory_iterator it(base, std::filesystem::directory_options::skip_permission_denied,
                                                   ec);
  for (; !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    const std::string ext = it->path().extension().string();
    if (it->is_regular_file(ec) && std::find(extensions.begin(), extensions.end(), ext) != extensions.end()) {
      out.push_back(std::filesystem::relative(it->path(), root, ec).generic_string());
    }
  }
  if (ec) {
    return Unexpected(Error::Code::kIo, fmt::format("{}: {}", base.string(), ec.message()));
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

const parser::Policy* Workspace::FindPolicy(std::string_view name) const {
  auto it = by_name.find(name);
  return it == by_name.end() ? nullptr : &policy_files[it->second].policy;
}

std::vector<std::string> Workspace::PolicyNames() const {
  std::vector<std::string> names;
  for (const auto& [name, index] : by_name) {
    names.push_back(name);
  }
  return names;
}

Expected<Workspace> LoadWorkspace(const WorkspaceOptions& options, DiagnosticSink& sink) {
  std::error_code ec;
  if (!std::filesystem::is_directory(options.directory, ec)) {
    return Unexpected(Error::Code::kNotFound, fmt::format("{}: no such workspace directory", options.directory.string()));
  }
  Workspace ws;
  ws.directory = options.directory;
  ws.config = config::DefaultConfig();
  const std::size_t config_errors_before = sink.error_count();
  for (const char* name : {".polcheck.yaml", "polcheck.yaml"}) {
    if (std::filesystem::is_regular_file(options.directory / name, ec)) {
      Expected<config::Config> loaded = config::Load(options.directory / name, *ws.sources, sink);
      if (!loaded) {
        return Unexpected(loaded.error());
      }
      ws.config = *std::move(loaded);
      break;
    }
  }
  ws.has_config_errors = sink.error_count() > config_errors_before;
  ws.dialect = options.dialect.value_or(ws.config.dialect.value_or(Dialect::kVault));

  Expected<std::vector<std::string>> policy_paths = ListFiles(options.directory, "policies", {".hcl", ".json"});
  Expected<std::vector<std::string>> binding_paths =
      ListFiles(options.directory, "bindings", {".yaml", ".yml", ".json"});
  if (!policy_paths || !binding_paths) {
    return Unexpected(!policy_paths ? policy_paths.error() : binding_paths.error());
  }
  // *.tf files anywhere in the workspace (Terraform import, analysis/terraform.h).
  TerraformOptions tf_options;
  for (const std::string& file : options.tf_var_files) {
    Expected<std::string> text = ReadFile(file);
    if (!text) {
      return Unexpected(text.error().code, fmt::format("--var-file {}", text.error().message));
    }
    tf_options.var_files.emplace_back(file, *std::move(text));
  }
  tf_options.vars = options.tf_vars;
  const std::size_t errors_before = sink.error_count();
  TerraformImport tf = ReadTerraform(options.directory, *ws.sources, sink, tf_options);
  if (policy_paths->empty() && binding_paths->empty() && tf.files == 0) {
    return Unexpected(Error::Code::kNotFound,
                      fmt::format("{}: not a workspace (no policies/ or bindings/ folder with files)",
                                  options.directory.string()));
  }
  auto add_policy = [&](parser::PolicyFile file, Span where) {
    const std::string name = file.policy.name;
    if (auto it = ws.by_name.find(name); it != ws.by_name.end()) {
      sink.Add(Severity::kError, where, "duplicate-policy",
               fmt::format("policy \"{}\" is defined twice (also {})", name,
                           ws.sources->file(ws.policy_files[it->second].file).name()));
      return;
    }
    ws.by_name[name] = ws.policy_files.size();
    ws.policy_files.push_back(std::move(file));
  };
  for (const std::string& rel : *policy_paths) {
    Expected<std::string> text = ReadFile(options.directory / rel);
    if (!text) {
      return Unexpected(text.error());
    }
    const SourceFile& source = ws.sources->file(ws.sources->Add(rel, *std::move(text)));
    add_policy(parser::ParsePolicy(source, {.dialect = ws.dialect, .name = {}, .namespace_path = {}}, sink),
               Span{source.id(), 0, 0});
  }
  for (const TerraformPolicy& p : tf.policies) {
    add_policy(parser::ParsePolicy(ws.sources->file(p.source), {.dialect = ws.dialect, .name = p.name, .namespace_path = {}},
                                   sink),
               p.name_span);
  }
  AddTerraformMounts(tf, ws.config, sink);
  if (ws.by_name.find("default") == ws.by_name.end()) {
    // Vault creates `default` itself; a workspace that does not override it gets the built-in one.
    parser::PolicyFile builtin;
    builtin.policy = evaluator::DefaultPolicy(ws.dialect, *ws.sources);
    builtin.file = builtin.policy.file;
    builtin.ok = true;
    ws.by_name["default"] = ws.policy_files.size();
    ws.policy_files.push_back(std::move(builtin));
    ws.builtin_default = true;
  }
  for (const std::string& rel : *binding_paths) {
    Expected<std::string> text = ReadFile(options.directory / rel);
    if (!text) {
      return Unexpected(text.error());
    }
    LoadBindings(ws.sources->file(ws.sources->Add(rel, *std::move(text))), ws.bindings, sink);
  }
  LoadTerraformBindings(tf, *ws.sources, ws.bindings, sink);
  std::vector<std::string> known = ws.PolicyNames();
  known.push_back("response-wrapping");  // built in, never stored in policies/
  ValidateBindings(ws.bindings, known, sink);
  ws.has_parse_errors = sink.error_count() > errors_before;
  return ws;
}

std::string RenderDiagnostics(const Workspace& ws, const DiagnosticSink& sink) {
  std::string out;
  for (const Diagnostic& d : sink.SortedByLocation()) {
    out += RenderDiagnostic(d, *ws.sources);
  }
  return out;
}

}  // namespace polcheck::analysis
