#include "runtime/core.h"

#include <algorithm>
#include <cctype>
#include <ctime>

#include <nlohmann/json.hpp>

#include "parser/duration.h"
#include "runtime/audit.h"
#include "runtime/auth_common.h"
#include "runtime/crypto.h"
#include "runtime/db_executor.h"
#include "runtime/identity.h"
#include "runtime/leases.h"
#include "runtime/policies.h"
#include "runtime/tokens.h"

namespace polcheck::runtime {
namespace {

using nlohmann::json;
using evaluator::Operation;

std::string Multi(const std::string& message) { return "1 error occurred:\n\t* " + message + "\n\n"; }

// Request paths, query strings and form bodies may carry bytes that are not
// UTF-8; they are echoed with U+FFFD instead of making dump() throw.
std::string Dump(const json& body) { return body.dump(-1, ' ', false, json::error_handler_t::replace); }

HttpResponse ErrorBody(int status, const std::vector<std::string>& errors) {
  return {status, Dump(json{{"errors", errors}})};
}

HttpResponse JsonBody(int status, const json& body) { return {status, Dump(body)}; }

// Percent-decoding; '+' means ' ' only in a query string (paths use '+' segments).
std::string UrlDecode(std::string_view s, bool query = false) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      std::optional<std::string> byte = crypto::FromHex(s.substr(i + 1, 2));
      if (byte) {
        out += *byte;
        i += 2;
        continue;
      }
    }
    out += query && s[i] == '+' ? ' ' : s[i];
  }
  return out;
}

std::map<std::string, std::string> ParseQuery(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) {
      continue;
    }
    const std::size_t eq = pair.find('=');
    out[UrlDecode(pair.substr(0, eq), true)] = eq == std::string_view::npos ? "" : UrlDecode(pair.substr(eq + 1), true);
  }
  return out;
}

// Go's strconv.ParseBool.
std::optional<bool> ParseBool(const std::string& s) {
  if (s == "1" || s == "t" || s == "T" || s == "true" || s == "TRUE" || s == "True") return true;
  if (s == "0" || s == "f" || s == "F" || s == "false" || s == "FALSE" || s == "False") return false;
  return std::nullopt;
}

// Root-protected paths (RUNTIME-API.md §1.1) among those this runtime serves or may serve.
bool IsRootPath(const std::string& path) {
  if (path == "sys/audit" || path == "sys/audit/") {
    return true;
  }
  static const char* const kPrefixes[] = {"sys/auth/", "sys/audit/", "sys/remount", "sys/rotate",
                                          "sys/revoke-prefix/", "sys/revoke-force/", "sys/leases/revoke-prefix/",
                                          "sys/leases/revoke-force/", "sys/leases/lookup/", "sys/raw/", "sys/config/auditing/",
                                          "sys/plugins/catalog/", "auth/token/accessors", "auth/token/revoke-orphan"};
  for (const char* prefix : kPrefixes) {
    if (path.starts_with(prefix)) {
      return true;
    }
  }
  return path == "sys/seal";
}

json Envelope(const Response& r, const std::string& mount_type, const std::string& request_id) {
  json env = {{"request_id", r.wrap_info ? "" : request_id},
              {"lease_id", r.lease_id},
              {"renewable", r.renewable},
              {"lease_duration", r.lease_duration},
              {"data", r.data ? *r.data : json(nullptr)},
              {"wrap_info", r.wrap_info ? *r.wrap_info : json(nullptr)},
              {"warnings", r.warnings.empty() ? json(nullptr) : json(r.warnings)},
              {"auth", r.auth ? *r.auth : json(nullptr)},
              {"mount_type", mount_type}};
  if (r.inject_data && r.data && r.data->is_object()) {
    for (const auto& [key, value] : r.data->items()) {
      if (!env.contains(key)) {
        env[key] = value;
      }
    }
  }
  return env;
}

HttpResponse Render(const Response& r, const std::string& mount_type) {
  if (r.is_error) {
    return ErrorBody(r.status, r.errors);
  }
  if (r.raw_envelope) {
    return JsonBody(r.status, Envelope(r, mount_type, crypto::Uuid()));
  }
  if (!r.data && !r.auth && !r.wrap_info && r.warnings.empty()) {
    return {204, ""};
  }
  return JsonBody(200, Envelope(r, mount_type, crypto::Uuid()));
}

}  // namespace

// ---- Response ------------------------------------------------------------------------------

Response Response::Error(int status, std::string message) {
  Response r;
  r.status = status;
  r.is_error = true;
  r.errors.push_back(std::move(message));
  return r;
}
Response Response::MultiError(int status, const std::string& message) { return Error(status, Multi(message)); }
Response Response::NotFound() {
  Response r;
  r.status = 404;
  r.is_error = true;
  return r;
}
Response Response::UnsupportedPath() { return MultiError(404, "unsupported path"); }
Response Response::UnsupportedOperation() { return MultiError(405, "unsupported operation"); }
Response Response::Data(json data) {
  Response r;
  r.data = std::make_shared<const json>(std::move(data));
  return r;
}
Response Response::NoContent() { return Response{}; }
Response Response::FromError(const polcheck::Error& error) {
  if (error.code == Error::Code::kUnsupported && error.message == "Vault is sealed") {
    return Error(503, "Vault is sealed");
  }
  return MultiError(500, error.message);
}

// ---- helpers -------------------------------------------------------------------------------

