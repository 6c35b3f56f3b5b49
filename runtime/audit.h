// Audit devices (internal; RUNTIME-API.md §2.8): the file device writes one
// JSON line per request and one per response. Sensitive values are replaced by
// "hmac-sha256:<hex>" under the device's salt (a random UUID string kept in the
// barrier), exactly what sys/audit-hash/:path returns for the same input.
//
//   AuditBroker audit(barrier, clock);
//   (void)audit.Load();                          // after unseal: reopen enabled devices
//   AuditRecord rec{.request_id = id, .path = "secret/data/app", ...};
//   if (!audit.LogRequest(rec)) { /* 500: Vault refuses unaudited requests */ }
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "base/expected.h"
#include "runtime/barrier.h"
#include "runtime/clock.h"

namespace polcheck::runtime {

struct TokenEntry;

// What one audit entry describes. Pointers are borrowed for the call only.
struct AuditRecord {
  std::string request_id;
  const TokenEntry* token = nullptr;  // nullptr: unauthenticated or unknown token
  std::string client_token;           // as sent; only its HMAC is written
  std::string operation;              // "read", "update", ...
  std::string mount_point;            // "secret/"
  std::string mount_type;             // "kv"
  std::string path;                   // "secret/data/app"
  const nlohmann::json* request_data = nullptr;
  std::string remote_address;
  int remote_port = 0;
  std::int64_t wrap_ttl = 0;
  bool allowed = true;  // policy_results.allowed
  std::string error;    // the error text when the request failed
  // Response entries only: the envelope as sent (data, auth, wrap_info, warnings,
  // lease_id); nullptr for a 204 or an error.
  const nlohmann::json* response = nullptr;
  // The mount's audit_non_hmac_request_keys / audit_non_hmac_response_keys: values under
  // these keys in request / response data are logged in clear. nullptr = none.
  const std::vector<std::string>* non_hmac_request_keys = nullptr;
  const std::vector<std::string>* non_hmac_response_keys = nullptr;
};

class AuditBroker {
 public:
  AuditBroker(Barrier& barrier, const Clock& clock);
  ~AuditBroker();
  AuditBroker(const AuditBroker&) = delete;
  AuditBroker& operator=(const AuditBroker&) = delete;

  // Reads the device table from the barrier and opens every device. Fails with
  // the barrier's error or kIo when a file cannot be opened.
  [[nodiscard]] Expected<void> Load();
  // Closes every device (on seal); Load() reopens them.
  void Close();
  bool enabled() const;

  // sys/audit/:path with Vault's request body {type, description, local, options}.
  // Fails with kInvalidArgument carrying Vault's 400 message.
  [[nodiscard]] Expected<void> Enable(const std::string& path, const nlohmann::json& body);
  // Disabling an absent device succeeds (204), as in Vault.
  [[nodiscard]] Expected<void> Disable(const std::string& path);
  // {"file/": {"type","description","options","local","path"}}.
  nlohmann::json List() const;
  // "hmac-sha256:<hex>" with the salt of the device at `path`; kNotFound when absent.
  [[nodiscard]] Expected<std::string> Hash(const std::string& path, const std::string& input) const;

  // Write the request / response entry to every device. false when at least
  // one device is enabled and none could write it.
  bool LogRequest(const AuditRecord& record);
  bool LogResponse(const AuditRecord& record);

  struct Device;

 private:
  bool Log(const AuditRecord& record, bool response);
  [[nodiscard]] Expected<void> SaveTable() const;

  Barrier& barrier_;
  const Clock& clock_;
  mutable std::mutex mu_;  // guards devices_ (the pointer; devices are immutable but for their fd)
  std::shared_ptr<const std::vector<std::shared_ptr<Device>>> devices_;
};

}  // namespace polcheck::runtime
