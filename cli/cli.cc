#include "cli/cli.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "cli/commands.h"
#include "cli/exit_codes.h"

namespace polcheck::cli {
namespace {

// Levenshtein distance, for "did you mean" on a mistyped command.
std::size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) {
    row[j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// CLI11 answers a mistyped command with "A subcommand is required"; say what was wrong.
bool ReportUnknownCommand(CLI::App& app, std::string_view word) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    names.push_back(sub->get_name());
  }
  if (word.empty() || word.front() == '-' || std::find(names.begin(), names.end(), word) != names.end()) {
    return false;
  }
  std::cerr << "polcheck: unknown command \"" << word << "\"";
  const auto closest = std::min_element(names.begin(), names.end(), [&](const std::string& x, const std::string& y) {
    return EditDistance(word, x) < EditDistance(word, y);
  });
  if (closest != names.end() && EditDistance(word, *closest) <= 2) {
    std::cerr << "; did you mean \"" << *closest << "\"?";
  }
  std::cerr << "\ncommands:";
  for (const std::string& name : names) {
    std::cerr << " " << name;
  }
  std::cerr << "\nRun with --help for more information.\n";
  return true;
}

}  // namespace

int Main(int argc, char** argv) {
  CLI::App app{"polcheck: author and verify Vault-style access policies"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "polcheck 0.1.0");

  const std::vector<Command> commands = {
      AddParseCommand(app),
      AddLintCommand(app),
      AddRulesCommand(app),
      AddFmtCommand(app),
      AddEvalCommand(app),
      AddSimulateCommand(app),
      AddWhoCanCommand(app),
      AddMatrixCommand(app),
      AddTestCommand(app),
      AddDiffCommand(app),
      AddVerifyCommand(app),
      AddBenchCommand(app),
      AddServeCommand(app),
  };

  if (argc > 1 && ReportUnknownCommand(app, argv[1])) {
    return kExitUsage;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    // --help and --version exit 0; every real usage error is exit code 2.
    return code == 0 ? kExitYes : kExitUsage;
  }
  for (const Command& command : commands) {
    if (command.app->parsed()) {
      return command.run();
    }
  }
  return kExitUsage;
}

}  // namespace polcheck::cli