std::vector<std::string> StringList(const json& data, const char* key) {
  std::vector<std::string> out;
  auto it = data.find(key);
  if (it == data.end() || it->is_null()) {
    return out;
  }
  if (it->is_array()) {
    for (const json& v : *it) {
      if (v.is_string()) {
        out.push_back(v.get<std::string>());
      }
    }
    return out;
  }
  if (it->is_string()) {
    std::string_view s = it->get_ref<const std::string&>();
    while (!s.empty()) {
      const std::size_t comma = s.find(',');
      out.emplace_back(s.substr(0, comma));
      s = comma == std::string_view::npos ? std::string_view() : s.substr(comma + 1);
    }
  }
  return out;
}

std::optional<std::int64_t> DurationSeconds(const json& data, const char* key, std::string& error) {
  auto it = data.find(key);
  if (it == data.end() || it->is_null()) {
    return std::nullopt;
  }
  if (it->is_number_integer()) {
    return it->get<std::int64_t>();
  }
  if (it->is_number()) {
    return static_cast<std::int64_t>(it->get<double>());
  }
  if (it->is_string()) {
    parser::DurationResult d = parser::ParseDurationString(it->get<std::string>());
    if (d.seconds) {
      return d.seconds;
    }
    error = "error converting input " + it->get<std::string>() + " for field \"" + key + "\": " + d.error;
    return std::nullopt;
  }
  error = std::string("invalid value for field \"") + key + "\"";
  return std::nullopt;
}

