// The server configuration file of `polcheck serve --config FILE`, in Vault's
// own format (HCL or JSON), for the subset polcheck's runtime implements:
//
//   storage "file"   { path = "/var/lib/polcheck" }     # or "sqlite" { path = "vault.db" }, "inmem"
//   listener "tcp"   { address = "127.0.0.1:8200"  tls_disable = true  max_request_size = 33554432 }
//   listener "tcp"   { address = "0.0.0.0:8200"  tls_cert_file = "cert.pem"  tls_key_file = "key.pem"
//                      tls_min_version = "tls12" }                   # or "tls13"
//   dialect = "vault"                                  # polcheck extension: vault | vault-legacy | openbao
//   mount "secret/" { type = "kv-v2" }                 # polcheck extension: mounted by sys/init
//   api_addr = "..."  ui = true  disable_mlock = true  # accepted, no effect here
//
//   SourceSet sources; DiagnosticSink sink;
//   std::optional<runtime::ServerConfig> config =
//       runtime::ParseServerConfig(sources.file(sources.Add(path, text)), sink);
//   if (!config) { /* sink: file:line:col and what was expected */ }
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "base/diagnostic.h"
#include "base/dialect.h"
#include "base/expected.h"
#include "base/source.h"
#include "runtime/storage.h"

namespace polcheck::runtime {

struct ServerConfig {
  std::string storage_type;            // "file", "sqlite" or "inmem"
  std::filesystem::path storage_path;  // relative paths are resolved against the config file's folder
  std::string host = "127.0.0.1";
  std::uint16_t port = 8200;
  std::size_t max_request_bytes = 32u << 20;
  Dialect dialect = Dialect::kVault;
  std::map<std::string, std::string> init_kv_mounts;  // "secret/" -> "2"
  // The listener's TLS files (resolved against the config file's folder), empty
  // with tls_disable = true or without a listener block.
  std::filesystem::path tls_cert_file;
  std::filesystem::path tls_key_file;
  std::string tls_min_version = "tls12";
};

// Parses a Vault-style server config. Syntax errors, unknown storage or
// listener types, missing paths, bad values, and a tcp listener that has
// neither tls_disable = true nor a readable, matching tls_cert_file and
// tls_key_file (as Vault requires) are error diagnostics, and then nullopt;
// unknown top-level keys are warnings.
std::optional<ServerConfig> ParseServerConfig(const SourceFile& source, DiagnosticSink& sink);

// The storage a config names. Fails with kIo when it cannot be opened.
[[nodiscard]] Expected<std::shared_ptr<Storage>> OpenConfiguredStorage(const ServerConfig& config);

}  // namespace polcheck::runtime
