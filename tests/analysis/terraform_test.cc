#include "analysis/terraform.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <string>

#include "analysis/analysis.h"
#include "analysis/terraform_hcl.h"
#include "base/io.h"
#include "tests/analysis/test_workspace.h"

namespace polcheck::analysis {
namespace {

using testing::Load;

std::vector<std::string> Policies(const Workspace& ws, std::string_view role) {
  std::vector<Subject> s = SubjectsForRole(ws, role, "");
  return s.empty() ? std::vector<std::string>{"<no such role>"} : s.front().token_policies;
}

TEST(TerraformHcl, ReadsBlocksAttributesHeredocsAndTemplates) {
  SourceSet sources;
  const FileId id = sources.Add("a.tf", R"(resource "vault_policy" "p" {
  name   = "x-${var.env}"
  policy = <<-EOT
    path "a" {
      capabilities = ["read"]
    }
  EOT
  list = [1, -2, true, null, {a = "b", "c" : 3}]
  f    = file("${path.module}/p.hcl")
  op   = var.a + 1
  cond = var.a ? "x" : "y"
  for  = [for s in var.l : upper(s)]
  esc  = "a\"b $${literal}"
}
)");
  DiagnosticSink sink;
  hcl::Body body = hcl::ParseConfig(sources.file(id), sink);
  ASSERT_EQ(sink.diagnostics().size(), 0u) << sink.diagnostics()[0].message;
  ASSERT_EQ(body.blocks.size(), 1u);
  const hcl::Block& b = body.blocks[0];
  EXPECT_EQ(b.type, "resource");
  EXPECT_EQ(b.labels, (std::vector<std::string>{"vault_policy", "p"}));
  EXPECT_EQ(b.body.Find("name")->value.kind, hcl::ExprKind::kTemplate);
  const hcl::Expr& policy = b.body.Find("policy")->value;
  EXPECT_EQ(policy.kind, hcl::ExprKind::kString);
  EXPECT_EQ(policy.text, "path \"a\" {\n  capabilities = [\"read\"]\n}\n");
  EXPECT_EQ(b.body.Find("list")->value.items.size(), 5u);
  EXPECT_EQ(b.body.Find("list")->value.items[1].text, "-2");
  EXPECT_EQ(hcl::Describe(b.body.Find("f")->value), "file(...)");
  EXPECT_EQ(b.body.Find("op")->value.text, "operator '+'");
  EXPECT_EQ(b.body.Find("cond")->value.text, "conditional expression");
  EXPECT_EQ(b.body.Find("for")->value.text, "for expression");
  EXPECT_EQ(b.body.Find("esc")->value.text, "a\"b ${literal}");
  EXPECT_FALSE(b.body.Find("esc")->value.verbatim);
}

TEST(TerraformHcl, SyntaxErrorKeepsEarlierBlocks) {
  SourceSet sources;
  const FileId id = sources.Add("a.tf", "resource \"a\" \"b\" {\n  x = 1\n}\nresource \"c\" \"d\" {\n  y = [1 2]\n}\n");
  DiagnosticSink sink;
  hcl::Body body = hcl::ParseConfig(sources.file(id), sink);
  EXPECT_EQ(body.blocks.size(), 1u);
  ASSERT_EQ(sink.diagnostics().size(), 1u);
  EXPECT_EQ(RenderDiagnostic(sink.diagnostics()[0], sources),
            "a.tf:5:10: error: expected ',' or ']' in a list (the rest of this file is not read) [terraform-syntax]\n"
            "  5 |   y = [1 2]\n"
            "    |          ^\n");
}

TEST(Terraform, ImportsRolesPoliciesAndMountsShapedLikeTheCorpus) {
  auto l = Load({{"main.tf", R"(
resource "vault_auth_backend" "kubernetes" {
  type = "kubernetes"
  path = "k8s"
}
resource "vault_kubernetes_auth_backend_role" "mailrise" {
  backend                          = vault_auth_backend.kubernetes.path
  role_name                        = "mailrise"
  bound_service_account_namespaces = ["mailrise"]
  token_ttl                        = 3600
  bound_service_account_names      = ["mailrise-main"]
  token_policies                   = [vault_policy.mailrise.name]
}
resource "vault_policy" "mailrise" {
  name = "mailrise"

  policy = <<EOT
path "kvv2/data/services/mailrise/ses" {
  capabilities = ["read"]
}
EOT
}
resource "vault_approle_auth_backend_role" "approle" {
  backend   = "${vault_auth_backend.approle.path}"
  role_name = "12factor"
  policies  = ["default", "12factor"]
}
resource "vault_auth_backend" "approle" {
  type = "approle"
  path = "app-12factor"
}
)"}});
  // The warning Vault's binding check gives, pointing at the Terraform argument.
  EXPECT_EQ(l.diagnostics,
            "main.tf:26:15: warning: auth/app-12factor role \"12factor\" names policy \"12factor\", which no file in "
            "policies/ defines (Vault ignores it) [unknown-policy]\n"
            "  26 |   policies  = [\"default\", \"12factor\"]\n"
            "     |               ^~~~~~~~~~~~~~~~~~~~~~~\n");
  EXPECT_EQ(Policies(l.ws, "mailrise"), (std::vector<std::string>{"default", "mailrise"}));
  EXPECT_EQ(Policies(l.ws, "12factor"), (std::vector<std::string>{"12factor", "default"}));
  const AuthMount* k8s = l.ws.bindings.FindMount("k8s");
  ASSERT_NE(k8s, nullptr);
  EXPECT_EQ(k8s->type, AuthType::kKubernetes);
  EXPECT_EQ(k8s->roles[0].fields.Number("token_ttl"), 3600);
  // Spans point into main.tf, not into the synthesized document.
  EXPECT_EQ(l.ws.sources->file(k8s->roles[0].name_span.file).name(), "main.tf");
  EXPECT_NE(l.ws.FindPolicy("mailrise"), nullptr);
  Expected<std::vector<Answer>> a =
      Simulate(l.ws, SubjectsForRole(l.ws, "mailrise", ""),
               {.path = "kvv2/data/services/mailrise/ses", .operation = evaluator::Operation::kRead});
  ASSERT_TRUE(a.has_value());
  EXPECT_TRUE(a->front().allowed);
}

// terraform-provider-vault sends bound_claims as strings (map(string)) split on ','
// (trimmed) unless disable_bound_claims_parsing = true, which is not a Vault field.
TEST(Terraform, JwtBoundClaimsAreSplitStringsUnlessParsingIsDisabled) {
  auto l = Load({{"main.tf", R"(
resource "vault_jwt_auth_backend" "jwt" {
  path = "jwt"
  type = "jwt"
}
resource "vault_jwt_auth_backend_role" "ci" {
  backend        = vault_jwt_auth_backend.jwt.path
  role_name      = "ci"
  role_type      = "jwt"
  user_claim     = "sub"
  bound_claims   = { repo = "org/a, org/b", verified = true }
}
resource "vault_jwt_auth_backend_role" "raw" {
  backend                      = vault_jwt_auth_backend.jwt.path
  role_name                    = "raw"
  role_type                    = "jwt"
  user_claim                   = "sub"
  bound_claims                 = { repo = "org/a,org/b" }
  disable_bound_claims_parsing = true
}
)"}});
  EXPECT_EQ(l.diagnostics, "");
  const AuthMount* jwt = l.ws.bindings.FindMount("jwt");
  ASSERT_NE(jwt, nullptr);
  ASSERT_EQ(jwt->roles.size(), 2u);
  for (const Role& role : jwt->roles) {
    const Field* bound = role.fields.Find("bound_claims");
    ASSERT_NE(bound, nullptr) << role.name;
    if (role.name == "ci") {
      EXPECT_EQ(bound->map.at("repo"), (std::vector<std::string>{"org/a", "org/b"}));
      EXPECT_EQ(bound->map.at("verified"), (std::vector<std::string>{"true"}));
      EXPECT_EQ(bound->claim_types.at("verified"), (std::vector<ClaimValueType>{ClaimValueType::kString}))
          << "the provider sends \"true\", which never matches the claim true";
    } else {
      EXPECT_EQ(bound->map.at("repo"), (std::vector<std::string>{"org/a,org/b"}));
    }
  }
}

TEST(Terraform, PolicyDiagnosticsPointIntoTheTfFile) {
  auto l = Load({{"p.tf", "resource \"vault_policy\" \"bad\" {\n  name   = \"bad\"\n  policy = <<EOT\npath \"a\" {\n"
                          "  capabilities = [\"reed\"]\n}\nEOT\n}\n"}});
  EXPECT_NE(l.diagnostics.find("p.tf:5:"), std::string::npos) << l.diagnostics;
}

TEST(Terraform, IndentedHeredocAndEscapedStringPolicies) {
  auto l = Load({{"p.tf", "resource \"vault_policy\" \"a\" {\n  name   = \"a\"\n  policy = <<-EOT\n    path \"a\" {\n"
                          "      capabilities = [\"reed\"]\n    }\n  EOT\n}\n"
                          "resource \"vault_policy\" \"b\" {\n  name   = \"b\"\n"
                          "  policy = \"path \\\"b\\\" { capabilities = [\\\"reed\\\"] }\"\n}\n"}});
  // <<-: diagnostics at the .tf line; an escaped string: its own source named after the argument.
  EXPECT_NE(l.diagnostics.find("p.tf:5:"), std::string::npos) << l.diagnostics;
  EXPECT_NE(l.diagnostics.find("p.tf:11:12 (vault_policy.b):1:"), std::string::npos) << l.diagnostics;
}

TEST(Terraform, AwsPluralArgumentsAndLowerCasedNames) {
  auto l = Load({{"aws.tf", R"(
resource "vault_aws_auth_backend_role" "dev" {
  backend                  = "aws"
  role                     = "AAA-Role"
  auth_type                = "iam"
  bound_iam_principal_arns = ["arn:aws:iam::123456789012:role/dev-*"]
  token_policies           = ["aaa-dev"]
}
)"},
                 {"policies/aaa-dev.hcl", "path \"secret/*\" { capabilities = [\"read\"] }\n"}});
  EXPECT_EQ(l.diagnostics, "");
  const AuthMount* aws = l.ws.bindings.FindMount("aws");
  ASSERT_NE(aws, nullptr);
  EXPECT_EQ(aws->roles[0].name, "aaa-role");
  EXPECT_EQ(aws->roles[0].fields.List("bound_iam_principal_arn"),
            (std::vector<std::string>{"arn:aws:iam::123456789012:role/dev-*"}));
}

TEST(Terraform, VariablesLocalsAndTfvars) {
  auto l = Load({{"vars.tf", "variable \"ns\" { default = \"a\" }\nvariable \"pol\" {}\nlocals { sa = [\"x\"] }\n"},
                 {"terraform.tfvars", "pol = \"from-tfvars\"\n"},
                 {"role.tf", R"(
resource "vault_kubernetes_auth_backend_role" "r" {
  role_name                        = "r"
  bound_service_account_names      = local.sa
  bound_service_account_namespaces = [var.ns]
  token_policies                   = [var.pol]
}
)"}});
  const AuthMount* k8s = l.ws.bindings.FindMount("kubernetes");
  ASSERT_NE(k8s, nullptr);
  EXPECT_EQ(k8s->roles[0].fields.List("bound_service_account_namespaces"), (std::vector<std::string>{"a"}));
  EXPECT_EQ(k8s->roles[0].fields.List("token_policies"), (std::vector<std::string>{"from-tfvars"}));
}

TEST(Terraform, UnresolvableExpressionsSkipTheWholeResourceWithADiagnostic) {
  auto l = Load({{"main.tf", R"(variable "names" {}
resource "vault_kubernetes_auth_backend_role" "r" {
  role_name                        = "r"
  bound_service_account_names      = var.names
  bound_service_account_namespaces = ["a"]
}
resource "vault_approle_auth_backend_role" "each" {
  for_each  = toset(["a"])
  role_name = each.key
}
)"}});
  EXPECT_EQ(l.ws.bindings.FindMount("kubernetes"), nullptr);
  EXPECT_EQ(l.diagnostics,
            "main.tf:4:38: warning: vault_kubernetes_auth_backend_role.r is not imported: bound_service_account_names "
            "= var.names: variable \"names\" has no default and no terraform.tfvars value (give it with --var or "
            "--var-file); expected a literal value [terraform-unsupported]\n"
            "  4 |   bound_service_account_names      = var.names\n"
            "    |                                      ^~~~~~~~~\n"
            "main.tf:8:3: warning: vault_approle_auth_backend_role.each is not imported: for_each = toset(...): one "
            "object per instance; instances are not evaluated [terraform-unsupported]\n"
            "  8 |   for_each  = toset([\"a\"])\n"
            "    |   ^~~~~~~~\n");
}

TEST(Terraform, VaultValidationAppliesWithTfSpans) {
  auto l = Load({{"main.tf", R"(resource "vault_kubernetes_auth_backend_role" "r" {
  role_name                        = "r"
  bound_service_account_names      = ["*", "app"]
  bound_service_account_namespaces = ["a"]
}
)"}});
  EXPECT_NE(l.diagnostics.find("main.tf:3:38: error: role \"r\": \"*\" cannot be mixed with other values"),
            std::string::npos)
      << l.diagnostics;
  EXPECT_TRUE(l.ws.has_parse_errors);
}

TEST(Terraform, DuplicatesBetweenTerraformAndBindingsAreErrors) {
  auto l = Load({{"bindings/b.yaml", "auth:\n  kubernetes:\n    roles:\n      r:\n        bound_service_account_names: [a]\n"
                                     "        bound_service_account_namespaces: [a]\n"},
                 {"policies/p.hcl", "path \"a\" { capabilities = [\"read\"] }\n"},
                 {"main.tf", R"(resource "vault_kubernetes_auth_backend_role" "r" {
  role_name                        = "r"
  bound_service_account_names      = ["a"]
  bound_service_account_namespaces = ["a"]
}
resource "vault_policy" "p" {
  name   = "P"
  policy = "path \"b\" { capabilities = [\"read\"] }"
}
)"}});
  EXPECT_NE(l.diagnostics.find("main.tf:2:38: error: role \"r\" of auth/kubernetes is defined twice"),
            std::string::npos)
      << l.diagnostics;
  EXPECT_NE(l.diagnostics.find("main.tf:7:12: error: policy \"p\" is defined twice (also policies/p.hcl)"),
            std::string::npos)
      << l.diagnostics;
}

TEST(Terraform, ARoleDefinedTwiceInTerraformIsAnErrorNamingBoth) {
  auto l = Load({{"main.tf", R"(resource "vault_kubernetes_auth_backend_role" "a" {
  role_name                        = "r"
  bound_service_account_names      = ["a"]
  bound_service_account_namespaces = ["a"]
  token_policies                   = ["first"]
}
resource "vault_kubernetes_auth_backend_role" "b" {
  role_name                        = "r"
  bound_service_account_names      = ["b"]
  bound_service_account_namespaces = ["b"]
  token_policies                   = ["second"]
}
)"}});
  EXPECT_NE(l.diagnostics.find("main.tf:8:38: error: vault_kubernetes_auth_backend_role.b: role \"r\" of "
                               "auth/kubernetes is defined twice in Terraform; the first definition is kept "
                               "[duplicate-binding]"),
            std::string::npos)
      << l.diagnostics;
  EXPECT_NE(l.diagnostics.find("main.tf:2:38: note: first defined here"), std::string::npos) << l.diagnostics;
  ASSERT_EQ(l.ws.bindings.mounts.size(), 1u);
  ASSERT_EQ(l.ws.bindings.mounts.front().roles.size(), 1u);
  EXPECT_EQ(l.ws.bindings.mounts.front().roles.front().fields.List("token_policies"),
            (std::vector<std::string>{"first"}));
  EXPECT_TRUE(l.ws.has_parse_errors);
}

TEST(Terraform, UserpassGenericEndpointGithubTokenRoleAndGroups) {
  auto l = Load({{"main.tf", R"(
resource "vault_auth_backend" "userpass" {
  type = "userpass"
}
resource "vault_generic_endpoint" "student" {
  depends_on           = [vault_auth_backend.userpass]
  path                 = "auth/userpass/users/Student"
  ignore_absent_fields = true

  data_json = <<EOT
{
  "policies": ["fpe-client", "admins"],
  "password": "changeme"
}
EOT
}
resource "vault_github_team" "ops" {
  team     = "Ops"
  policies = ["ops"]
}
resource "vault_token_auth_backend_role" "t" {
  role_name        = "nomad"
  allowed_policies = ["nomad"]
  token_period     = "86400"
}
resource "vault_jwt_auth_backend" "oidc" {
  path = "oidc"
  type = "oidc"
}
resource "vault_identity_group" "eng" {
  name     = "eng"
  type     = "external"
  policies = ["eng"]
}
resource "vault_identity_group_alias" "eng" {
  name           = "engineering"
  mount_accessor = vault_jwt_auth_backend.oidc.accessor
  canonical_id   = vault_identity_group.eng.id
}
resource "vault_identity_group" "all" {
  name             = "all"
  member_group_ids = [vault_identity_group.eng.id]
}
)"}});
  const AuthMount* up = l.ws.bindings.FindMount("userpass");
  ASSERT_NE(up, nullptr);
  EXPECT_EQ(up->roles[0].name, "student");
  EXPECT_EQ(up->roles[0].fields.List("policies"), (std::vector<std::string>{"fpe-client", "admins"}));
  const AuthMount* gh = l.ws.bindings.FindMount("github");
  ASSERT_NE(gh, nullptr);
  EXPECT_EQ(gh->github.teams.at("ops"), (std::vector<std::string>{"ops"}));
  ASSERT_EQ(l.ws.bindings.token_roles.size(), 1u);
  EXPECT_EQ(l.ws.bindings.token_roles[0].fields.Number("token_period"), 86400);
  const IdentityGroup* eng = l.ws.bindings.FindGroup("eng");
  ASSERT_NE(eng, nullptr);
  ASSERT_EQ(eng->aliases.size(), 1u);
  EXPECT_EQ(eng->aliases[0].mount, "oidc");
  EXPECT_EQ(l.ws.bindings.FindGroup("all")->member_group_ids, (std::vector<std::string>{"eng"}));
}

TEST(Terraform, FileTemplatefileAndKvMount) {
  auto l = Load({{"tf/main.tf", R"(
resource "vault_mount" "kv" {
  path    = "kvv2"
  type    = "kv"
  options = { version = "2" }
}
resource "vault_policy" "a" {
  name   = "a"
  policy = file("${path.module}/a.hcl")
}
resource "vault_policy" "b" {
  name   = "b"
  policy = templatefile("b.tftpl", { team = "x" })
}
resource "vault_policy" "c" {
  name   = "c"
  policy = templatefile("b.tftpl", { other = "x" })
}
)"},
                 {"tf/a.hcl", "path \"kvv2/data/a\" { capabilities = [\"read\"] }\n"},
                 {"tf/b.tftpl", "path \"kvv2/data/${team}/*\" { capabilities = [\"read\"] }\n"}});
  ASSERT_NE(l.ws.FindPolicy("a"), nullptr);
  ASSERT_NE(l.ws.FindPolicy("b"), nullptr);
  EXPECT_EQ(l.ws.FindPolicy("c"), nullptr);
  EXPECT_NE(l.diagnostics.find("tf/main.tf:17:12: warning: vault_policy.c is not imported: policy = "
                               "templatefile(...): templatefile(\"b.tftpl\"): template variable \"team\" is not "
                               "passed to templatefile()"),
            std::string::npos)
      << l.diagnostics;
  const config::Mount* m = l.ws.config.MountFor("kvv2/data/x");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->kv_version, 2);
}

TEST(Terraform, NamespacedAndUnmodelledResourcesAreReported) {
  auto l = Load({{"main.tf", R"(resource "vault_approle_auth_backend_role" "r" {
  namespace      = "team"
  role_name      = "r"
  token_policies = ["a"]
}
resource "vault_identity_entity" "e" {
  name     = "e"
  policies = ["a"]
}
)"}});
  EXPECT_EQ(l.ws.bindings.FindMount("approle"), nullptr);
  EXPECT_NE(l.diagnostics.find("main.tf:2:3: warning: vault_approle_auth_backend_role.r is not imported: namespace"),
            std::string::npos)
      << l.diagnostics;
  EXPECT_NE(l.diagnostics.find("main.tf:6:1: warning: vault_identity_entity.e is not imported: the import does not model"), std::string::npos)
      << l.diagnostics;
}

// Every role-terraform file of the corpus: no crash; it imports or explains.
// Reads the files into a fresh folder and imports it with `options`.
struct Imported {
  SourceSet sources;
  DiagnosticSink sink;
  Bindings bindings;
  TerraformImport tf;
  std::string diagnostics;
};

std::unique_ptr<Imported> Import(const std::map<std::string, std::string>& files, const TerraformOptions& options) {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / (std::string("polcheck-tf-") + info->test_suite_name() + info->name());
  std::filesystem::remove_all(dir);
  for (const auto& [rel, text] : files) {
    std::filesystem::create_directories((dir / rel).parent_path());
    std::ofstream(dir / rel) << text;
  }
  auto out = std::make_unique<Imported>();
  out->tf = ReadTerraform(dir, out->sources, out->sink, options);
  LoadTerraformBindings(out->tf, out->sources, out->bindings, out->sink);
  for (const Diagnostic& d : out->sink.SortedByLocation()) {
    out->diagnostics += RenderDiagnostic(d, out->sources);
  }
  return out;
}

std::vector<std::string> RoleNamespaces(const Bindings& b, std::string_view role) {
  for (const AuthMount& m : b.mounts) {
    for (const Role& r : m.roles) {
      if (r.name == role) {
        return r.fields.List("bound_service_account_namespaces");
      }
    }
  }
  return {"(no role)"};
}

constexpr const char* kModule = R"(variable "team" {}
variable "ns" {
  default = "default"
}
resource "vault_kubernetes_auth_backend_role" "r" {
  role_name                        = "${var.team}-app"
  bound_service_account_names      = ["app"]
  bound_service_account_namespaces = [var.ns]
}
)";

TEST(TerraformModules, LocalCallsBindVariablesPerCallAndTheChildIsNotARoot) {
  auto im = Import({{"main.tf", R"(locals {
  prod = "pay-prod"
}
module "pay" {
  source = "./mod"
  team   = "pay"
  ns     = local.prod
}
module "search" {
  source = "./mod/"
  team   = "search"
}
)"},
                    {"mod/main.tf", kModule}},
                   {});
  EXPECT_EQ(im->diagnostics, "");
  EXPECT_EQ(RoleNamespaces(im->bindings, "pay-app"), (std::vector<std::string>{"pay-prod"}));
  EXPECT_EQ(RoleNamespaces(im->bindings, "search-app"), (std::vector<std::string>{"default"}));
  // mod/ alone would need var.team: it is read only through the calls.
  EXPECT_EQ(im->tf.imported["vault_kubernetes_auth_backend_role"], 2);
}

TEST(TerraformModules, RemoteSourcesCountAndUnsetVariablesAreWarnings) {
  auto im = Import({{"main.tf", R"(module "remote" {
  source  = "hashicorp/vault-roles/aws"
  version = "1.0.0"
}
module "many" {
  source   = "./mod"
  for_each = toset(["a", "b"])
  team     = each.key
}
module "unset" {
  source = "./mod"
}
module "missing" {
  source = "./nowhere"
}
module "typo" {
  source = "./mod"
  team   = "t"
  nss    = "x"
}
)"},
                    {"mod/main.tf", kModule}},
                   {});
  for (const char* expected :
       {"main.tf:2:13: warning: module.remote is not imported: source \"hashicorp/vault-roles/aws\" is not a local "
        "path; registry, git and other remote modules are not fetched (expected a source starting with ./ or ../)",
        "main.tf:7:3: warning: module.many is not imported: for_each = toset(...): one module instance per element",
        "mod/main.tf:6:41: warning: module.unset.vault_kubernetes_auth_backend_role.r is not imported: role_name = "
        "a template string: variable \"team\" has no default and module.unset does not set it",
        "main.tf:14:12: warning: module.missing is not imported: source \"./nowhere\" names no folder with .tf files",
        "main.tf:19:3: warning: module.typo: argument \"nss\" names no variable of mod"}) {
    EXPECT_NE(im->diagnostics.find(expected), std::string::npos) << expected << "\n---\n" << im->diagnostics;
  }
  EXPECT_EQ(RoleNamespaces(im->bindings, "t-app"), (std::vector<std::string>{"default"}));
}

TEST(TerraformVars, VarFileAndVarOverrideTfvarsForRootModulesInOrder) {
  const std::map<std::string, std::string> files = {
      {"main.tf", R"(variable "ns" {}
resource "vault_kubernetes_auth_backend_role" "r" {
  role_name                        = "r"
  bound_service_account_names      = ["app"]
  bound_service_account_namespaces = [var.ns]
}
)"},
      {"terraform.tfvars", "ns = \"from-tfvars\"\n"}};
  EXPECT_EQ(RoleNamespaces(Import(files, {})->bindings, "r"), (std::vector<std::string>{"from-tfvars"}));
  TerraformOptions file{.var_files = {{"prod.tfvars", "ns = \"from-file\"\n"}}, .vars = {}};
  EXPECT_EQ(RoleNamespaces(Import(files, file)->bindings, "r"), (std::vector<std::string>{"from-file"}));
  TerraformOptions both{.var_files = {{"prod.tfvars", "ns = \"from-file\"\n"}}, .vars = {"ns=from-var"}};
  EXPECT_EQ(RoleNamespaces(Import(files, both)->bindings, "r"), (std::vector<std::string>{"from-var"}));
  // A -var value is a string (quotes and ${ kept literally) unless written as a list or object.
  TerraformOptions text{.var_files = {}, .vars = {"ns=a\"b${c}"}};
  EXPECT_EQ(RoleNamespaces(Import(files, text)->bindings, "r"), (std::vector<std::string>{"a\"b${c}"}));
  // A syntax error in a var file is a Terraform syntax error (exit 3), at its line.
  auto bad = Import(files, TerraformOptions{.var_files = {{"bad.tfvars", "ns = [\n"}}, .vars = {}});
  EXPECT_NE(bad->diagnostics.find("bad.tfvars:"), std::string::npos) << bad->diagnostics;
  EXPECT_TRUE(bad->sink.has_errors());
}

TEST(TerraformHcl, SquigglyHeredocIsASyntaxErrorPointingToTheIndentedForm) {
  SourceSet sources;
  DiagnosticSink sink;
  hcl::ParseConfig(sources.file(sources.Add("main.tf", "x = <<~EOT\n  a\nEOT\n")), sink);
  ASSERT_EQ(sink.diagnostics().size(), 1u);
  EXPECT_EQ(RenderDiagnostic(sink.diagnostics().front(), sources),
            "main.tf:1:7: error: `<<~` is not an HCL heredoc; the indented form that strips leading spaces is <<-EOT "
            "(the rest of this file is not read) [terraform-syntax]\n"
            "  1 | x = <<~EOT\n"
            "    |       ^\n");
}

TEST(TerraformConfig, AwsConfigIdentityAndJwtClientIdReachTheMountConfig) {
  auto im = Import({{"main.tf", R"(resource "vault_auth_backend" "aws" {
  type = "aws"
}
resource "vault_aws_auth_backend_config_identity" "id" {
  backend   = vault_auth_backend.aws.path
  iam_alias = "full_arn"
  ec2_alias = "instance"
}
resource "vault_jwt_auth_backend" "oidc" {
  path               = "oidc"
  type               = "oidc"
  oidc_discovery_url = "https://idp.example.com"
  oidc_client_id     = "vault-ui"
  oidc_client_secret = var.secret
}
variable "secret" {}
variable "client" {}
resource "vault_jwt_auth_backend" "unknown" {
  path           = "oidc2"
  type           = "oidc"
  oidc_client_id = var.client
}
)"}},
                   {});
  const AuthMount* aws = im->bindings.FindMount("aws");
  ASSERT_NE(aws, nullptr);
  EXPECT_EQ(aws->config.String("iam_alias"), "full_arn");
  // Vault's check applies, at the .tf line.
  EXPECT_NE(im->diagnostics.find("main.tf:7:15: error: ec2_alias \"instance\" is not one of: role_id instance_id "
                                 "image_id [bindings]"),
            std::string::npos)
      << im->diagnostics;
  const AuthMount* oidc = im->bindings.FindMount("oidc");
  ASSERT_NE(oidc, nullptr);
  EXPECT_EQ(oidc->config.String("oidc_client_id"), "vault-ui");
  EXPECT_EQ(oidc->config.String("oidc_discovery_url"), "https://idp.example.com");
  // A client id that cannot be evaluated leaves the config unknown (not "unset").
  ASSERT_NE(im->bindings.FindMount("oidc2"), nullptr);
  EXPECT_TRUE(im->bindings.FindMount("oidc2")->config.values.empty());
}

TEST(TerraformDuplicates, AnAuthMountOrGithubTeamTwiceIsAnErrorNamingTheFirst) {
  auto im = Import({{"main.tf", R"(resource "vault_auth_backend" "a" {
  type = "userpass"
}
resource "vault_auth_backend" "b" {
  type = "userpass"
  path = "userpass"
}
resource "vault_github_auth_backend" "gh" {
  organization = "acme"
}
resource "vault_github_team" "x" {
  team     = "Ops"
  policies = ["a"]
}
resource "vault_github_team" "y" {
  team     = "ops"
  policies = ["b"]
}
)"}},
                   {});
  EXPECT_NE(im->diagnostics.find("main.tf:6:10: error: vault_auth_backend.b: auth mount \"userpass\" is declared twice "
                                 "in Terraform (Vault: path is already in use); the first definition is kept "
                                 "[duplicate-binding]"),
            std::string::npos)
      << im->diagnostics;
  EXPECT_NE(im->diagnostics.find("main.tf:16:14: error: vault_github_team.y: team \"ops\" of auth/github is mapped "
                                 "twice in Terraform"),
            std::string::npos)
      << im->diagnostics;
  EXPECT_NE(im->diagnostics.find("main.tf:12:14: note: first defined here"), std::string::npos) << im->diagnostics;
  EXPECT_EQ(im->bindings.FindMount("github")->github.teams.at("ops"), (std::vector<std::string>{"a"}));
}

TEST(TerraformCorpus, EveryRoleTerraformFileImportsOrExplains) {
  // The corpus sits beside the repository (../shared/corpus), as for the
  // parser and evaluator corpus tests; it was looked up in the environment
  // before, which CI never sets, so this test always skipped there.
  const std::filesystem::path dir = POLCHECK_CORPUS_DIR;
  if (!std::filesystem::is_regular_file(dir / "MANIFEST.tsv")) {
    GTEST_SKIP() << "corpus not found at " << dir << " (POLCHECK_CORPUS_DIR)";
  }
  Expected<std::string> manifest = ReadFile(std::filesystem::path(dir) / "MANIFEST.tsv");
  ASSERT_TRUE(manifest.has_value());
  std::map<std::string, int> imported;
  std::map<std::string, int> diagnostics;
  int files = 0;
  int with_objects = 0;
  int silent_empty = 0;
  std::size_t start = 0;
  while (start < manifest->size()) {
    std::size_t eol = manifest->find('\n', start);
    const std::string line = manifest->substr(start, eol == std::string::npos ? std::string::npos : eol - start);
    start = eol == std::string::npos ? manifest->size() : eol + 1;
    if (line.size() < 15 || line.substr(line.size() - 14) != "role-terraform") {
      continue;
    }
    const std::string rel = line.substr(0, line.find('\t'));
    const std::filesystem::path tmp = std::filesystem::temp_directory_path() / "polcheck-tf-corpus";
    std::filesystem::remove_all(tmp);
    std::filesystem::create_directories(tmp);
    std::filesystem::copy_file(std::filesystem::path(dir) / rel, tmp / "main.tf");
    SourceSet sources;
    DiagnosticSink sink;
    TerraformImport tf = ReadTerraform(tmp, sources, sink);
    Bindings b;
    LoadTerraformBindings(tf, sources, b, sink);
    ++files;
    int objects = 0;
    for (const auto& [type, n] : tf.imported) {
      imported[type] += n;
      objects += n;
    }
    for (const Diagnostic& d : sink.diagnostics()) {
      std::string kind = d.code + (d.severity == Severity::kError ? " (error)" : "");
      if (d.code == "terraform-unsupported") {
        for (const char* reason : {"for_each", "count =", "namespace", "provider", "is not defined in this module",
                                   "is not declared in this module", "has no default", "data source",
                                   "the import does not model", "module outputs are not evaluated", "is not a local path", "names no folder",
                                   "does not set it", "is computed by Vault",
                                   "is not evaluated by polcheck", "per instance"}) {
          if (d.message.find(reason) != std::string::npos) {
            kind += std::string(": ") + reason;
            break;
          }
        }
      }
      ++diagnostics[kind];
    }
    with_objects += objects > 0 ? 1 : 0;
    // A file that declares vault_* resources yields objects or a diagnostic.
    Expected<std::string> text = ReadFile(std::filesystem::path(dir) / rel);
    ASSERT_TRUE(text.has_value());
    if (objects == 0 && sink.diagnostics().empty()) {
      SourceSet again;
      DiagnosticSink ignored;
      bool relevant = false;
      for (const hcl::Block& block : hcl::ParseConfig(again.file(again.Add(rel, *text)), ignored).blocks) {
        relevant |= block.type == "resource" && !block.labels.empty() && block.labels[0].rfind("vault_", 0) == 0 &&
                    (block.labels[0] == "vault_policy" || block.labels[0].ends_with("_auth_backend_role") ||
                     block.labels[0] == "vault_identity_group" || block.labels[0] == "vault_generic_endpoint" ||
                     block.labels[0] == "vault_auth_backend");
      }
      if (relevant) {
        ++silent_empty;
        ADD_FAILURE() << rel << ": Vault resources but neither objects nor diagnostics";
      }
    }
  }
  EXPECT_EQ(files, 112);
  std::cout << files << " files, " << with_objects << " with imported objects\nimported:\n";
  for (const auto& [type, n] : imported) {
    std::cout << "  " << type << " " << n << "\n";
  }
  std::cout << "diagnostics:\n";
  for (const auto& [code, n] : diagnostics) {
    std::cout << "  " << code << " " << n << "\n";
  }
  EXPECT_EQ(silent_empty, 0);
}

}  // namespace
}  // namespace polcheck::analysis