std::string Rfc3339Nano(std::int64_t unix_nanos) {
  const std::time_t seconds = static_cast<std::time_t>(unix_nanos / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out = date;
  std::int64_t nanos = unix_nanos % 1'000'000'000;
  if (nanos != 0) {
    std::string frac = std::to_string(nanos);
    frac.insert(0, 9 - frac.size(), '0');
    while (frac.back() == '0') {
      frac.pop_back();
    }
    out.append(".").append(frac);
  }
  out.append("Z");
  return out;
}

// ---- Core ----------------------------------------------------------------------------------

Core::Core(std::shared_ptr<Storage> storage, std::shared_ptr<Clock> clock, Dialect dialect,
           std::shared_ptr<SqlExecutor> sql_executor)
    : clock_(std::move(clock)),
      sql_executor_(sql_executor ? std::move(sql_executor) : MakeSqlExecutor()),
      dialect_(dialect),
      barrier_(std::move(storage)),
      tokens_(std::make_unique<TokenStore>(barrier_, *clock_)),
      policies_(std::make_unique<PolicyStore>(barrier_, dialect)),
      identity_(std::make_unique<IdentityStore>(barrier_, *clock_)),
      leases_(std::make_unique<LeaseStore>(*this)),
      audit_(std::make_unique<AuditBroker>(barrier_, *clock_)) {
  tokens_->SetRevokeHook([this](const TokenEntry& token) { return leases_->RevokeByToken(token.hash); });
}

Core::~Core() {
  {
    std::lock_guard lock(expiry_mu_);
    expiry_stop_ = true;
  }
  expiry_cv_.notify_all();
  if (expiry_thread_.joinable()) {
    expiry_thread_.join();
  }
}

Expected<std::pair<std::string, std::string>> Core::SetUpDev(const std::string& root_token_id) {
  Expected<std::vector<std::string>> keys = barrier_.Initialize(1, 1);
  if (!keys) {
    return Unexpected(keys.error());
  }
  if (Expected<SealState> state = barrier_.Unseal(keys->front()); !state) {
    return Unexpected(state.error());
  }
  if (Expected<void> def = policies_->InstallDefault(); !def) {
    return Unexpected(def.error());
  }
  TokenEntry root;
  root.policies = {"root"};
  root.orphan = true;
  root.path = root_token_id.empty() ? "auth/token/root" : "auth/token/create";
  root.display_name = root_token_id.empty() ? "root" : "token";
  root.creation_time = clock_->NowSeconds();
  Expected<CreatedToken> token = tokens_->Create(root, root_token_id);
  if (!token) {
    return Unexpected(token.error());
  }
  if (Expected<void> mounted = Mount("secret/", "kv", "2"); !mounted) {
    return Unexpected(mounted.error());
  }
  return std::pair(crypto::Base64(keys->front()), token->id);
}

HttpResponse Core::Handle(const HttpRequest& http) {
  std::string_view target = http.target;
  const std::size_t question = target.find('?');
  const std::string_view raw_path = target.substr(0, question);
  const std::string query(question == std::string_view::npos ? std::string_view() : target.substr(question + 1));
  if (!raw_path.starts_with("/v1/")) {
    return ErrorBody(404, {});
  }
  std::string path = UrlDecode(raw_path.substr(4));
  static const char* const kMethods[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "LIST", "PATCH"};
  if (std::none_of(std::begin(kMethods), std::end(kMethods), [&](const char* m) { return http.method == m; })) {
    return ErrorBody(405, {});
  }
  if (path == "sys/health" || path == "sys/seal-status" || path == "sys/init" || path == "sys/unseal" ||
      path == "sys/seal") {
    return Special(http.method, path, query, http);
  }
  if (barrier_.sealed()) {
    return ErrorBody(503, {"Vault is sealed"});
  }
  return HandleLogical(http, std::move(path), query);
}

namespace {

struct Authorized {
  std::optional<TokenEntry> token;
  std::shared_ptr<const CompiledAcl> acl;
  std::optional<HttpResponse> error;
};

Authorized Authorize(Core& core, const std::string& client_token, const std::string& remote_address = "") {
  Authorized out;
  if (client_token.empty()) {
    out.error = ErrorBody(403, {Multi("permission denied")});
    return out;
  }
  Expected<std::optional<TokenEntry>> entry = core.tokens().Lookup(client_token);
  if (!entry) {
    out.error = Render(Response::FromError(entry.error()), "");
    return out;
  }
  if (!*entry) {
    out.error = ErrorBody(403, {"2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n"});
    return out;
  }
  if (!CidrAllows((*entry)->bound_cidrs, remote_address)) {  // token_bound_cidrs
    out.error = ErrorBody(403, {Multi("permission denied")});
    return out;
  }
  // Identity policies and templates are re-resolved on every request (SEMANTICS.md §9.0).
  Expected<ResolvedIdentity> who = core.identity().Resolve((*entry)->entity_id);
  if (!who) {
    out.error = Render(Response::FromError(who.error()), "");
    return out;
  }
  if (who->disabled) {
    out.error = ErrorBody(403, {Multi("permission denied")});
    return out;
  }
  std::vector<std::string> names = (*entry)->policies;
  names.insert(names.end(), who->policies.begin(), who->policies.end());
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  Expected<std::shared_ptr<const CompiledAcl>> acl =
      core.policies().AclFor(names, who->identity ? &*who->identity : nullptr);
  if (!acl) {
    out.error = Render(Response::MultiError(500, acl.error().message), "");
    return out;
  }
  out.token = std::move(*entry);
  out.acl = std::move(*acl);
  return out;
}

// sys/init and sys/unseal are HTTP handlers that decode the body with Go's
// encoding/json into a struct: strictly typed, unlike the framework's fields.
// Returns encoding/json's message for the first member of the wrong type.
enum class GoType { kInt, kBool, kString };
std::optional<std::string> StrictMembers(const json& data, std::string_view go_struct,
                                         std::initializer_list<std::pair<const char*, GoType>> members) {
  for (const auto& [name, type] : members) {
    auto it = data.find(name);
    if (it == data.end() || it->is_null()) {
      continue;
    }
    const bool fits = type == GoType::kInt    ? it->is_number_integer()
                      : type == GoType::kBool ? it->is_boolean()
                                              : it->is_string();
    if (fits) {
      continue;
    }
    const std::string json_type = it->is_number() ? "number " + it->dump()
                                  : it->is_boolean() ? "bool"
                                  : it->is_string()  ? "string"
                                  : it->is_array()   ? "array"
                                                     : "object";
    const char* go_type = type == GoType::kInt ? "int" : type == GoType::kBool ? "bool" : "string";
    return "json: cannot unmarshal " + json_type + " into Go struct field " + std::string(go_struct) + "." + name +
           " of type " + go_type;
  }
  return std::nullopt;
}

}  // namespace

HttpResponse Core::Special(const std::string& method, const std::string& path, const std::string& query,
                           const HttpRequest& http) {
  Expected<SealState> state = barrier_.State();
  if (!state) {
    return Render(Response::FromError(state.error()), "");
  }
  auto status_json = [&](const SealState& s) {
    return json{{"type", "shamir"},   {"initialized", s.initialized}, {"sealed", s.sealed},
                {"t", s.threshold},   {"n", s.shares},                {"progress", s.progress},
                {"nonce", ""},        {"version", "1.17.0+polcheck"}, {"build_date", ""},
                {"migration", false}, {"recovery_seal", false},       {"storage_type", "polcheck"}};
  };
  if (path == "sys/health") {
    if (method != "GET" && method != "HEAD") {
      return ErrorBody(405, {});
    }
    int status = !state->initialized ? 501 : state->sealed ? 503 : 200;
    const auto params = ParseQuery(query);
    for (const auto& [key, code] : {std::pair{"uninitcode", 501}, {"sealedcode", 503}, {"activecode", 200}}) {
      if (auto it = params.find(key); it != params.end() && code == status) {
        try {
          status = std::stoi(it->second);
        } catch (const std::exception&) {
          return ErrorBody(400, {std::string("unable to parse ") + key + " value"});
        }
      }
    }
    json body = {{"initialized", state->initialized}, {"sealed", state->sealed},
                 {"standby", false}, {"performance_standby", false},
                 {"replication_performance_mode", "disabled"}, {"replication_dr_mode", "disabled"},
                 {"server_time_utc", clock_->NowSeconds()}, {"version", "1.17.0+polcheck"}};
    return {status, method == "HEAD" ? "" : body.dump()};
  }
  if (path == "sys/seal-status") {
    return method == "GET" ? JsonBody(200, status_json(*state)) : ErrorBody(405, {});
  }
  const bool write = method == "POST" || method == "PUT";
  json data = json::object();
  if (write && !http.body.empty()) {
    data = json::parse(http.body, nullptr, false);
    if (data.is_discarded() || !data.is_object()) {
      return ErrorBody(400, {"failed to parse JSON input: invalid JSON object"});
    }
  }
  if (path == "sys/init") {
    if (method == "GET") {
      return JsonBody(200, {{"initialized", state->initialized}});
    }
    if (!write) {
      return ErrorBody(405, {});
    }
    if (std::optional<std::string> bad = StrictMembers(
            data, "InitRequest",
            {{"secret_shares", GoType::kInt}, {"secret_threshold", GoType::kInt}, {"stored_shares", GoType::kInt}})) {
      return ErrorBody(400, {*bad});
    }
    auto small = [](std::int64_t n) { return static_cast<int>(std::clamp<std::int64_t>(n, -1, 256)); };
    const int shares = small(data.value("secret_shares", std::int64_t{0}));  // out of range stays out of range
    const int threshold = small(data.value("secret_threshold", std::int64_t{0}));
    Expected<std::vector<std::string>> keys = barrier_.Initialize(shares, threshold);
    if (!keys) {
      return ErrorBody(400, {keys.error().message});
    }
    // Unseal briefly to write the default policy and the root token, then seal again.
    for (int i = 0; i < threshold; ++i) {
      (void)barrier_.Unseal((*keys)[static_cast<std::size_t>(i)]);
    }
    TokenEntry root;
    root.policies = {"root"};
    root.orphan = true;
    root.path = "auth/token/root";
    root.display_name = "root";
    root.creation_time = clock_->NowSeconds();
    Expected<void> def = policies_->InstallDefault();
    Expected<CreatedToken> token = def ? tokens_->Create(root, "") : Expected<CreatedToken>(Unexpected(def.error()));
    Expected<void> mounts = token ? LoadMounts() : Expected<void>();
    for (const auto& [mount_path, version] : init_mounts_) {  // ServerOptions::init_kv_mounts
      if (mounts) {
        mounts = Mount(mount_path, "kv", version);
      }
    }
    barrier_.Seal();
    tokens_->ForgetSalt();
    if (!token || !mounts) {
      return Render(Response::FromError(token ? mounts.error() : token.error()), "");
    }
    json hex = json::array();
    json b64 = json::array();
    for (const std::string& key : *keys) {
      hex.push_back(crypto::Hex(key));
      b64.push_back(crypto::Base64(key));
    }
    return JsonBody(200, {{"keys", hex}, {"keys_base64", b64}, {"root_token", token->id}});
  }
  if (path == "sys/unseal") {
    if (!write) {
      return ErrorBody(405, {});
    }
    if (std::optional<std::string> bad = StrictMembers(
            data, "UnsealRequest", {{"key", GoType::kString}, {"reset", GoType::kBool}, {"migrate", GoType::kBool}})) {
      return ErrorBody(400, {*bad});
    }
    if (data.value("reset", false)) {
      barrier_.ResetProgress();
      Expected<SealState> now = barrier_.State();
      return now ? JsonBody(200, status_json(*now)) : Render(Response::FromError(now.error()), "");
    }
    const std::string key = data.value("key", "");
    if (key.empty()) {
      return ErrorBody(400, {"'key' must be specified in request body as JSON, or 'reset' set to true"});
    }
    std::optional<std::string> bytes = crypto::FromHex(key);
    if (!bytes) {
      bytes = crypto::FromBase64(key);
    }
    if (!bytes) {
      return ErrorBody(400, {"'key' must be a valid hex or base64 string"});
    }
    Expected<SealState> now = barrier_.Unseal(*bytes);
    if (!now) {
      return ErrorBody(400, {now.error().message});
    }
    if (!now->sealed) {
      if (Expected<void> loaded = LoadMounts(); !loaded) {
        return Render(Response::FromError(loaded.error()), "");
      }
      if (Expected<void> audit = audit_->Load(); !audit) {
        return Render(Response::FromError(audit.error()), "");
      }
    }
    return JsonBody(200, status_json(*now));
  }
  // sys/seal: authenticated, needs sudo on sys/seal.
  if (!write) {
    return ErrorBody(405, {});
  }
  if (state->sealed) {
    return ErrorBody(503, {"Vault is sealed"});
  }
  Authorized auth = Authorize(*this, http.token);
  if (auth.error) {
    return *auth.error;
  }
  evaluator::Result result = auth.acl->acl->Check({.path = "sys/seal", .operation = Operation::kUpdate});
  if (!result.allowed || !result.root_privs) {
    return ErrorBody(403, {Multi("permission denied")});
  }
  barrier_.Seal();
  tokens_->ForgetSalt();
  audit_->Close();
  return {204, ""};
}

// ---- HTTP -> logical request (transport, wrapping, audit) ------------------------------------

namespace {

// application/x-www-form-urlencoded: one value is a string, a repeated key a list.
json ParseForm(std::string_view body) {
  json data = json::object();
  while (!body.empty()) {
    const std::size_t amp = body.find('&');
    std::string_view pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
    if (pair.empty()) {
      continue;
    }
    const std::size_t eq = pair.find('=');
    const std::string key = UrlDecode(pair.substr(0, eq), true);
    std::string value = eq == std::string_view::npos ? "" : UrlDecode(pair.substr(eq + 1), true);
    if (!data.contains(key)) {
      data[key] = std::move(value);
    } else if (data[key].is_array()) {
      data[key].push_back(std::move(value));
    } else {
      data[key] = json::array({data[key], std::move(value)});
    }
  }
  return data;
}

// The body of a POST/PUT/PATCH as request data (§1.1): JSON object by default;
// a form body when the content type says so and the body does not look like JSON.
std::optional<HttpResponse> ParseBody(const HttpRequest& http, json& data) {
  const std::size_t first = http.body.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) {
    return std::nullopt;  // empty body: no data
  }
  const bool form = http.content_type.starts_with("application/x-www-form-urlencoded") &&
                    http.body[first] != '{' && http.body[first] != '[';
  if (form) {
    data = ParseForm(http.body);
    return std::nullopt;
  }
  data = json::parse(http.body, nullptr, false);
  if (data.is_discarded()) {
    return ErrorBody(400, {"failed to parse JSON input: invalid character in JSON body"});
  }
  if (!data.is_object()) {
    return ErrorBody(400, {"failed to parse JSON input: json: cannot unmarshal into Go value of type map[string]interface {}"});
  }
  return std::nullopt;
}

// Handlers treat a JSON null as "not supplied" (hashi-vault-js sends "increment": null);
// the ACL still sees the key with a nil value, as Vault's does (SEMANTICS.md §6.2).
void DropNulls(json& data) {
  for (auto it = data.begin(); it != data.end();) {
    it = it->is_null() ? data.erase(it) : std::next(it);
  }
}

constexpr std::int64_t kMaxWrapTtlHeader = std::int64_t{100} * 365 * 24 * 3600;  // 100 years
// Vault caps a wrapping token's TTL at the system max lease TTL (768h); the ACL
// still judges the TTL the client asked for.
constexpr std::int64_t kMaxWrapTtl = 768 * 3600;

// X-Vault-Wrap-TTL: integer seconds or a Go duration; "" = not wrapped.
std::optional<HttpResponse> ParseWrapTtl(const std::string& header, std::int64_t& seconds) {
  seconds = 0;
  if (header.empty()) {
    return std::nullopt;
  }
  const json holder = {{"ttl", header}};
  std::string error;
  std::optional<std::int64_t> parsed = DurationSeconds(holder, "ttl", error);
  if (!parsed) {
    return ErrorBody(400, {"error parsing X-Vault-Wrap-TTL header: " + error});
  }
  if (*parsed < 0) {
    return ErrorBody(400, {"error parsing X-Vault-Wrap-TTL header: requested wrap ttl cannot be negative"});
  }
  if (*parsed > kMaxWrapTtlHeader) {  // keeps seconds -> nanoseconds (the evaluator's unit) exact
    return ErrorBody(400, {"error parsing X-Vault-Wrap-TTL header: requested wrap ttl is out of range"});
  }
  seconds = *parsed;
  return std::nullopt;
}

// Request data as the evaluator sees it (SEMANTICS.md §6.2): JSON numbers are
// Go json.Number values, which never equal a policy value.
parser::Value ToValue(const json& v) {
  switch (v.type()) {
    case json::value_t::string:
      return parser::Value::String(v.get<std::string>());
    case json::value_t::boolean:
      return parser::Value::Bool(v.get<bool>());
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return parser::Value::Number(v.dump());
    case json::value_t::array: {
      parser::Value::List list;
      for (const json& item : v) {
        list.push_back(ToValue(item));
      }
      return parser::Value::MakeList(std::move(list));
    }
    case json::value_t::object: {
      parser::Value::Object object;
      for (const auto& [key, item] : v.items()) {
        object.emplace(key, ToValue(item));
      }
      return parser::Value::MakeObject(std::move(object));
    }
    case json::value_t::null:
    case json::value_t::binary:
    case json::value_t::discarded:
      return parser::Value();
  }
  return parser::Value();
}

evaluator::Params ToParams(const json& data) {
  evaluator::Params params;
  for (const auto& [key, value] : data.items()) {
    params.emplace(key, ToValue(value));
  }
  return params;
}

// Paths served without a token (§1.1). Login paths are added with the auth methods.
bool IsUnauthenticated(const std::string& path) { return path == "sys/wrapping/lookup"; }

bool IsRootNamespace(const std::string& ns) { return ns.empty() || ns == "root" || ns == "root/" || ns == "/"; }

std::string ErrorText(const Response& r) {
  std::string out;
  for (const std::string& e : r.errors) {
    out += out.empty() ? e : "; " + e;
  }
  return out;
}

}  // namespace

