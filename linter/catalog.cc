// The one list of lint rules. Add a rule's factory here.
#include <algorithm>

#include "linter/linter.h"
#include "linter/rule_docs.h"

namespace polcheck::linter {

std::vector<std::unique_ptr<Rule>> MakeParserDiagnosticRules();
std::unique_ptr<Rule> MakeInvalidSuppressionRule();
std::unique_ptr<Rule> MakeUnusedSuppressionRule();
std::unique_ptr<Rule> MakeLeadingSlashRule();
std::unique_ptr<Rule> MakeLegacyPolicyFieldRule();
std::unique_ptr<Rule> MakeSudoOnGlobRule();

const std::vector<std::unique_ptr<Rule>>& Catalog() {
  static const std::vector<std::unique_ptr<Rule>> rules = [] {
    std::vector<std::unique_ptr<Rule>> all = MakeParserDiagnosticRules();
    all.push_back(MakeLegacyPolicyFieldRule());
    all.push_back(MakeLeadingSlashRule());
    all.push_back(MakeSudoOnGlobRule());
    all.push_back(MakeInvalidSuppressionRule());
    all.push_back(MakeUnusedSuppressionRule());
    return all;
  }();
  return rules;
}

const Rule* FindRule(std::string_view id) {
  for (const std::unique_ptr<Rule>& rule : Catalog()) {
    if (rule->info().id == id) {
      return rule.get();
    }
  }
  return nullptr;
}

std::string_view RuleDoc(std::string_view id) {
  for (std::size_t i = 0; i < kRuleDocCount; ++i) {
    if (kRuleDocs[i].id == id) {
      return kRuleDocs[i].markdown;
    }
  }
  return {};
}

}  // namespace polcheck::linter
