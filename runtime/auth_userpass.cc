// userpass auth method (RUNTIME-API.md §4.1, SEMANTICS.md §9.4). Passwords are
// kept only as bcrypt hashes ($2b$, cost 10 as Vault's bcrypt.DefaultCost),
// made with libxcrypt's crypt_r/crypt_gensalt_rn; brute-force lockout as
// Vault's defaults (5 failures, 15 minutes), held in memory per mount.
#include <crypt.h>
#include <openssl/crypto.h>

#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>

#include "runtime/auth_common.h"
#include "runtime/crypto.h"
#include "runtime/policies.h"

namespace polcheck::runtime {
namespace {

using evaluator::Operation;
using nlohmann::json;

constexpr int kBcryptCost = 10;
constexpr int kLockoutThreshold = 5;
constexpr std::int64_t kLockoutSeconds = 15 * 60;

std::optional<std::string> BcryptHash(const std::string& password) {
  const std::string random = crypto::RandomBytes(16);
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  if (crypt_gensalt_rn("$2b$", kBcryptCost, random.data(), static_cast<int>(random.size()), salt,
                       sizeof salt) == nullptr) {
    return std::nullopt;
  }
  crypt_data data{};
  const char* hash = crypt_r(password.c_str(), salt, &data);
  if (hash == nullptr || hash[0] == '*') {
    return std::nullopt;
  }
  return std::string(hash);
}

bool BcryptVerify(const std::string& password, const std::string& hash) {
  crypt_data data{};
  const char* out = crypt_r(password.c_str(), hash.c_str(), &data);
  if (out == nullptr || out[0] == '*') {
    return false;
  }
  const std::size_t n = hash.size();
  return std::strlen(out) == n && CRYPTO_memcmp(out, hash.data(), n) == 0;
}

// A user as stored: the bcrypt hash and token fields, never the password.
struct User {
  std::string password_hash;
  TokenFields fields;
};

class UserpassBackend final : public Backend {
 public:
  UserpassBackend(Core& core, MountEntry mount) : core_(core), mount_(std::move(mount)) {}
  std::string type() const override { return "userpass"; }
  bool Unauthenticated(const std::string& path) const override { return path.starts_with("login/"); }

  RenewCheck ValidateRenew(const TokenEntry& token) override {
    auto name = token.meta.find("username");
    Expected<std::optional<User>> user = Load(name == token.meta.end() ? "" : name->second);
    if (!user) {
      return {.renew = false, .error = user.error().message};
    }
    if (!*user) {
      return {.renew = false};  // user gone: Vault renews nothing and answers without an auth block
    }
    if (!EquivalentPolicies(SanitizePolicies((*user)->fields.policies, false), token.policies)) {
      return {.renew = false, .error = "policies have changed, not renewing"};
    }
    return RefreshedTtls((*user)->fields);
  }

  std::optional<bool> Exists(const std::string& path) override {
    if (!path.starts_with("users/") || path.size() == 6 || path.find('/', 6) != std::string::npos) {
      return std::nullopt;
    }
    Expected<std::optional<User>> user = Load(Name(path.substr(6)));
    return user && user->has_value();
  }

  FieldList Fields(const std::string& path) const override {
    static constexpr std::array<Field, 2> kPassword = {{{"password", FieldKind::kString},
                                                        {"password_hash", FieldKind::kString}}};
    static constexpr auto kUser = WithTokenFields(kPassword);
    if (path.starts_with("login/") || path.ends_with("/password")) {
      return kPassword;
    }
    return path.starts_with("users/") ? FieldList(kUser) : FieldList();
  }