namespace {

// The HTTP request as Vault's logical request model (§1.1-§1.2), or the error to send.
struct RequestModel {
  std::string path;
  json data = json::object();
  Operation op = Operation::kUpdate;
  std::int64_t wrap_ttl = 0;  // seconds; 0 = not wrapped
  std::optional<HttpResponse> error;
};

RequestModel ParseRequest(const HttpRequest& http, std::string path, const std::string& query) {
  RequestModel m{.path = std::move(path)};
  const std::string& method = http.method;
  if (method == "POST" || method == "PUT" || method == "PATCH") {
    if ((m.error = ParseBody(http, m.data))) {
      return m;
    }
  }
  if (method == "GET" || method == "HEAD" || method == "LIST" || method == "DELETE") {
    for (auto& [key, value] : ParseQuery(query)) {
      m.data[key] = value;
    }
    m.op = method == "DELETE" ? Operation::kDelete : method == "LIST" ? Operation::kList : Operation::kRead;
    if (method == "GET" && m.data.contains("list")) {
      std::optional<bool> list = ParseBool(m.data["list"].get<std::string>());
      if (!list) {
        m.error = ErrorBody(400, {});
        return m;
      }
      m.data.erase("list");
      m.op = *list ? Operation::kList : m.op;
    }
  } else if (method == "PATCH") {
    if (http.content_type.find("application/merge-patch+json") == std::string::npos) {
      m.error = ErrorBody(415, {"PATCH requires Content-Type of application/merge-patch+json, provided " +
                                http.content_type});
      return m;
    }
    m.op = Operation::kPatch;
  }
  if (m.op == Operation::kList && !m.path.ends_with("/")) {
    m.path += "/";
  }
  if ((m.error = ParseWrapTtl(http.wrap_ttl, m.wrap_ttl))) {
    return m;
  }
  if (!IsRootNamespace(http.name_space)) {
    m.error = ErrorBody(400, {"namespaces are not supported: this server has only the root namespace, got \"" +
                              http.name_space + "\""});
  }
  return m;
}

}  // namespace

