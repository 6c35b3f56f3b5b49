// polcheck's command line. main() only calls cli::Main.
#pragma once

namespace polcheck::cli {

// Parses arguments, runs the chosen subcommand and returns its exit code
// (cli/exit_codes.h).
int Main(int argc, char** argv);

}  // namespace polcheck::cli
