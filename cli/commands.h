// Subcommand registration. Each cli/cmd_<name>.cc adds one subcommand to the
// root CLI11 app and returns the function that runs it once it was chosen.
#pragma once

#include <functional>

namespace CLI {
class App;
}

namespace polcheck::cli {

struct Command {
  CLI::App* app = nullptr;       // the subcommand
  std::function<int()> run;      // runs it; returns an exit code (cli/exit_codes.h)
};

Command AddParseCommand(CLI::App& app);
Command AddEvalCommand(CLI::App& app);
Command AddBenchCommand(CLI::App& app);
Command AddLintCommand(CLI::App& app);
Command AddRulesCommand(CLI::App& app);
Command AddSimulateCommand(CLI::App& app);
Command AddWhoCanCommand(CLI::App& app);
Command AddMatrixCommand(CLI::App& app);
Command AddFmtCommand(CLI::App& app);
Command AddServeCommand(CLI::App& app);
Command AddTestCommand(CLI::App& app);
Command AddDiffCommand(CLI::App& app);
Command AddVerifyCommand(CLI::App& app);

}  // namespace polcheck::cli