HttpResponse Core::HandleLogical(const HttpRequest& http, std::string raw_path, std::string query) {
  RequestModel model = ParseRequest(http, std::move(raw_path), query);
  if (model.error) {
    return *model.error;
  }
  const std::string& path = model.path;
  json& data = model.data;
  Operation op = model.op;
  const std::int64_t wrap_ttl = model.wrap_ttl;
  auto [backend, relative] = Route(path);
  // Logins (the method names its unauthenticated paths) and the few open sys/
  // paths need no token and skip the ACL.
  const bool unauthenticated =
      IsUnauthenticated(path) || (backend != nullptr && backend->Unauthenticated(relative));
  Authorized auth;
  if (!unauthenticated) {
    auth = Authorize(*this, http.token, http.remote_address);
  }
  if (op == Operation::kUpdate && backend != nullptr) {
    std::optional<bool> exists = backend->Exists(relative);
    if (exists && !*exists) {
      op = Operation::kCreate;
    }
  }
  const std::string mount = backend ? path.substr(0, path.size() - relative.size()) : "";
  AuditRecord audit{.request_id = crypto::Uuid(),
                    .token = auth.token ? &*auth.token : nullptr,
                    .client_token = http.token,
                    .operation = std::string(evaluator::OperationName(op)),
                    .mount_point = mount,
                    .mount_type = backend ? backend->type() : "",
                    .path = path,
                    .request_data = &data,
                    .remote_address = http.remote_address,
                    .remote_port = http.remote_port,
                    .wrap_ttl = wrap_ttl};
  std::optional<MountEntry> audited_mount;  // its audit_non_hmac_*_keys (mounts tune)
  if (backend != nullptr && audit_->enabled()) {
    audited_mount = MountOf(path);
    audit.non_hmac_request_keys = audited_mount ? &audited_mount->audit_non_hmac_request_keys : nullptr;
    audit.non_hmac_response_keys = audited_mount ? &audited_mount->audit_non_hmac_response_keys : nullptr;
  }
  // Refusals before the handler runs are audited as a request and a response with `error`.
  auto refuse = [&](HttpResponse out, const std::string& error) {
    audit.allowed = false;
    audit.error = error;
    (void)audit_->LogRequest(audit);
    (void)audit_->LogResponse(audit);
    return out;
  };
  if (auth.error) {
    return refuse(*auth.error, "permission denied");
  }
  bool root_privs = false;
  if (!unauthenticated) {
    const evaluator::Params params = ToParams(data);
    std::optional<std::chrono::nanoseconds> wrap;
    if (wrap_ttl > 0) {
      wrap = std::chrono::seconds(wrap_ttl);
    }
    const evaluator::Result result =
        auth.acl->acl->Check({.path = path, .operation = op, .params = &params, .wrap_ttl = wrap});
    if (!result.allowed || (IsRootPath(path) && !result.root_privs)) {
      return refuse(ErrorBody(403, {Multi("permission denied")}), Multi("permission denied"));
    }
    root_privs = result.root_privs;
  }
  DropNulls(data);
  if (backend == nullptr) {
    const std::string error = Multi("no handler for route \"" + path + "\". route entry not found.");
    return refuse(ErrorBody(404, {error}), error);
  }
  bool last_use = false;
  if (auth.token) {
    Expected<bool> used = tokens_->Use(*auth.token);
    if (!used) {
      return refuse(ErrorBody(403, {"2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n"}),
                    "permission denied");
    }
    last_use = *used;
  }
  if (!audit_->LogRequest(audit)) {
    return ErrorBody(500, {Multi("internal error")});
  }
  LogicalRequest request{.operation = op,
                         .path = relative,
                         .mount = mount,
                         .data = &data,
                         .token = auth.token ? &*auth.token : nullptr,
                         .client_token = http.token,
                         .root_privs = root_privs,
                         .remote_address = http.remote_address,
                         .wrap_ttl = wrap_ttl};
  // A field that does not convert is refused by the backend, as Vault's framework does.
  std::optional<std::string> bad_field =
      ConvertFields(data, backend->Fields(relative), backend->FieldErrorStyle(relative));
  Response response = bad_field ? Response::Error(400, *bad_field) : backend->Handle(request);
  if (last_use) {
    // The token's leases go with it; a leased secret issued on its last use is
    // already revoked, so it is not returned (RUNTIME-API.md §3.5, Vault's wording).
    (void)tokens_->Revoke(auth.token->hash);
    if (!response.is_error && !response.lease_id.empty()) {
      response = Response::Error(400,
                                 "Secret cannot be returned; token had one use left, so leased credentials were "
                                 "immediately revoked.");
    }
  }
  HttpResponse out = Finish(response, backend->type(), path, wrap_ttl, audit);
  if (http.method == "HEAD") {
    out.body.clear();
  }
  return out;
}

