#include "cli/cli.h"

#include <CLI/CLI.hpp>

#include <iostream>
#include <vector>

#include "cli/commands.h"
#include "cli/exit_codes.h"

namespace polcheck::cli {

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
