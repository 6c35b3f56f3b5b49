// Inline suppressions (internal to the linter):
//   # polcheck:ignore rule-a,rule-b -- reason
// on the line of a finding or the line above; placed right above a `path`
// block (or trailing its opening line) it covers the whole block.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "linter/linter.h"

namespace polcheck::linter {

// Marks covered findings as suppressed and returns the findings of the
// `invalid-suppression` and `unused-suppression` rules (default severity; the
// caller applies configured levels). `enabled` holds the ids of enabled rules:
// a suppression naming a disabled rule is not "unused".
std::vector<Finding> ApplySuppressions(const LintContext& ctx, std::vector<Finding>& findings,
                                       const std::set<std::string>& enabled);

}  // namespace polcheck::linter