// Wraps (when asked), audits the response and renders it.
HttpResponse Core::Finish(Response response, const std::string& mount_type, const std::string& path,
                          std::int64_t wrap_ttl, AuditRecord& audit) {
  if (response.is_error) {
    audit.error = ErrorText(response);
    (void)audit_->LogResponse(audit);
    return Render(response, mount_type);
  }
  if (!response.raw_body.empty()) {
    const json raw = json::parse(response.raw_body, nullptr, false);
    audit.response = raw.is_discarded() ? nullptr : &raw;
    (void)audit_->LogResponse(audit);
    return {response.status, response.raw_body};
  }
  const bool empty = !response.data && !response.auth && !response.wrap_info && response.warnings.empty();
  if (empty && !response.raw_envelope) {
    (void)audit_->LogResponse(audit);
    return {204, ""};
  }
  json env = Envelope(response, mount_type, audit.request_id);
  if (wrap_ttl > 0 && response.status == 200 && !response.raw_envelope) {
    response = WrapResponse(*this, env, std::min(wrap_ttl, kMaxWrapTtl), path);
    if (response.is_error) {
      audit.error = ErrorText(response);
      (void)audit_->LogResponse(audit);
      return Render(response, mount_type);
    }
    env = Envelope(response, mount_type, "");
  }
  audit.response = &env;
  (void)audit_->LogResponse(audit);
  return JsonBody(response.raw_envelope ? response.status : 200, env);
}

