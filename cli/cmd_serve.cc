// polcheck serve --dev [--listen 127.0.0.1:8200] [--dev-root-token T] [--workspace DIR]
// polcheck serve --config server.hcl
// Either also takes --tls-cert-file F --tls-key-file F (HTTPS); testing aid: --db-executor recording[=FILE] (README).
#include <CLI/CLI.hpp>

#include <csignal>
#include <iostream>
#include <memory>
#include <thread>
#include <variant>

#include "analysis/analysis.h"
#include "base/io.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/serve_seed.h"
#include "runtime/config.h"
#include "runtime/database_log.h"
#include "runtime/server.h"

namespace polcheck::cli {
namespace {

struct ServeOptions {
  bool dev = false;
  std::string listen = "127.0.0.1:8200";
  bool listen_given = false;
  std::string root_token = "root";
  std::string config;
  std::string workspace;
  std::string audit_file;
  int threads = 2;
  std::string db_executor;  // "" (the real drivers), "recording" or "recording=FILE"
  std::string tls_cert_file;
  std::string tls_key_file;
};

// --tls-cert-file/--tls-key-file: both or neither, readable and matching. Exit code on failure.
std::optional<int> CheckTlsFlags(const ServeOptions& opts) {
  if (opts.tls_cert_file.empty() && opts.tls_key_file.empty()) {
    return std::nullopt;
  }
  if (opts.tls_cert_file.empty() || opts.tls_key_file.empty()) {
    std::cerr << "polcheck serve: give both --tls-cert-file and --tls-key-file\n";
    return kExitUsage;
  }
  std::string problem;
  if (std::string bad = runtime::CheckTlsCertFile(opts.tls_cert_file); !bad.empty()) {
    problem = "--tls-cert-file: " + bad;
  } else if (std::string bad_key = runtime::CheckTlsKeyFile(opts.tls_key_file); !bad_key.empty()) {
    problem = "--tls-key-file: " + bad_key;
  } else if (std::string mismatch = runtime::CheckTlsKeyPair(opts.tls_cert_file, opts.tls_key_file);
             !mismatch.empty()) {
    problem = "--tls-key-file does not belong to --tls-cert-file: " + mismatch;
  }
  if (problem.empty()) {
    return std::nullopt;
  }
  std::cerr << "polcheck serve: " << problem << "\n";
  return kExitUsage;
}

// "HOST:PORT" -> host, port; nullopt when malformed.
std::optional<std::pair<std::string, std::uint16_t>> SplitListen(const std::string& listen) {
  const std::size_t colon = listen.rfind(':');
  int port = -1;
  try {
    port = colon == std::string::npos ? -1 : std::stoi(listen.substr(colon + 1));
  } catch (const std::exception&) {
    port = -1;
  }
  if (colon == 0 || port < 0 || port > 65535) {
    return std::nullopt;
  }
  return std::pair(listen.substr(0, colon), static_cast<std::uint16_t>(port));
}

// Reads --config; prints diagnostics. Exit code on failure.
std::variant<runtime::ServerConfig, int> LoadConfig(const std::string& file) {
  Expected<std::string> text = ReadFile(file);
  if (!text) {
    std::cerr << "polcheck serve: " << text.error().message << "\n";
    return kExitUsage;
  }
  SourceSet sources;
  DiagnosticSink sink;
  std::optional<runtime::ServerConfig> config =
      runtime::ParseServerConfig(sources.file(sources.Add(file, *std::move(text))), sink);
  bool syntax = false;
  for (const Diagnostic& d : sink.SortedByLocation()) {
    std::cerr << RenderDiagnostic(d, sources);
    syntax = syntax || (d.severity == Severity::kError && !d.code.starts_with("config-") && d.code != "missing-storage");
  }
  if (!config) {
    return syntax ? kExitParseError : kExitUsage;
  }
  return *config;
}

// Loads the workspace's policies, KV mounts and bindings into a dev server. Exit code on failure.
int SeedWorkspace(runtime::Server& server, const std::string& directory, const std::string& root_token) {
  DiagnosticSink sink;
  Expected<analysis::Workspace> ws = analysis::LoadWorkspace({.directory = directory}, sink);
  if (!ws) {
    std::cerr << "polcheck serve: " << ws.error().message << "\n";
    return kExitUsage;
  }
  std::cerr << analysis::RenderDiagnostics(*ws, sink);
  if (ws->has_parse_errors) {
    std::cerr << "polcheck serve: the workspace has errors; nothing was loaded\n";
    return kExitParseError;
  }
  int policies = 0;
  for (const parser::PolicyFile& file : ws->policy_files) {
    if (ws->builtin_default && file.policy.name == "default") {
      continue;  // the runtime has its own built-in default
    }
    Expected<void> put = server.PutPolicy(file.policy.name, ws->sources->file(file.policy.file).text());
    if (!put) {
      std::cerr << "polcheck serve: policy \"" << file.policy.name << "\": " << put.error().message << "\n";
      return kExitParseError;
    }
    ++policies;
  }
  int kv_mounts = 0;
  int database_mounts = 0;
  for (const config::Mount& mount : ws->config.mounts) {
    Expected<void> mounted = MountEngine(server, mount, root_token);
    if (!mounted) {
      std::cerr << "polcheck serve: note: mount " << mount.path << " (" << mount.type
                << (mount.type == "kv" ? " v" + std::to_string(mount.kv_version) : "")
                << ") from the workspace config is not served: " << mounted.error().message << "\n";
      continue;
    }
    ++(mount.type == "kv" ? kv_mounts : database_mounts);
  }
  // Bindings go through the API as the root token, so the runtime's validation decides.
  const SeedCounts seeded = SeedBindings(ws->bindings, *ws->sources, server, root_token, std::cerr);
  std::cout << "Workspace: " << std::filesystem::absolute(directory).lexically_normal().string() << " (" << policies
            << " policies, " << kv_mounts << " KV mounts, " << database_mounts
            << " database mounts loaded)\n"
            << "Bindings: " << seeded.mounts << " auth mounts, " << seeded.roles << " roles, " << seeded.entities
            << " entities, " << seeded.groups << " groups loaded; " << seeded.skipped << " skipped\n";
  return kExitYes;
}

void PrintDev(const runtime::Server& server, const runtime::DevSetup& dev) {
  std::cout << "==> polcheck server started (dev mode: in-memory, unsealed, KV v2 at secret/)\n\n"
            << "WARNING! dev mode is enabled! Never use it for real secrets.\n\n"
            << "You may need to set the following environment variables:\n\n"
            << "    $ export VAULT_ADDR='" << server.address() << "'\n\n"
            << "Unseal Key: " << dev.unseal_key << "\n"
            << "Root Token: " << dev.root_token << "\n";
}

int RunServe(const ServeOptions& opts) {
  if (opts.dev == !opts.config.empty()) {
    std::cerr << "polcheck serve: give exactly one of --dev or --config FILE\n";
    return kExitUsage;
  }
  if ((!opts.workspace.empty() || !opts.audit_file.empty()) && !opts.dev) {
    std::cerr << "polcheck serve: --workspace and --audit-file set up a --dev server; a persistent server keeps what was "
                 "written to it (PUT /v1/sys/audit/:name)\n";
    return kExitUsage;
  }
  if (std::optional<int> bad = CheckTlsFlags(opts)) {
    return *bad;
  }
  runtime::ServerOptions server_options{.threads = opts.threads};
  if (!opts.db_executor.empty()) {
    if (opts.db_executor != "recording" && !opts.db_executor.starts_with("recording=")) {
      std::cerr << "polcheck serve: --db-executor must be recording or recording=FILE\n";
      return kExitUsage;
    }
    Expected<std::shared_ptr<runtime::SqlExecutor>> executor =
        runtime::MakeRecordingLogExecutor(opts.db_executor.size() > 10 ? opts.db_executor.substr(10) : "");
    if (!executor) {
      std::cerr << "polcheck serve: --db-executor: " << executor.error().message << "\n";
      return kExitUsage;
    }
    server_options.sql_executor = *executor;
  }
  std::string storage_note = "in-memory";
  if (!opts.config.empty()) {
    auto loaded = LoadConfig(opts.config);
    if (const int* code = std::get_if<int>(&loaded)) {
      return *code;
    }
    const runtime::ServerConfig& config = std::get<runtime::ServerConfig>(loaded);
    Expected<std::shared_ptr<runtime::Storage>> storage = runtime::OpenConfiguredStorage(config);
    if (!storage) {
      std::cerr << "polcheck serve: " << storage.error().message << "\n";
      return kExitUsage;
    }
    server_options.host = config.host;
    server_options.port = config.port;
    server_options.max_request_bytes = config.max_request_bytes;
    server_options.storage = *storage;
    server_options.dialect = config.dialect;
    server_options.init_kv_mounts = config.init_kv_mounts;
    server_options.tls_cert_file = config.tls_cert_file.string();
    server_options.tls_key_file = config.tls_key_file.string();
    server_options.tls_min_version = config.tls_min_version;
    storage_note = config.storage_type + (config.storage_path.empty() ? "" : " at " + config.storage_path.string());
  }
  if (!opts.tls_cert_file.empty()) {  // the flags win over the config's listener
    server_options.tls_cert_file = opts.tls_cert_file;
    server_options.tls_key_file = opts.tls_key_file;
  }
  if (opts.config.empty() || opts.listen_given) {
    std::optional<std::pair<std::string, std::uint16_t>> listen = SplitListen(opts.listen);
    if (!listen) {
      std::cerr << "polcheck serve: --listen must be HOST:PORT\n";
      return kExitUsage;
    }
    server_options.host = listen->first;
    server_options.port = listen->second;
  }
  // Block SIGINT/SIGTERM here so the I/O threads inherit the mask; this thread takes them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  Expected<std::unique_ptr<runtime::Server>> server = runtime::Server::Start(server_options);
  if (!server) {
    std::cerr << "polcheck serve: " << server.error().message << "\n";
    return kExitUsage;
  }
  if (opts.dev) {
    Expected<runtime::DevSetup> dev = (*server)->SetUpDev(opts.root_token);
    if (!dev) {
      std::cerr << "polcheck serve: " << dev.error().message << "\n";
      return kExitUsage;
    }
    if (!opts.audit_file.empty()) {
      if (Expected<void> audit = (*server)->EnableFileAudit(opts.audit_file); !audit) {
        std::cerr << "polcheck serve: --audit-file: " << audit.error().message << "\n";
        (*server)->Stop();
        return kExitUsage;
      }
    }
    // Seed before printing the address, so a client that waits for it finds the policies.
    if (!opts.workspace.empty()) {
      if (const int code = SeedWorkspace(**server, opts.workspace, dev->root_token); code != kExitYes) {
        (*server)->Stop();
        return code;
      }
    }
    PrintDev(**server, *dev);
  } else {
    std::cout << "==> polcheck server started (storage: " << storage_note << ")\n\n"
              << "    $ export VAULT_ADDR='" << (*server)->address() << "'\n\n"
              << "The server starts sealed: initialise it once with PUT /v1/sys/init, then after every\n"
              << "start unseal it with PUT /v1/sys/unseal (threshold many keys).\n";
  }
  std::cout << std::flush;
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
  sub->add_option("--config", opts->config, "Vault-style server config (HCL or JSON): storage, listener")
      ->check(CLI::ExistingFile);
  sub->add_option("--workspace", opts->workspace, "With --dev: load this workspace's policies, KV mounts and bindings")
      ->check(CLI::ExistingDirectory);
  sub->add_option("--audit-file", opts->audit_file, "With --dev: enable a file audit device (file/) writing here");
  sub->add_option("--listen", opts->listen, "Address to listen on (HOST:PORT); overrides the config's listener")
      ->each([opts](const std::string&) { opts->listen_given = true; });
  sub->add_option("--dev-root-token", opts->root_token, "Root token ID in dev mode (empty: random hvs. token)");
  sub->add_option("--threads", opts->threads, "I/O threads")->check(CLI::Range(1, 64));
  // Hidden testing aid: the database engine records its SQL instead of running it.
  sub->add_option("--db-executor", opts->db_executor,
                  "Testing aid: 'recording' runs no SQL; 'recording=FILE' also appends each statement to FILE as JSON")
      ->group("");
  sub->add_option("--tls-cert-file", opts->tls_cert_file,
                  "Serve HTTPS with this PEM certificate (chain); overrides the config's listener");
  sub->add_option("--tls-key-file", opts->tls_key_file, "The PEM private key of --tls-cert-file");
  return {sub, [opts] { return RunServe(*opts); }};
}

}  // namespace polcheck::cli
