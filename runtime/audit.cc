#include "runtime/audit.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <map>

#include <nlohmann/json.hpp>

#include "runtime/core.h"
#include "runtime/crypto.h"

namespace polcheck::runtime {

using nlohmann::json;

struct AuditBroker::Device {
  std::string path;  // "file/"
  std::string type;  // "file"
  std::string description;
  std::map<std::string, std::string> options;
  bool local = false;
  std::string uuid;
  std::string salt;
  // Derived from options.
  bool log_raw = false;
  bool hmac_accessor = true;
  bool elide_list_responses = false;
  std::string prefix;
  int fd = -1;        // -1 for "discard"
  bool owns_fd = false;
  std::mutex write_mu;

  ~Device() {
    if (owns_fd && fd >= 0) {
      ::close(fd);
    }
  }

  std::string Hmac(const std::string& value) const {
    return "hmac-sha256:" + crypto::Hex(crypto::HmacSha256(salt, value));
  }

  bool Write(const std::string& line) {
    if (type == "file" && options.at("file_path") == "discard") {
      return true;
    }
    std::lock_guard lock(write_mu);
    std::string_view rest = line;
    while (!rest.empty()) {
      const ssize_t n = ::write(fd, rest.data(), rest.size());
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        return false;
      }
      rest.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }
};

namespace {

bool Digits(std::string_view s, std::size_t pos, std::size_t n) {
  if (pos + n > s.size()) {
    return false;
  }
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) {
      return false;
    }
  }
  return true;
}

// Vault leaves values that parse as RFC 3339 timestamps in clear (time.Parse(time.RFC3339, v)).
bool IsRfc3339(std::string_view s) {
  if (!Digits(s, 0, 4) || s.size() < 20 || s[4] != '-' || !Digits(s, 5, 2) || s[7] != '-' || !Digits(s, 8, 2) ||
      (s[10] != 'T' && s[10] != 't') || !Digits(s, 11, 2) || s[13] != ':' || !Digits(s, 14, 2) || s[16] != ':' ||
      !Digits(s, 17, 2)) {
    return false;
  }
  std::size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    const std::size_t start = ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      ++i;
    }
    if (i == start) {
      return false;
    }
  }
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    return i + 1 == s.size();
  }
  return i + 6 == s.size() && (s[i] == '+' || s[i] == '-') && Digits(s, i + 1, 2) && s[i + 3] == ':' &&
         Digits(s, i + 4, 2);
}

// Every string value, recursively; map keys, numbers, bools and timestamps stay in clear,
// and so does a value whose nearest map key is in `clear_keys` (the mount's
// audit_non_hmac_*_keys). As Vault's hashWalker: list elements inherit their list's key;
// the members of a nested map are judged by their own keys.
void HashValues(json& value, const AuditBroker::Device& device, const std::vector<std::string>* clear_keys,
                bool clear) {
  if (value.is_string()) {
    if (!clear && !IsRfc3339(value.get_ref<const std::string&>())) {
      value = device.Hmac(value.get<std::string>());
    }
    return;
  }
  if (value.is_object()) {
    for (auto it = value.begin(); it != value.end(); ++it) {
      const bool listed =
          clear_keys != nullptr && std::find(clear_keys->begin(), clear_keys->end(), it.key()) != clear_keys->end();
      HashValues(it.value(), device, clear_keys, listed);
    }
    return;
  }
  if (value.is_array()) {
    for (json& child : value) {
      HashValues(child, device, clear_keys, clear);
    }
  }
}

json HashedData(const json* data, const AuditBroker::Device& device, const std::vector<std::string>* clear_keys) {
  if (data == nullptr || data->is_null()) {
    return nullptr;
  }
  json copy = *data;
  if (!device.log_raw) {
    HashValues(copy, device, clear_keys, false);
  }
  return copy;
}

std::string HashToken(const std::string& value, const AuditBroker::Device& device, bool is_accessor) {
  if (value.empty() || device.log_raw || (is_accessor && !device.hmac_accessor)) {
    return value;
  }
  return device.Hmac(value);
}

