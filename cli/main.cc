#include "cli/cli.h"

int main(int argc, char** argv) { return polcheck::cli::Main(argc, argv); }
