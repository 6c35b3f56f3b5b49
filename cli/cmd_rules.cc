// polcheck rules [RULE] [--format text|json]
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "linter/linter.h"

namespace polcheck::cli {
namespace {

struct RulesOptions {
  std::string rule;
  std::string format = "text";
};

int RunRules(const RulesOptions& opts) {
  if (!opts.rule.empty()) {
    const linter::Rule* rule = linter::FindRule(opts.rule);
    if (rule == nullptr) {
      std::cerr << "polcheck rules: unknown rule \"" << opts.rule << "\" (`polcheck rules` lists them)\n";
      return kExitUsage;
    }
    const linter::RuleInfo& info = rule->info();
    std::cout << fmt::format("{} ({}, default {}{})\n\n", info.id, linter::CategoryName(info.category),
                             SeverityName(info.default_severity),
                             info.security_severity.empty() ? "" : fmt::format(", security {}", info.security_severity));
    const std::string_view doc = linter::RuleDoc(info.id);
    std::cout << (doc.empty() ? std::string(info.summary) + "\n" : std::string(doc));
    return kExitYes;
  }
  if (opts.format == "json") {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const auto& rule : linter::Catalog()) {
      const linter::RuleInfo& info = rule->info();
      out.push_back({{"id", info.id},
                     {"category", linter::CategoryName(info.category)},
                     {"default_severity", SeverityName(info.default_severity)},
                     {"security_severity", info.security_severity},
                     {"summary", info.summary}});
    }
    std::cout << out.dump(2) << "\n";
    return kExitYes;
  }
  for (const auto& rule : linter::Catalog()) {
    const linter::RuleInfo& info = rule->info();
    std::cout << fmt::format("{:<28} {:<11} {:<10} {}\n", info.id, linter::CategoryName(info.category),
                             SeverityName(info.default_severity), info.summary);
  }
  return kExitYes;
}

}  // namespace

Command AddRulesCommand(CLI::App& app) {
  auto opts = std::make_shared<RulesOptions>();
  CLI::App* sub = app.add_subcommand("rules", "List the lint rules, or print one rule's documentation");
  sub->add_option("rule", opts->rule, "A rule id");
  sub->add_option("--format", opts->format, "Output format for the list")->check(CLI::IsMember({"text", "json"}));
  return {sub, [opts] { return RunRules(*opts); }};
}

}  // namespace polcheck::cli