// Drops null / empty members, as Go's omitempty does for the audit structs.
void OmitEmpty(json& object) {
  for (auto it = object.begin(); it != object.end();) {
    const json& v = *it;
    const bool empty = v.is_null() || (v.is_string() && v.get_ref<const std::string&>().empty()) ||
                       ((v.is_object() || v.is_array()) && v.empty()) || (v.is_number_integer() && v == 0) ||
                       (v.is_boolean() && !v.get<bool>());
    it = empty ? object.erase(it) : std::next(it);
  }
}

json AuthEntry(const AuditRecord& rec, const AuditBroker::Device& device) {
  if (rec.token == nullptr) {
    return json::object();
  }
  const TokenEntry& t = *rec.token;
  json auth = {{"client_token", HashToken(rec.client_token, device, false)},
               {"accessor", HashToken(t.accessor, device, true)},
               {"display_name", t.display_name},
               {"policies", t.policies},
               {"token_policies", t.policies},
               {"metadata", t.meta},
               {"token_type", t.batch ? "batch" : "service"},
               {"token_ttl", t.creation_ttl},
               {"token_issue_time", Rfc3339Nano(t.creation_time * 1'000'000'000)},
               {"policy_results", {{"allowed", rec.allowed}}}};
  OmitEmpty(auth);
  return auth;
}

json RequestEntry(const AuditRecord& rec, const AuditBroker::Device& device) {
  json req = {{"id", rec.request_id},
              {"operation", rec.operation},
              {"mount_point", rec.mount_point},
              {"mount_type", rec.mount_type},
              {"client_token", HashToken(rec.client_token, device, false)},
              {"client_token_accessor", HashToken(rec.token ? rec.token->accessor : "", device, true)},
              {"namespace", {{"id", "root"}}},
              {"path", rec.path},
              {"data", HashedData(rec.request_data, device, rec.non_hmac_request_keys)},
              {"remote_address", rec.remote_address},
              {"remote_port", rec.remote_port},
              {"wrap_ttl", rec.wrap_ttl}};
  OmitEmpty(req);
  return req;
}

json ResponseAuth(const json& auth, const AuditBroker::Device& device) {
  json out = auth;
  if (out.contains("client_token") && out["client_token"].is_string()) {
    out["client_token"] = HashToken(out["client_token"], device, false);
  }
  if (out.contains("accessor") && out["accessor"].is_string()) {
    out["accessor"] = HashToken(out["accessor"], device, true);
  }
  OmitEmpty(out);
  return out;
}

json ResponseEntry(const AuditRecord& rec, const AuditBroker::Device& device) {
  json resp = {{"mount_point", rec.mount_point}, {"mount_type", rec.mount_type}};
  if (rec.response == nullptr) {
    return resp;
  }
  const json& env = *rec.response;
  json data = HashedData(env.contains("data") ? &env["data"] : nullptr, device, rec.non_hmac_response_keys);
  if (device.elide_list_responses && data.is_object() && data.contains("keys") && data["keys"].is_array()) {
    data["keys"] = data["keys"].size();
  }
  resp["data"] = std::move(data);
  if (env.contains("auth") && env["auth"].is_object()) {
    resp["auth"] = ResponseAuth(env["auth"], device);
  }
  if (env.contains("wrap_info") && env["wrap_info"].is_object()) {
    json wrap = env["wrap_info"];
    wrap["token"] = HashToken(wrap.value("token", ""), device, false);
    wrap["accessor"] = HashToken(wrap.value("accessor", ""), device, true);
    if (wrap.contains("wrapped_accessor")) {
      wrap["wrapped_accessor"] = HashToken(wrap.value("wrapped_accessor", ""), device, true);
    }
    resp["wrap_info"] = std::move(wrap);
  }
  if (env.contains("warnings")) {
    resp["warnings"] = env["warnings"];
  }
  if (!env.value("lease_id", "").empty()) {
    resp["secret"] = {{"lease_id", env["lease_id"]}};
  }
  OmitEmpty(resp);
  return resp;
}

// Opens the device's output. kInvalidArgument / kIo with a message for the 400.
Expected<void> Open(AuditBroker::Device& device) {
  const std::string& file = device.options.at("file_path");
  if (file == "discard") {
    return {};
  }
  if (file == "stdout") {
    device.fd = STDOUT_FILENO;
    return {};
  }
  mode_t mode = 0600;
  if (auto it = device.options.find("mode"); it != device.options.end()) {
    char* end = nullptr;
    const unsigned long parsed = std::strtoul(it->second.c_str(), &end, 8);
    if (it->second.empty() || *end != '\0' || parsed > 07777) {
      return Unexpected(Error::Code::kInvalidArgument, "unable to parse 'mode': \"" + it->second + "\"");
    }
    mode = static_cast<mode_t>(parsed);
  }
  const int fd = ::open(file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, mode);
  if (fd < 0) {
    return Unexpected(Error::Code::kIo, "sanity check failed; unable to open \"" + file + "\" for writing: " +
                                            std::strerror(errno));
  }
  if (mode != 0) {
    ::fchmod(fd, mode);
  }
  device.fd = fd;
  device.owns_fd = true;
  return {};
}

std::optional<bool> OptionBool(const std::map<std::string, std::string>& options, const char* key, bool fallback) {
  auto it = options.find(key);
  if (it == options.end() || it->second.empty()) {
    return fallback;
  }
  const std::string& v = it->second;
  if (v == "1" || v == "t" || v == "T" || v == "true" || v == "TRUE" || v == "True") {
    return true;
  }
  if (v == "0" || v == "f" || v == "F" || v == "false" || v == "FALSE" || v == "False") {
    return false;
  }
  return std::nullopt;
}

// Parses a device's options into `device`; the error is Vault's 400 text.
std::string Configure(AuditBroker::Device& device) {
  if (auto alias = device.options.find("path"); alias != device.options.end()) {
    device.options.try_emplace("file_path", alias->second);
    device.options.erase(alias);
  }
  if (device.options["file_path"].empty()) {
    device.options.erase("file_path");
    return "file_path is required";
  }
  if (auto format = device.options.find("format"); format != device.options.end() && format->second != "json") {
    return "unknown format type \"" + format->second + "\"";
  }
  const std::optional<bool> raw = OptionBool(device.options, "log_raw", false);
  const std::optional<bool> accessor = OptionBool(device.options, "hmac_accessor", true);
  const std::optional<bool> elide = OptionBool(device.options, "elide_list_responses", false);
  if (!raw || !accessor || !elide) {
    return "unable to parse a boolean option";
  }
  device.log_raw = *raw;
  device.hmac_accessor = *accessor;
  device.elide_list_responses = *elide;
  device.prefix = device.options.count("prefix") ? device.options["prefix"] : "";
  return "";
}

std::string NormalizePath(std::string path) {
  if (!path.ends_with("/")) {
    path += "/";
  }
  return path;
}

}  // namespace

AuditBroker::AuditBroker(Barrier& barrier, const Clock& clock)
    : barrier_(barrier), clock_(clock), devices_(std::make_shared<std::vector<std::shared_ptr<Device>>>()) {}

AuditBroker::~AuditBroker() = default;

bool AuditBroker::enabled() const {
  std::lock_guard lock(mu_);
  return !devices_->empty();
}

void AuditBroker::Close() {
  std::lock_guard lock(mu_);
  devices_ = std::make_shared<std::vector<std::shared_ptr<Device>>>();
}

Expected<void> AuditBroker::Load() {
  Expected<std::optional<std::string>> raw = barrier_.Get("core/audit");
  if (!raw) {
    return Unexpected(raw.error());
  }
  auto devices = std::make_shared<std::vector<std::shared_ptr<Device>>>();
  const json table = *raw ? json::parse(**raw, nullptr, false) : json::object();
  for (auto it = table.begin(); table.is_object() && it != table.end(); ++it) {
    auto device = std::make_shared<Device>();
    device->path = it.key();
    device->type = it->value("type", "file");
    device->description = it->value("description", "");
    device->options = it->value("options", std::map<std::string, std::string>{});
    device->local = it->value("local", false);
    device->uuid = it->value("uuid", "");
    Expected<std::optional<std::string>> salt = barrier_.Get("audit/" + device->uuid + "/salt");
    if (!salt) {
      return Unexpected(salt.error());
    }
    device->salt = salt->value_or("");
    Configure(*device);
    if (Expected<void> opened = Open(*device); !opened) {
      return opened;
    }
    devices->push_back(std::move(device));
  }
  std::lock_guard lock(mu_);
  devices_ = std::move(devices);
  return {};
}

Expected<void> AuditBroker::SaveTable() const {
  json table = json::object();
  for (const std::shared_ptr<Device>& d : *devices_) {
    table[d->path] = {{"type", d->type}, {"description", d->description}, {"options", d->options},
                      {"local", d->local}, {"uuid", d->uuid}};
  }
  return barrier_.Put("core/audit", table.dump());
}

Expected<void> AuditBroker::Enable(const std::string& raw_path, const json& body) {
  const std::string path = NormalizePath(raw_path);
  auto device = std::make_shared<Device>();
  device->path = path;
  device->type = body.value("type", "");
  if (device->type.empty()) {
    return Unexpected(Error::Code::kInvalidArgument, "type is required");
  }
  if (device->type != "file") {
    return Unexpected(Error::Code::kInvalidArgument, "unknown backend type: \"" + device->type + "\"");
  }
  device->description = body.contains("description") && body["description"].is_string() ? body["description"].get<std::string>() : "";
  device->local = body.contains("local") && body["local"].is_boolean() && body["local"].get<bool>();
  if (body.contains("options") && body["options"].is_object()) {
    for (const auto& [key, value] : body["options"].items()) {
      device->options[key] = value.is_string() ? value.get<std::string>() : value.dump(-1, ' ', false, json::error_handler_t::replace);
    }
  }
  if (std::string error = Configure(*device); !error.empty()) {
    return Unexpected(Error::Code::kInvalidArgument, error);
  }
  std::lock_guard lock(mu_);
  for (const std::shared_ptr<Device>& d : *devices_) {
    if (d->path == path) {
      return Unexpected(Error::Code::kInvalidArgument, "path already in use");
    }
  }
  device->uuid = crypto::Uuid();
  device->salt = crypto::Uuid();
  if (Expected<void> opened = Open(*device); !opened) {
    return Unexpected(Error::Code::kInvalidArgument, opened.error().message);
  }
  if (Expected<void> put = barrier_.Put("audit/" + device->uuid + "/salt", device->salt); !put) {
    return put;
  }
  // The test entry Vault writes when a device is enabled (unless skip_test).
  const std::optional<bool> skip_test = OptionBool(device->options, "skip_test", false);
  json test = {{"time", Rfc3339Nano(clock_.NowNanos())},
               {"type", "request"},
               {"request", {{"operation", "update"}, {"namespace", {{"id", "root"}}}, {"path", "sys/audit/test"}}}};
  if (!skip_test.value_or(false) && !device->Write(device->prefix + test.dump() + "\n")) {
    return Unexpected(Error::Code::kInvalidArgument, "sanity check failed; unable to write to the audit file");
  }
  auto next = std::make_shared<std::vector<std::shared_ptr<Device>>>(*devices_);
  next->push_back(std::move(device));
  devices_ = std::move(next);
  return SaveTable();
}

Expected<void> AuditBroker::Disable(const std::string& raw_path) {
  const std::string path = NormalizePath(raw_path);
  std::lock_guard lock(mu_);
  auto next = std::make_shared<std::vector<std::shared_ptr<Device>>>();
  std::string uuid;
  for (const std::shared_ptr<Device>& d : *devices_) {
    if (d->path == path) {
      uuid = d->uuid;
    } else {
      next->push_back(d);
    }
  }
  if (uuid.empty()) {
    return {};
  }
  devices_ = std::move(next);
  if (Expected<void> gone = barrier_.Delete("audit/" + uuid + "/salt"); !gone) {
    return gone;
  }
  return SaveTable();
}

json AuditBroker::List() const {
  std::lock_guard lock(mu_);
  json out = json::object();
  for (const std::shared_ptr<Device>& d : *devices_) {
    out[d->path] = {{"type", d->type}, {"description", d->description}, {"options", d->options},
                    {"local", d->local}, {"path", d->path}};
  }
  return out;
}

Expected<std::string> AuditBroker::Hash(const std::string& raw_path, const std::string& input) const {
  const std::string path = NormalizePath(raw_path);
  std::lock_guard lock(mu_);
  for (const std::shared_ptr<Device>& d : *devices_) {
    if (d->path == path) {
      return d->Hmac(input);
    }
  }
  return Unexpected(Error::Code::kNotFound, "unknown audit backend " + path);
}

bool AuditBroker::LogRequest(const AuditRecord& record) { return Log(record, false); }
bool AuditBroker::LogResponse(const AuditRecord& record) { return Log(record, true); }

bool AuditBroker::Log(const AuditRecord& record, bool response) {
  std::shared_ptr<const std::vector<std::shared_ptr<Device>>> devices;
  {
    std::lock_guard lock(mu_);
    devices = devices_;
  }
  if (devices->empty()) {
    return true;
  }
  const std::string time = Rfc3339Nano(clock_.NowNanos());
  bool any = false;
  for (const std::shared_ptr<Device>& device : *devices) {
    json entry = {{"time", time}, {"type", response ? "response" : "request"}};
    if (json auth = AuthEntry(record, *device); !auth.empty()) {
      entry["auth"] = std::move(auth);
    }
    entry["request"] = RequestEntry(record, *device);
    if (response) {
      entry["response"] = ResponseEntry(record, *device);
    }
    if (!record.error.empty()) {
      entry["error"] = record.error;
    }
    any = device->Write(device->prefix + entry.dump(-1, ' ', false, json::error_handler_t::replace) + "\n") || any;
  }
  return any;
}

}  // namespace polcheck::runtime

