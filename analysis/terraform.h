// Terraform import: the Vault objects a workspace's *.tf files create, read as
// if they were written in policies/ and bindings/ (issue 5 item 4).
//
//   TerraformImport tf = ReadTerraform(ws.directory, *ws.sources, sink);   // problems -> sink
//   for (const TerraformPolicy& p : tf.policies) { parse ws.sources->file(p.source) as policy p.name }
//   LoadTerraformBindings(tf, *ws.sources, ws.bindings, sink);             // after bindings/ files
//
// Resources read: vault_policy, vault_auth_backend, vault_jwt_auth_backend,
// vault_github_auth_backend, vault_mount, vault_kubernetes_auth_backend_role,
// vault_aws_auth_backend_role, vault_jwt_auth_backend_role,
// vault_approle_auth_backend_role, vault_token_auth_backend_role,
// vault_generic_endpoint (auth/<mount>/users/<name>, auth/<mount>/role/<name>),
// vault_github_team, vault_github_user, vault_identity_group,
// vault_identity_group_alias. Arguments are evaluated when they are literals,
// `var.x` with a default (or set in terraform.tfvars / *.auto.tfvars),
// `local.x`, references to other resources' literal arguments in the same
// module (folder), and the functions file, templatefile, jsonencode, tolist,
// toset, tostring, concat, join, lower, upper, trimspace. A resource with
// anything else (for_each, count, dynamic blocks, data sources, unset
// variables, operators, ...) is not imported and gets a warning
// "terraform-unsupported" naming the expression and what was expected.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "analysis/bindings.h"
#include "base/diagnostic.h"
#include "base/source.h"
#include "config/config.h"

namespace polcheck::analysis {

struct TerraformPolicy {
  std::string name;  // as Vault stores it (lower-cased)
  Span name_span;    // the `name` argument
  FileId source = 0; // policy text; spans into it map to the .tf file (or the file() read)
};

struct TerraformMount {
  config::Mount mount;
  Span span;
};

struct TerraformImport {
  std::vector<TerraformPolicy> policies;
  std::vector<TerraformMount> mounts;  // vault_mount: secrets engines
  // Auth mounts, roles, identity objects as a bindings document in Vault's
  // field names (a synthesized source), with each offset's origin in a .tf file.
  bool has_bindings = false;
  FileId bindings_source = 0;
  std::vector<std::pair<std::uint32_t, Span>> span_map;  // sorted by offset
  std::map<std::string, int> imported;  // resource type -> objects imported
  std::size_t files = 0;                // *.tf files read
};

// Reads every *.tf below `directory` (hidden folders such as .terraform/ are
// skipped), adding each file read to `sources`. Problems go to `sink`: syntax
// errors are errors; resources that cannot be evaluated are warnings and are
// left out whole.
TerraformImport ReadTerraform(const std::filesystem::path& directory, SourceSet& sources, DiagnosticSink& sink);

// Terraform's command-line variables, for the root modules (every folder no
// module call names): -var-file contents in order, then -var NAME=VALUE;
// later ones win over earlier ones and over terraform.tfvars / *.auto.tfvars.
struct TerraformOptions {
  std::vector<std::pair<std::string, std::string>> var_files;  // name for messages, text
  std::vector<std::string> vars;                               // NAME=VALUE
};
// As above, with command-line variables. A `module "x" { source = "./dir" }`
// call imports ./dir once per call with its variables bound to the call's
// arguments (evaluated in the caller); folders named by a call are not read
// as roots. Remote sources, and calls with count/for_each, are warnings.
TerraformImport ReadTerraform(const std::filesystem::path& directory, SourceSet& sources, DiagnosticSink& sink,
                              const TerraformOptions& options);

// Loads the imported auth mounts, roles, users, GitHub maps, token roles and
// identity groups into `out`, with Vault's validation as for bindings/ files;
// every diagnostic and every span in `out` points into the .tf files. An
// object defined both here and in bindings/ gets an error.
void LoadTerraformBindings(const TerraformImport& tf, const SourceSet& sources, Bindings& out, DiagnosticSink& sink);

// Adds the vault_mount secrets engines to `config.mounts` (longest path
// first). A path polcheck.yaml also lists keeps polcheck.yaml's engine; when
// the two disagree, a warning. The built-in default (KV v2 at secret/, used
// when there is no polcheck.yaml) gives way to Terraform.
void AddTerraformMounts(const TerraformImport& tf, config::Config& config, DiagnosticSink& sink);

}  // namespace polcheck::analysis
