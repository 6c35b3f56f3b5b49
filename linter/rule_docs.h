// The rule docs (linter/rules/*.md), embedded at build time by
// linter/embed_docs.cmake into rule_docs.cc (internal).
#pragma once

#include <cstddef>
#include <string_view>

namespace polcheck::linter {

struct RuleDocEntry {
  std::string_view id;
  std::string_view markdown;
};

extern const RuleDocEntry kRuleDocs[];
extern const std::size_t kRuleDocCount;

}  // namespace polcheck::linter