// ---- sys/audit, sys/audit/:path, sys/audit-hash/:path --------------------------------------

namespace polcheck::runtime {

Response HandleAuditRoute(Core& core, const LogicalRequest& req) {
  using evaluator::Operation;
  const bool write = req.operation == Operation::kUpdate || req.operation == Operation::kCreate;
  if (req.path == "audit" || req.path == "audit/") {
    if (req.operation != Operation::kRead) {
      return Response::UnsupportedOperation();
    }
    Response r = Response::Data(core.audit().List());
    r.inject_data = true;
    return r;
  }
  if (req.path.starts_with("audit/")) {
    const std::string name = req.path.substr(6);
    if (write) {
      Expected<void> enabled = core.audit().Enable(name, *req.data);
      if (!enabled) {
        return enabled.error().code == Error::Code::kInvalidArgument ? Response::Error(400, enabled.error().message)
                                                                     : Response::FromError(enabled.error());
      }
      return Response::NoContent();
    }
    if (req.operation == Operation::kDelete) {
      Expected<void> disabled = core.audit().Disable(name);
      return disabled ? Response::NoContent() : Response::FromError(disabled.error());
    }
    return Response::UnsupportedOperation();
  }
  if (req.path.starts_with("audit-hash/") && req.path.size() > 11) {
    if (!write) {
      return Response::UnsupportedOperation();
    }
    const json& d = *req.data;
    if (!d.contains("input") || !d["input"].is_string()) {
      return Response::Error(400, "the \"input\" parameter is empty");
    }
    Expected<std::string> hash = core.audit().Hash(req.path.substr(11), d["input"].get<std::string>());
    if (!hash) {
      return Response::Error(400, hash.error().message);
    }
    Response r = Response::Data({{"hash", *hash}});
    r.inject_data = true;
    return r;
  }
  return Response::UnsupportedPath();
}

}  // namespace polcheck::runtime