// ---- sys/ (logical part) -------------------------------------------------------------------

namespace {

class SystemBackend final : public Backend {
 public:
  explicit SystemBackend(Core& core) : core_(core) {}
  std::string type() const override { return "system"; }

  std::optional<bool> Exists(const std::string& path) override {
    const std::size_t prefix = path.starts_with("policies/acl/") ? 13 : path.starts_with("policy/") ? 7 : 0;
    if (prefix == 0 || path.size() == prefix) {
      return std::nullopt;
    }
    Expected<std::optional<std::string>> text = core_.policies().Get(PolicyStore::NormalizeName(path.substr(prefix)));
    return text && text->has_value();
  }

  FieldList Fields(const std::string& path) const override {
    static constexpr std::array<Field, 5> kMount = {{{"type", FieldKind::kString},
                                                     {"description", FieldKind::kString},
                                                     {"local", FieldKind::kBool},
                                                     {"seal_wrap", FieldKind::kBool},
                                                     {"external_entropy_access", FieldKind::kBool}}};
    static constexpr std::array<Field, 2> kTune = {{{"description", FieldKind::kString},
                                                    {"token_type", FieldKind::kString}}};
    static constexpr std::array<Field, 2> kLease = {{{"lease_id", FieldKind::kString}, {"sync", FieldKind::kBool}}};
    static constexpr std::array<Field, 3> kAudit = {{{"type", FieldKind::kString},
                                                     {"description", FieldKind::kString},
                                                     {"local", FieldKind::kBool}}};
    static constexpr std::array<Field, 1> kInput = {{{"input", FieldKind::kString}}};
    static constexpr std::array<Field, 1> kToken = {{{"token", FieldKind::kString}}};
    static constexpr std::array<Field, 3> kPolicy = {{{"name", FieldKind::kString},
                                                      {"policy", FieldKind::kString},
                                                      {"rules", FieldKind::kString}}};
    if (path.starts_with("mounts/") || path.starts_with("auth/")) {
      return path.ends_with("/tune") ? FieldList(kTune) : FieldList(kMount);
    }
    for (const char* leases : {"leases/", "renew", "revoke"}) {
      if (path.starts_with(leases)) {
        return kLease;
      }
    }
    if (path.starts_with("audit/")) {
      return kAudit;
    }
    if (path.starts_with("audit-hash/")) {
      return kInput;
    }
    if (path.starts_with("wrapping/")) {
      return path == "wrapping/wrap" ? FieldList() : FieldList(kToken);  // wrap takes any data
    }
    if (path.starts_with("policy/") || path.starts_with("policies/acl/")) {
      return kPolicy;
    }
    return path.starts_with("capabilities") ? FieldList(kToken) : FieldList();
  }

  Response Handle(const LogicalRequest& req) override {
    if (std::optional<Response> r = HandleSysMounts(core_, req)) {  // runtime auth (issue #7)
      return *std::move(r);
    }
    if (std::optional<Response> r = HandleSysLeases(core_, req)) {
      return *std::move(r);
    }
    // Owned by the transport/audit side (runtime/wrapping.cc, runtime/audit.cc).
    if (req.path.starts_with("wrapping/")) {
      return HandleWrapping(core_, req);
    }
    if (req.path == "audit" || req.path.starts_with("audit/") || req.path.starts_with("audit-hash/")) {
      return HandleAuditRoute(core_, req);
    }
    if (req.path == "policy" || req.path == "policy/") {
      return LegacyListPolicies(req);
    }
    if (req.path.starts_with("policy/")) {
      return LegacyPolicy(req);
    }
    if (req.path == "policies/acl/" || req.path == "policies/acl") {
      return req.operation == Operation::kList ? ListPolicies() : Response::UnsupportedOperation();
    }
    if (req.path.starts_with("policies/acl/")) {
      return Policy(req, PolicyStore::NormalizeName(req.path.substr(13)));
    }
    if (req.path == "capabilities" || req.path == "capabilities-self") {
      const bool write = req.operation == Operation::kUpdate || req.operation == Operation::kCreate;
      return write ? Capabilities(req) : Response::UnsupportedOperation();
    }
    return Response::UnsupportedPath();
  }

 private:
  Response ListPolicies() {
    Expected<std::vector<std::string>> names = core_.policies().List();
    if (!names) {
      return Response::FromError(names.error());
    }
    return Response::Data({{"keys", *names}, {"policies", *names}});
  }

  // Legacy sys/policy (node-vault's only policy API): `rules` instead of `policy`,
  // list with GET, names in both `keys` and `policies`, injected at the top level.
  Response LegacyListPolicies(const LogicalRequest& req) {
    if (req.operation != Operation::kRead && req.operation != Operation::kList) {
      return Response::UnsupportedOperation();
    }
    Response r = ListPolicies();
    r.inject_data = !r.is_error;
    return r;
  }

