#include <fmt/format.h>

#include "evaluator/acl.h"
#include "linter/linter.h"
#include "linter/rules/rule_util.h"

namespace polcheck::linter {
namespace {

using evaluator::Operation;

constexpr RuleInfo kInfo = {
    .id = "kv2-deny-data-only",
    .category = Category::kMount,
    .default_severity = Severity::kError,
    .summary = "a KV v2 secret is denied on data/ but stays deletable or destroyable through metadata/, "
               "delete/ or destroy/",
    .security_severity = "6.5",
};

// The KV v2 endpoints that destroy a secret's versions without touching data/ (§8).
struct SideDoor {
  std::string_view area;
  Operation operation;
  std::string_view effect;
};
constexpr SideDoor kSideDoors[] = {
    {"metadata/", Operation::kDelete, "delete all versions and metadata"},
    {"destroy/", Operation::kUpdate, "destroy versions permanently"},
    {"delete/", Operation::kUpdate, "soft-delete versions"},
};

// `p` with its leading `from` (an area of `mount`) replaced by `to`. A folder
// glob ("admin/*") gets a placeholder so that witnesses name a secret ("admin/x").
parser::Pattern MoveArea(const parser::Pattern& p, const std::string& from, const std::string& to) {
  parser::Pattern moved{to + p.key.substr(from.size()), p.kind};
  if (moved.kind == parser::PatternKind::kPrefix && moved.key.ends_with('/')) {
    moved.key += "{{name}}";
  }
  return moved;
}

class Kv2DenyDataOnlyRule final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void Check(const parser::PolicyFile& file, const LintContext& ctx, Reporter& report) const override {
    std::optional<evaluator::Acl> acl;
    for (const parser::PathRule& deny : file.policy.rules) {
      const config::Mount* mount = Kv2MountOf(ctx, deny);
      const std::string data = mount == nullptr ? "" : mount->path + "data/";
      if (!deny.capabilities.is_deny() || deny.templated || data.empty() || !deny.pattern.key.starts_with(data)) {
        continue;
      }
      if (!acl) {
        const parser::Policy* policies[] = {&file.policy};
        Expected<evaluator::Acl> built = evaluator::Acl::Build(policies, {.dialect = ctx.dialect});
        if (!built) {
          return;
        }
        acl.emplace(*std::move(built));
      }
      CheckDeny(file, *acl, deny, mount->path, report);
    }
  }

 private:
  static void CheckDeny(const parser::PolicyFile& file, const evaluator::Acl& acl, const parser::PathRule& deny,
                        const std::string& mount, Reporter& report) {
    const std::string data = mount + "data/";
    for (const SideDoor& door : kSideDoors) {
      const std::string area = mount + std::string(door.area);
      const parser::Pattern side = MoveArea(deny.pattern, data, area);
      for (const parser::PathRule& grant : file.policy.rules) {
        const std::optional<std::string> path = CommonPath(side, grant.pattern);
        if (!path || grant.templated || !acl.Check({.path = *path, .operation = door.operation}).allowed) {
          continue;
        }
        const std::string data_path = data + path->substr(area.size());
        if (acl.Check({.path = data_path, .operation = Operation::kRead}).reason != evaluator::Reason::kExplicitDeny) {
          continue;
        }
        Finding& f = report.At(deny.label_span,
                               "\"{}\" denies the secret's data, but \"{}\" still lets this policy {} of \"{}\" "
                               "({} on \"{}\"); deny \"{}\" too",
                               deny.label, grant.label, door.effect, data_path.substr(data.size()),
                               evaluator::OperationName(door.operation), *path,
                               mount + std::string(door.area) + PatternText(deny).substr(data.size()));
        f.related.push_back({grant.label_span, "grants the side door"});
        return;
      }
    }
  }
};

}  // namespace

std::unique_ptr<Rule> MakeKv2DenyDataOnlyRule() { return std::make_unique<Kv2DenyDataOnlyRule>(); }

}  // namespace polcheck::linter
