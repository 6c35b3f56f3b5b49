// polcheck serve --dev [--listen 127.0.0.1:8200] [--dev-root-token T]
#include <CLI/CLI.hpp>

#include <csignal>
#include <iostream>
#include <memory>
#include <thread>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "runtime/server.h"

namespace polcheck::cli {
namespace {

struct ServeOptions {
  bool dev = false;
  std::string listen = "127.0.0.1:8200";
  std::string root_token = "root";
};

int RunServe(const ServeOptions& opts) {
  if (!opts.dev) {
    std::cerr << "polcheck serve: only --dev mode exists so far\n";
    return kExitUsage;
  }
  const std::size_t colon = opts.listen.rfind(':');
  int port = -1;
  try {
    port = colon == std::string::npos ? -1 : std::stoi(opts.listen.substr(colon + 1));
  } catch (const std::exception&) {
    port = -1;
  }
  if (port < 0 || port > 65535) {
    std::cerr << "polcheck serve: --listen must be HOST:PORT\n";
    return kExitUsage;
  }
  // Block SIGINT/SIGTERM here so the I/O threads inherit the mask; a waiter thread takes them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  Expected<std::unique_ptr<runtime::Server>> server = runtime::Server::Start(
      {.host = opts.listen.substr(0, colon), .port = static_cast<std::uint16_t>(port)});
  if (!server) {
    std::cerr << "polcheck serve: " << server.error().message << "\n";
    return kExitUsage;
  }
  Expected<runtime::DevSetup> dev = (*server)->SetUpDev(opts.root_token);
  if (!dev) {
    std::cerr << "polcheck serve: " << dev.error().message << "\n";
    return kExitUsage;
  }
  std::cout << "==> polcheck server started (dev mode: in-memory, unsealed, KV v2 at secret/)\n\n"
            << "WARNING! dev mode is enabled! Never use it for real secrets.\n\n"
            << "You may need to set the following environment variables:\n\n"
            << "    $ export VAULT_ADDR='" << (*server)->address() << "'\n\n"
            << "Unseal Key: " << dev->unseal_key << "\n"
            << "Root Token: " << dev->root_token << "\n"
            << std::flush;
  int received = 0;
  sigwait(&signals, &received);
  (*server)->Stop();
  return kExitYes;
}

}  // namespace

Command AddServeCommand(CLI::App& app) {
  auto opts = std::make_shared<ServeOptions>();
  CLI::App* sub = app.add_subcommand("serve", "Run the embedded Vault-API-compatible server");
  sub->add_flag("--dev", opts->dev, "Dev mode: in memory, initialised, unsealed, KV v2 at secret/");
  sub->add_option("--listen", opts->listen, "Address to listen on (HOST:PORT)");
  sub->add_option("--dev-root-token", opts->root_token, "Root token ID in dev mode (empty: random hvs. token)");
  return {sub, [opts] { return RunServe(*opts); }};
}

}  // namespace polcheck::cli
