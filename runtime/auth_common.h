// Pieces shared by the auth methods (internal; RUNTIME-API.md §4.0,
// SEMANTICS.md §9.0-9.1): the "token fields" every role/user carries, the
// login -> token assembly (policies, identity, TTLs, display name), CIDR
// checks and the auth block of a response.
//
//   TokenFields fields = ...;                      // from the stored role
//   return IssueLogin(core, mount, req, {.fields = fields, .display = "bob", .alias_name = "bob"});
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <set>
#include <string>
#include <vector>

#include "runtime/core.h"

namespace polcheck::runtime {

struct TokenFields {
  std::vector<std::string> policies;
  std::int64_t ttl = 0;
  std::int64_t max_ttl = 0;
  std::int64_t period = 0;
  std::int64_t explicit_max_ttl = 0;
  int num_uses = 0;
  bool no_default_policy = false;
  std::vector<std::string> bound_cidrs;
  std::string type = "default";
  std::set<std::string> via_alias;  // legacy keys used to set them ("policies", "ttl", ...): echoed on read
};

// The typed token fields (and legacy aliases) as Vault's tokenutil declares them;
// durations and lists have readers of their own (DurationSeconds, StringList).
inline constexpr std::array<Field, 4> kTokenFieldTypes = {{{"token_num_uses", FieldKind::kInt},
                                                         {"num_uses", FieldKind::kInt},
                                                         {"token_no_default_policy", FieldKind::kBool},
                                                         {"token_type", FieldKind::kString}}};

// A role path's typed fields: its own, then the token fields.
template <std::size_t N>
constexpr std::array<Field, N + kTokenFieldTypes.size()> WithTokenFields(const std::array<Field, N>& own) {
  std::array<Field, N + kTokenFieldTypes.size()> all{};
  for (std::size_t i = 0; i < N; ++i) {
    all[i] = own[i];
  }
  for (std::size_t i = 0; i < kTokenFieldTypes.size(); ++i) {
    all[N + i] = kTokenFieldTypes[i];
  }
  return all;
}

// Applies the token fields present in `data` (and their legacy aliases) to
// `fields`. Returns "" or Vault's 400 message.
std::string ParseTokenFields(const nlohmann::json& data, TokenFields& fields);
// The read-back form: token_* keys (+ legacy keys that were used to set them).
nlohmann::json TokenFieldsJson(const TokenFields& fields);
// Storage round trip.
nlohmann::json StoreTokenFields(const TokenFields& fields);
TokenFields LoadTokenFields(const nlohmann::json& stored);

// What an auth method hands to IssueLogin after it accepted the credentials.
struct Login {
  TokenFields fields;
  std::vector<std::string> extra_policies;  // method-specific additions (group maps)
  std::map<std::string, std::string> metadata;
  std::string display;  // method display name ("bob"); prefixed with the mount path
  std::string alias_name;
  std::map<std::string, std::string> alias_metadata;
  std::vector<std::string> group_alias_names;
};

// Creates the login token (orphan, path = request path, entity via the identity
// store) and returns the response with Vault's auth block.
Response IssueLogin(Core& core, const MountEntry& mount, const LogicalRequest& req, Login login);

// The auth block of create/renew/login responses (RUNTIME-API.md §1.3).
nlohmann::json AuthBlock(const std::string& client_token, const TokenEntry& entry,
                         const std::vector<std::string>& identity_policies);

// True when `ip` lies in one of `cidrs` (IPv4 or IPv6 "addr/bits", or a bare address);
// an empty list allows everything; an unknown address is outside every non-empty list.
bool CidrAllows(const std::vector<std::string>& cidrs, const std::string& ip);
// "" when every entry parses as a CIDR block, else the offending entry.
std::string InvalidCidr(const std::vector<std::string>& cidrs);

// Lower-cased, trimmed, deduplicated, sorted policy names; {"root"} if root is among them.
std::vector<std::string> SanitizePolicies(const std::vector<std::string>& names, bool add_default);

// Vault's policyutil.EquivalentPolicies: same sets once "default" is ignored.
bool EquivalentPolicies(const std::vector<std::string>& a, const std::vector<std::string>& b);

// The renewal check shared by role-based methods: the role must still exist and
// grant the token's policies.
Backend::RenewCheck CheckRenewal(bool role_exists, const std::string& role_name, const TokenFields& fields,
                                 const TokenEntry& token, const std::string& mismatch_error);

// A successful check that hands the role's / user's current token TTLs to the renewal.
Backend::RenewCheck RefreshedTtls(const TokenFields& fields);

// The JSON document a method stores under `key` in the barrier (keys start
// with the mount's StoragePrefix()); nullopt when absent.
[[nodiscard]] Expected<std::optional<nlohmann::json>> LoadJson(Barrier& barrier, const std::string& key);
// Stores `value` under `key`: 204 on success, the storage error otherwise.
Response StoreJson(Barrier& barrier, const std::string& key, const nlohmann::json& value);

// "*" matches any run of characters (bound claims, service-account globs, role policy globs).
bool GlobMatch(std::string_view pattern, std::string_view value);

}  // namespace polcheck::runtime
