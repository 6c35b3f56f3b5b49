#include <fmt/format.h>

#include "linter/linter.h"
#include "linter/rules/rule_util.h"

namespace polcheck::linter {
namespace {

using parser::Capability;
using parser::CapabilitySet;

constexpr RuleInfo kInfo = {
    .id = "verb-capability-mismatch",
    .category = Category::kMount,
    .default_severity = Severity::kWarning,
    .summary = "a capability the endpoint never checks (e.g. update on database/creds/*, which is read)",
};

constexpr CapabilitySet Caps(std::initializer_list<Capability> caps) {
  CapabilitySet set;
  for (Capability c : caps) {
    set.Add(c);
  }
  return set;
}

// Endpoints that answer only some operations, relative to a mount of `engine`.
struct Endpoint {
  std::string_view engine;
  std::string_view default_mount;
  std::string_view subpath;  // every path below it is this endpoint
  CapabilitySet useful;
  std::string_view what;
};

const Endpoint kEndpoints[] = {
    {"database", "database/", "creds/", Caps({Capability::kRead}), "dynamic credentials are issued on read"},
    {"database", "database/", "static-creds/", Caps({Capability::kRead}), "static credentials are read"},
    {"pki", "pki/", "issue/", Caps({Capability::kUpdate}), "certificates are issued on update (POST)"},
    {"pki", "pki/", "sign/", Caps({Capability::kUpdate}), "CSRs are signed on update (POST)"},
    {"pki", "pki/", "sign-verbatim/", Caps({Capability::kUpdate}), "CSRs are signed on update (POST)"},
    {"transit", "transit/", "encrypt/", Caps({Capability::kCreate, Capability::kUpdate}),
     "encryption is an update (create when it may upsert the key)"},
    {"transit", "transit/", "decrypt/", Caps({Capability::kUpdate}), "decryption is an update (POST)"},
    {"transit", "transit/", "rewrap/", Caps({Capability::kUpdate}), "rewrapping is an update (POST)"},
    {"transit", "transit/", "datakey/", Caps({Capability::kUpdate}), "data keys are generated on update (POST)"},
    {"transit", "transit/", "hmac/", Caps({Capability::kUpdate}), "HMACs are computed on update (POST)"},
    {"transit", "transit/", "verify/", Caps({Capability::kUpdate}), "verification is an update (POST)"},
    {"ssh", "ssh/", "creds/", Caps({Capability::kUpdate}), "SSH credentials are issued on update (POST)"},
    {"ssh", "ssh/", "sign/", Caps({Capability::kUpdate}), "SSH keys are signed on update (POST)"},
};

// The mount path of `engine` the literal prefix lies in: a configured mount of
// that type, or the engine's default path when no configured mount covers it.
std::string EngineMount(const LintContext& ctx, std::string_view literal, const Endpoint& e) {
  if (const config::Mount* m = ctx.config.MountFor(literal); m != nullptr) {
    return m->type == e.engine && literal.starts_with(m->path) ? m->path : std::string();
  }
  return literal.starts_with(e.default_mount) ? std::string(e.default_mount) : std::string();
}

constexpr CapabilitySet kOperations = Caps({Capability::kCreate, Capability::kRead, Capability::kUpdate,
                                            Capability::kDelete, Capability::kList, Capability::kPatch});

class VerbCapabilityMismatchRule final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void Check(const parser::PolicyFile& file, const LintContext& ctx, Reporter& report) const override {
    for (const parser::PathRule& rule : file.policy.rules) {
      if (rule.capabilities.is_deny()) {
        continue;
      }
      const std::string_view literal = LiteralPrefix(rule.pattern);
      for (const Endpoint& e : kEndpoints) {
        const std::string mount = EngineMount(ctx, literal, e);
        if (!mount.empty() && literal.starts_with(mount + std::string(e.subpath))) {
          CheckEndpoint(rule, e, mount, report);
          break;
        }
      }
    }
  }

 private:
  static void CheckEndpoint(const parser::PathRule& rule, const Endpoint& e, const std::string& mount,
                            Reporter& report) {
    const CapabilitySet useless(rule.capabilities.bits() & kOperations.bits() & ~e.useful.bits());
    if (useless.empty()) {
      return;
    }
    const bool none_useful = (rule.capabilities.bits() & e.useful.bits()) == 0;
    report.At(rule.label_span,
              "{} on \"{}\" has no effect: {} ({}{}){}", fmt::join(useless.SortedNames(), ", "), rule.label, e.what,
              mount, e.subpath,
              none_useful ? fmt::format("; this block grants no capability the endpoint uses, add {}",
                                        fmt::join(e.useful.SortedNames(), " or "))
                          : "; remove it");
  }
};

}  // namespace

std::unique_ptr<Rule> MakeVerbCapabilityMismatchRule() { return std::make_unique<VerbCapabilityMismatchRule>(); }

}  // namespace polcheck::linter
