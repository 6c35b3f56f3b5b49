#include "cli/cli.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <optional>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "base/suggest.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"

namespace polcheck::cli {
namespace {

// CLI11 answers a mistyped command with "A subcommand is required"; say what was wrong.
bool ReportUnknownCommand(CLI::App& app, std::string_view word) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    names.push_back(sub->get_name());
  }
  const std::vector<std::string_view> views(names.begin(), names.end());
  if (word.empty() || word.front() == '-' || std::find(names.begin(), names.end(), word) != names.end()) {
    return false;
  }
  std::cerr << "polcheck: unknown command \"" << word << "\"";
  if (std::optional<std::string_view> closest = ClosestWord(word, views)) {
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
