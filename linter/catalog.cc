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
std::unique_ptr<Rule> MakeGlobNotLastRule();
std::unique_ptr<Rule> MakePlusPartialSegmentRule();
std::unique_ptr<Rule> MakeDenyWithOtherCapsRule();
std::unique_ptr<Rule> MakeEmptyCapabilitiesRule();
std::unique_ptr<Rule> MakeFmtRule();
std::unique_ptr<Rule> MakeDuplicatePathRule();
std::unique_ptr<Rule> MakeDuplicateCapabilityRule();
std::unique_ptr<Rule> MakeParamStarNonemptyRule();
std::unique_ptr<Rule> MakeParamStarLiteralRule();
std::unique_ptr<Rule> MakeParamGlobValueRule();
std::unique_ptr<Rule> MakeTemplateInParameterRule();
std::unique_ptr<Rule> MakeGreedyPrefixGlobRule();
std::unique_ptr<Rule> MakeRootGlobRule();
std::unique_ptr<Rule> MakePolicyWriteEscalationRule();
std::unique_ptr<Rule> MakeAuthRoleWriteEscalationRule();
std::unique_ptr<Rule> MakeIdentityWriteEscalationRule();
std::unique_ptr<Rule> MakeTokenCreateEscalationRule();
std::unique_ptr<Rule> MakeSysSensitiveWriteRule();
std::unique_ptr<Rule> MakeDestructiveOnGlobRule();
std::unique_ptr<Rule> MakeWrappingRecommendedRule();
std::unique_ptr<Rule> MakeKv2MissingPrefixRule();
std::unique_ptr<Rule> MakeKv2ListOnDataRule();
std::unique_ptr<Rule> MakeKv2ParamConstraintsRule();
std::unique_ptr<Rule> MakeKv2DenyDataOnlyRule();
std::unique_ptr<Rule> MakeUnknownMountRule();
std::unique_ptr<Rule> MakeVerbCapabilityMismatchRule();
std::unique_ptr<Rule> MakeListShadowedByExactRule();
std::unique_ptr<Rule> MakePlusLosesToGlobRule();
std::unique_ptr<Rule> MakeTemplateUnknownKeyRule();
std::unique_ptr<Rule> MakeTemplateUsesNameRule();
std::unique_ptr<Rule> MakeTemplateUserControlledRule();
std::unique_ptr<Rule> MakeIneffectiveDenyRule();
std::unique_ptr<Rule> MakeShadowedRuleRule();
std::unique_ptr<Rule> MakePooledParameterConstraintsRule();
std::unique_ptr<Rule> MakeCrossPolicyConflictRule();
std::unique_ptr<Rule> MakeListDenyNoTrailingSlashRule();

const std::vector<std::unique_ptr<Rule>>& Catalog() {
  static const std::vector<std::unique_ptr<Rule>> rules = [] {
    std::vector<std::unique_ptr<Rule>> all = MakeParserDiagnosticRules();
    all.push_back(MakeLegacyPolicyFieldRule());
    all.push_back(MakeLeadingSlashRule());
    all.push_back(MakeSudoOnGlobRule());
    all.push_back(MakeGlobNotLastRule());
    all.push_back(MakePlusPartialSegmentRule());
    all.push_back(MakeDenyWithOtherCapsRule());
    all.push_back(MakeEmptyCapabilitiesRule());
    all.push_back(MakeDuplicatePathRule());
    all.push_back(MakeDuplicateCapabilityRule());
    all.push_back(MakeParamStarNonemptyRule());
    all.push_back(MakeParamStarLiteralRule());
    all.push_back(MakeParamGlobValueRule());
    all.push_back(MakeTemplateInParameterRule());
    all.push_back(MakeGreedyPrefixGlobRule());
    all.push_back(MakeRootGlobRule());
    all.push_back(MakePolicyWriteEscalationRule());
    all.push_back(MakeAuthRoleWriteEscalationRule());
    all.push_back(MakeIdentityWriteEscalationRule());
    all.push_back(MakeTokenCreateEscalationRule());
    all.push_back(MakeSysSensitiveWriteRule());
    all.push_back(MakeDestructiveOnGlobRule());
    all.push_back(MakeWrappingRecommendedRule());
    all.push_back(MakeKv2MissingPrefixRule());
    all.push_back(MakeKv2ListOnDataRule());
    all.push_back(MakeKv2ParamConstraintsRule());
    all.push_back(MakeKv2DenyDataOnlyRule());
    all.push_back(MakeUnknownMountRule());
    all.push_back(MakeVerbCapabilityMismatchRule());
    all.push_back(MakeListShadowedByExactRule());
    all.push_back(MakePlusLosesToGlobRule());
    all.push_back(MakeIneffectiveDenyRule());
    all.push_back(MakeShadowedRuleRule());
    all.push_back(MakePooledParameterConstraintsRule());
    all.push_back(MakeCrossPolicyConflictRule());
    all.push_back(MakeListDenyNoTrailingSlashRule());
    all.push_back(MakeTemplateUnknownKeyRule());
    all.push_back(MakeTemplateUsesNameRule());
    all.push_back(MakeTemplateUserControlledRule());
    all.push_back(MakeFmtRule());
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