  Response LegacyPolicy(const LogicalRequest& req) {
    const std::string raw_name = req.path.substr(7);
    const std::string name = PolicyStore::NormalizeName(raw_name);
    json data = *req.data;
    bool deprecated_rules = false;
    if ((!data.contains("policy") || data["policy"] == "") && data.contains("rules")) {
      data["policy"] = data["rules"];
      deprecated_rules = true;
    }
    LogicalRequest modern = req;
    modern.path = "policies/acl/" + raw_name;
    modern.data = &data;
    Response r = Policy(modern, name);
    if (req.operation == Operation::kRead && r.data && r.data->contains("policy")) {
      json legacy = *r.data;
      legacy["rules"] = legacy["policy"];
      legacy.erase("policy");
      r = Response::Data(std::move(legacy));
      r.inject_data = true;
    }
    if (deprecated_rules && !r.is_error) {
      r.warnings.push_back("'rules' is deprecated, please use 'policy' instead");
    }
    return r;
  }

  Response Policy(const LogicalRequest& req, const std::string& name) {
    switch (req.operation) {
      case Operation::kRead: {
        if (name == "root") {
          return Response::Data({{"name", "root"}, {"policy", ""}});
        }
        Expected<std::optional<std::string>> text = core_.policies().Get(name);
        if (!text) {
          return Response::FromError(text.error());
        }
        if (!*text) {
          return Response::NotFound();
        }
        return Response::Data({{"name", name}, {"policy", **text}});
      }
      case Operation::kCreate:
      case Operation::kUpdate:
        return WritePolicy(req, name);
      case Operation::kDelete: {
        if (name == "root") {
          return Response::Error(400, "cannot delete \"root\" policy");
        }
        if (name == "default") {
          return Response::Error(400, "cannot delete default policy");
        }
        Expected<void> deleted = core_.policies().Delete(name);
        return deleted ? Response::NoContent() : Response::FromError(deleted.error());
      }
      case Operation::kList:
        return Response::UnsupportedPath();
      case Operation::kPatch:
      case Operation::kHelp:
      case Operation::kScan:
      case Operation::kRecover:
      case Operation::kRevoke:
      case Operation::kRenew:
      case Operation::kRollback:
      case Operation::kSubscribe:
      case Operation::kHeader:
        return Response::UnsupportedOperation();
    }
    return Response::UnsupportedOperation();
  }

  Response WritePolicy(const LogicalRequest& req, const std::string& name) {
    if (name == "root" || name == "response-wrapping") {
      return Response::Error(400, "cannot update \"" + name + "\" policy");
    }
    const json& d = *req.data;
    std::string text = d.contains("policy") && d["policy"].is_string() ? d["policy"].get<std::string>() : "";
    if (text.empty()) {
      return Response::Error(400, "'policy' parameter not supplied or empty");
    }
    if (std::optional<std::string> decoded = crypto::FromBase64(text)) {
      text = *decoded;
    }
    if (std::string error = core_.policies().Validate(name, text); !error.empty()) {
      return Response::Error(400, error);
    }
    if (Expected<void> put = core_.policies().Put(name, text); !put) {
      return Response::FromError(put.error());
    }
    const std::string raw_name = req.path.substr(13);
    if (raw_name != name) {
      Response r;
      r.warnings.push_back("policy name was converted to " + name);
      return r;
    }
    return Response::NoContent();
  }

  Response Capabilities(const LogicalRequest& req) {
    const json& d = *req.data;
    std::vector<std::string> paths = StringList(d, "paths");
    if (paths.empty()) {
      paths = StringList(d, "path");
    }
    if (paths.empty()) {
      return Response::Error(400, "paths must be supplied");
    }
    std::vector<std::string> policies = req.token->policies;
    std::string entity_id = req.token->entity_id;
    if (req.path == "capabilities") {
      Expected<std::optional<TokenEntry>> other = core_.tokens().Lookup(d.value("token", ""));
      if (!other) {
        return Response::FromError(other.error());
      }
      if (!*other) {
        return Response::Error(400, "invalid token");
      }
      policies = (*other)->policies;
      entity_id = (*other)->entity_id;
    }
    Expected<ResolvedIdentity> who = core_.identity().Resolve(entity_id);  // identity policies and templates
    if (!who) {
      return Response::FromError(who.error());
    }
    policies.insert(policies.end(), who->policies.begin(), who->policies.end());
    std::sort(policies.begin(), policies.end());
    policies.erase(std::unique(policies.begin(), policies.end()), policies.end());
    Expected<std::shared_ptr<const CompiledAcl>> acl =
        core_.policies().AclFor(policies, who->identity ? &*who->identity : nullptr);
    if (!acl) {
      return Response::FromError(acl.error());
    }
    json data = json::object();
    for (const std::string& path : paths) {
      json names = json::array();
      for (std::string_view name : (*acl)->acl->Capabilities(path)) {
        names.push_back(name);
      }
      data[path] = names;
      if (paths.size() == 1) {
        data["capabilities"] = names;
      }
    }
    Response r = Response::Data(std::move(data));
    r.inject_data = true;
    return r;
  }

  Core& core_;
};

}  // namespace

std::shared_ptr<Backend> MakeSystemBackend(Core& core) { return std::make_shared<SystemBackend>(core); }

}  // namespace polcheck::runtime
