// The policies Vault and OpenBao create themselves (SEMANTICS.md §1.7, §5):
// `default` (per dialect), `response-wrapping` and `root`.
//
//   SourceSet sources;
//   parser::Policy def = evaluator::DefaultPolicy(Dialect::kVault, sources);
//   std::vector<const parser::Policy*> all = {&def, &mine};
#pragma once

#include <string>

#include "base/dialect.h"
#include "base/source.h"
#include "parser/policy.h"

namespace polcheck::evaluator {

// HCL text of the built-in `default` policy. OpenBao's lacks `sys/renew` and
// `sys/control-group/request`. It is templated and has a segment wildcard.
std::string DefaultPolicyText(Dialect dialect);

// HCL text of the built-in `response-wrapping` policy.
std::string ResponseWrappingPolicyText();

// Parses DefaultPolicyText(dialect) with the real parser; the text is added to
// `sources` as "<builtin>/default.hcl". Never fails (the text is ours).
parser::Policy DefaultPolicy(Dialect dialect, SourceSet& sources);

// The `root` policy: no rules; an Acl holding it allows everything.
parser::Policy RootPolicy();

}  // namespace polcheck::evaluator
