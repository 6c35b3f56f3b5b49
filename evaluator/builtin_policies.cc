#include "evaluator/builtin_policies.h"

#include "base/check.h"
#include "base/diagnostic.h"
#include "parser/parser.h"

namespace polcheck::evaluator {
namespace {

std::string Block(const char* path, const char* capabilities) {
  return std::string("path \"") + path + "\" {\n    capabilities = [" + capabilities + "]\n}\n\n";
}

}  // namespace

std::string DefaultPolicyText(Dialect dialect) {
  const bool vault = dialect != Dialect::kOpenBao;
  std::string text;
  text += "# Allow tokens to look up their own properties\n";
  text += Block("auth/token/lookup-self", "\"read\"");
  text += "# Allow tokens to renew and revoke themselves\n";
  text += Block("auth/token/renew-self", "\"update\"");
  text += Block("auth/token/revoke-self", "\"update\"");
  text += "# Allow a token to look up its own capabilities on a path\n";
  text += Block("sys/capabilities-self", "\"update\"");
  text += "# Allow a token to look up its own entity by id or name\n";
  text += Block("identity/entity/id/{{identity.entity.id}}", "\"read\"");
  text += Block("identity/entity/name/{{identity.entity.name}}", "\"read\"");
  text += "# Allow a token to look up its resultant ACL from all policies\n";
  text += Block("sys/internal/ui/resultant-acl", "\"read\"");
  text += "# Allow a token to renew a lease via lease_id in the request body\n";
  if (vault) {
    text += Block("sys/renew", "\"update\"");
  }
  text += Block("sys/leases/renew", "\"update\"");
  text += "# Allow looking up lease properties\n";
  text += Block("sys/leases/lookup", "\"update\"");
  text += "# Allow a token to manage its own cubbyhole\n";
  text += Block("cubbyhole/*", "\"create\", \"read\", \"update\", \"delete\", \"list\"");
  text += "# Response wrapping\n";
  text += Block("sys/wrapping/wrap", "\"update\"");
  text += Block("sys/wrapping/lookup", "\"update\"");
  text += Block("sys/wrapping/unwrap", "\"update\"");
  text += "# Allow general purpose tools\n";
  text += Block("sys/tools/hash", "\"update\"");
  text += Block("sys/tools/hash/*", "\"update\"");
  if (vault) {
    text += "# Allow checking the status of a Control Group request if the user has the accessor\n";
    text += Block("sys/control-group/request", "\"update\"");
  }
  text += "# Allow a token to make requests to the Authorization Endpoint for OIDC providers\n";
  text += Block("identity/oidc/provider/+/authorize", "\"read\", \"update\"");
  return text;
}

std::string ResponseWrappingPolicyText() {
  return Block("cubbyhole/response", "\"create\", \"read\"") + Block("sys/wrapping/unwrap", "\"update\"");
}

parser::Policy DefaultPolicy(Dialect dialect, SourceSet& sources) {
  const FileId id = sources.Add("<builtin>/default.hcl", DefaultPolicyText(dialect));
  DiagnosticSink sink;
  parser::ParseOptions options;
  options.dialect = dialect;
  options.name = "default";
  parser::PolicyFile file = parser::ParsePolicy(sources.file(id), options, sink);
  POLCHECK_CHECK(file.ok);
  return std::move(file.policy);
}

parser::Policy RootPolicy() {
  parser::Policy policy;
  policy.name = "root";
  return policy;
}

}  // namespace polcheck::evaluator