  Response Handle(const LogicalRequest& req) override {
    const std::string& p = req.path;
    const bool write = req.operation == Operation::kCreate || req.operation == Operation::kUpdate;
    if (p.starts_with("login/") && p.size() > 6) {
      return write ? LoginUser(req, Name(p.substr(6))) : Response::UnsupportedOperation();
    }
    if (p == "users/" || p == "users") {
      return req.operation == Operation::kList ? ListUsers() : Response::UnsupportedOperation();
    }
    if (!p.starts_with("users/") || p.size() == 6) {
      return Response::UnsupportedPath();
    }
    std::string rest = p.substr(6);
    for (const char* tail : {"/password", "/policies"}) {
      if (rest.ends_with(tail)) {
        const std::string name = Name(rest.substr(0, rest.size() - std::strlen(tail)));
        return write ? Partial(req, name, tail) : Response::UnsupportedOperation();
      }
    }
    if (rest.find('/') != std::string::npos) {
      return Response::UnsupportedPath();
    }
    const std::string name = Name(rest);
    switch (req.operation) {
      case Operation::kRead:
        return ReadUser(name);
      case Operation::kCreate:
      case Operation::kUpdate:
        return WriteUser(req, name);
      case Operation::kDelete: {
        Expected<void> gone = core_.barrier().Delete(Key(name));
        return gone ? Response::NoContent() : Response::FromError(gone.error());
      }
      case Operation::kList:
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

 private:
  static std::string Name(const std::string& raw) { return PolicyStore::NormalizeName(raw); }  // lower-cased
  std::string Key(const std::string& name) const { return mount_.StoragePrefix() + "user/" + name; }

  Expected<std::optional<User>> Load(const std::string& name) {
    Expected<std::optional<std::string>> raw = core_.barrier().Get(Key(name));
    if (!raw) {
      return Unexpected(raw.error());
    }
    if (!*raw) {
      return std::optional<User>();
    }
    const json j = json::parse(**raw);
    return std::optional<User>(
        User{.password_hash = j.value("password_hash", ""), .fields = LoadTokenFields(j)});
  }

  Response Save(const std::string& name, const User& user) {
    json j = StoreTokenFields(user.fields);
    j["password_hash"] = user.password_hash;
    Expected<void> put = core_.barrier().Put(Key(name), j.dump());
    return put ? Response::NoContent() : Response::FromError(put.error());
  }

  // Sets the password (or a given bcrypt hash) from the request; nullopt on success.
  std::optional<Response> SetPassword(const json& d, User& user) {
    if (d.contains("password") && d["password"].is_string() && !d["password"].get<std::string>().empty()) {
      std::optional<std::string> hash = BcryptHash(d["password"].get<std::string>());
      if (!hash) {
        return Response::MultiError(500, "failed to hash the password");
      }
      user.password_hash = *hash;
      return std::nullopt;
    }
    if (d.contains("password_hash") && d["password_hash"].is_string()) {
      const std::string hash = d["password_hash"].get<std::string>();
      if (!hash.starts_with("$2")) {
        return Response::Error(400, "password hash has incorrect prefix");
      }
      user.password_hash = hash;
      return std::nullopt;
    }
    return Response::Error(400, "missing password");
  }

  Response WriteUser(const LogicalRequest& req, const std::string& name) {
    Expected<std::optional<User>> existing = Load(name);
    if (!existing) {
      return Response::FromError(existing.error());
    }
    User user = existing->value_or(User{});
    const json& d = *req.data;
    if (!*existing || d.contains("password") || d.contains("password_hash")) {
      if (std::optional<Response> bad = SetPassword(d, user)) {
        return *bad;
      }
    }
    if (std::string error = ParseTokenFields(d, user.fields); !error.empty()) {
      return Response::Error(400, error);
    }
    return Save(name, user);
  }

  Response Partial(const LogicalRequest& req, const std::string& name, std::string_view tail) {
    Expected<std::optional<User>> existing = Load(name);
    if (!existing) {
      return Response::FromError(existing.error());
    }
    if (!*existing) {
      return Response::Error(400, "username does not exist");
    }
    User user = **existing;
    if (tail == "/password") {
      if (std::optional<Response> bad = SetPassword(*req.data, user)) {
        return *bad;
      }
    } else {
      json policies = json::object();
      const json& d = *req.data;
      if (d.contains("token_policies")) {
        policies["token_policies"] = d["token_policies"];
      } else if (d.contains("policies")) {
        policies["policies"] = d["policies"];
      }
      if (std::string error = ParseTokenFields(policies, user.fields); !error.empty()) {
        return Response::Error(400, error);
      }
    }
    return Save(name, user);
  }

  Response ReadUser(const std::string& name) {
    Expected<std::optional<User>> user = Load(name);
    if (!user) {
      return Response::FromError(user.error());
    }
    if (!*user) {
      return Response::NotFound();
    }
    return Response::Data(TokenFieldsJson((*user)->fields));
  }

  Response ListUsers() {
    Expected<std::vector<std::string>> keys = core_.barrier().List(mount_.StoragePrefix() + "user/");
    if (!keys) {
      return Response::FromError(keys.error());
    }
    if (keys->empty()) {
      return Response::NotFound();
    }
    return Response::Data({{"keys", *keys}});
  }

  Response LoginUser(const LogicalRequest& req, const std::string& name) {
    const std::string password = req.data->value("password", "");
    if (password.empty()) {
      return Response::Error(500, "missing password");
    }
    if (IsLocked(name)) {
      return Response::Error(403, "permission denied");
    }
    Expected<std::optional<User>> user = Load(name);
    if (!user) {
      return Response::FromError(user.error());
    }
    // Compare even for an unknown user so timing does not tell which names exist.
    static const std::string kDummy = BcryptHash("dummy").value_or("");
    const bool ok = BcryptVerify(password, *user ? (*user)->password_hash : kDummy) && user->has_value();
    if (!ok) {
      RecordFailure(name);
      return Response::Error(400, "invalid username or password");
    }
    ClearFailures(name);
    return IssueLogin(
        core_, mount_, req,
        {.fields = (*user)->fields, .metadata = {{"username", name}}, .display = name, .alias_name = name});
  }

  static bool LockoutDisabled() {
    const char* env = std::getenv("VAULT_DISABLE_USER_LOCKOUT");
    return env != nullptr && std::string_view(env) == "true";
  }

  // Failed logins live outside the backend object, which is rebuilt whenever the
  // mount table reloads; the key includes the mount accessor.
  struct Failures {
    int count = 0;
    std::int64_t first = 0;  // unix seconds of the first failure in this window
  };
  struct LockoutTable {
    std::mutex mu;
    std::map<std::string, Failures> by_user;
  };
  static LockoutTable& Lockouts() {
    static LockoutTable table;
    return table;
  }
  std::string LockKey(const std::string& name) const { return mount_.accessor + "/" + name; }

  bool IsLocked(const std::string& name) {
    if (LockoutDisabled()) {
      return false;
    }
    LockoutTable& table = Lockouts();
    std::lock_guard lock(table.mu);
    auto it = table.by_user.find(LockKey(name));
    if (it == table.by_user.end()) {
      return false;
    }
    if (core_.clock().NowSeconds() - it->second.first >= kLockoutSeconds) {
      table.by_user.erase(it);  // lockout and counter both last 15 minutes
      return false;
    }
    return it->second.count >= kLockoutThreshold;
  }

  void RecordFailure(const std::string& name) {
    LockoutTable& table = Lockouts();
    std::lock_guard lock(table.mu);
    Failures& f = table.by_user[LockKey(name)];
    if (f.count++ == 0) {
      f.first = core_.clock().NowSeconds();
    }
  }

  void ClearFailures(const std::string& name) {
    LockoutTable& table = Lockouts();
    std::lock_guard lock(table.mu);
    table.by_user.erase(LockKey(name));
  }

  Core& core_;
  MountEntry mount_;
};

}  // namespace

std::shared_ptr<Backend> MakeUserpassBackend(Core& core, const MountEntry& mount) {
  return std::make_shared<UserpassBackend>(core, mount);
}

}  // namespace polcheck::runtime
