#include "runtime/auth_common.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

#include "runtime/identity.h"
#include "runtime/leases.h"
#include "runtime/policies.h"
#include "runtime/tokens.h"

namespace polcheck::runtime {
namespace {

using nlohmann::json;

struct DurationField {
  const char* key;
  const char* legacy;  // nullptr: none
  std::int64_t TokenFields::*member;
};

constexpr DurationField kDurations[] = {
    {"token_ttl", "ttl", &TokenFields::ttl},
    {"token_max_ttl", "max_ttl", &TokenFields::max_ttl},
    {"token_period", "period", &TokenFields::period},
    {"token_explicit_max_ttl", nullptr, &TokenFields::explicit_max_ttl},
};

// An address and prefix length; nullopt when `text` is not an IPv4/IPv6 CIDR or address.
struct Block {
  int family = AF_INET;
  unsigned char bytes[16] = {};
  int bits = 0;
};

std::optional<Block> ParseBlock(const std::string& text) {
  Block block;
  const std::size_t slash = text.find('/');
  const std::string address = text.substr(0, slash);
  block.family = address.find(':') != std::string::npos ? AF_INET6 : AF_INET;
  if (inet_pton(block.family, address.c_str(), block.bytes) != 1) {
    return std::nullopt;
  }
  const int max_bits = block.family == AF_INET ? 32 : 128;
  block.bits = max_bits;
  if (slash != std::string::npos) {
    try {
      std::size_t used = 0;
      block.bits = std::stoi(text.substr(slash + 1), &used);
      if (used != text.size() - slash - 1 || block.bits < 0 || block.bits > max_bits) {
        return std::nullopt;
      }
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  return block;
}

bool Contains(const Block& net, const Block& ip) {
  if (net.family != ip.family) {
    return false;
  }
  for (int bit = 0; bit < net.bits; ++bit) {
    const int mask = 0x80 >> (bit % 8);
    if ((net.bytes[bit / 8] & mask) != (ip.bytes[bit / 8] & mask)) {
      return false;
    }
  }
  return true;
}

std::string DisplayPrefix(const MountEntry& mount) {
  std::string prefix = mount.path.substr(5);  // "auth/userpass/" -> "userpass/"
  std::replace(prefix.begin(), prefix.end(), '/', '-');
  return prefix;
}

}  // namespace

std::vector<std::string> SanitizePolicies(const std::vector<std::string>& names, bool add_default) {
  std::set<std::string> set;
  for (const std::string& name : names) {
    std::string n = PolicyStore::NormalizeName(name);
    if (!n.empty()) {
      set.insert(std::move(n));
    }
  }
  if (set.count("root") != 0) {
    return {"root"};
  }
  if (add_default) {
    set.insert("default");
  }
  return {set.begin(), set.end()};
}

bool EquivalentPolicies(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::set<std::string> left = {a.begin(), a.end()};
  std::set<std::string> right = {b.begin(), b.end()};
  left.erase("default");
  right.erase("default");
  return left == right;
}

Expected<std::optional<json>> LoadJson(Barrier& barrier, const std::string& key) {
  Expected<std::optional<std::string>> raw = barrier.Get(key);
  if (!raw) {
    return Unexpected(raw.error());
  }
  return *raw ? std::optional<json>(json::parse(**raw)) : std::optional<json>();
}

Response StoreJson(Barrier& barrier, const std::string& key, const json& value) {
  Expected<void> put = barrier.Put(key, value.dump());
  return put ? Response::NoContent() : Response::FromError(put.error());
}

Backend::RenewCheck CheckRenewal(bool role_exists, const std::string& role_name, const TokenFields& fields,
                                 const TokenEntry& token, const std::string& mismatch_error) {
  if (!role_exists) {
    return {.renew = false, .error = "role " + role_name + " does not exist during renewal"};
  }
  if (!EquivalentPolicies(SanitizePolicies(fields.policies, false), token.policies)) {
    return {.renew = false, .error = mismatch_error};
  }
  return RefreshedTtls(fields);
}

Backend::RenewCheck RefreshedTtls(const TokenFields& fields) {
  return {.refresh = true, .ttl = fields.ttl, .max_ttl = fields.max_ttl, .period = fields.period};
}

bool GlobMatch(std::string_view pattern, std::string_view value) {
  // Iterative wildcard match with backtracking to the last '*'.
  std::size_t p = 0, v = 0, star = std::string_view::npos, mark = 0;
  while (v < value.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = v;
    } else if (p < pattern.size() && pattern[p] == value[v]) {
      ++p;
      ++v;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      v = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') {
    ++p;
  }
  return p == pattern.size();
}

bool CidrAllows(const std::vector<std::string>& cidrs, const std::string& ip) {
  if (cidrs.empty()) {
    return true;
  }
  std::optional<Block> address = ParseBlock(ip);
  if (!address) {
    return false;
  }
  return std::any_of(cidrs.begin(), cidrs.end(), [&](const std::string& cidr) {
    std::optional<Block> net = ParseBlock(cidr);
    return net && Contains(*net, *address);
  });
}

std::string InvalidCidr(const std::vector<std::string>& cidrs) {
  for (const std::string& cidr : cidrs) {
    if (!ParseBlock(cidr)) {
      return cidr;
    }
  }
  return "";
}

std::string ParseTokenFields(const json& data, TokenFields& fields) {
  std::string error;
  for (const DurationField& f : kDurations) {
    const bool modern = data.contains(f.key);
    const char* key = modern || f.legacy == nullptr ? f.key : f.legacy;
    if (!data.contains(key)) {
      continue;
    }
    std::optional<std::int64_t> seconds = DurationSeconds(data, key, error);
    if (!error.empty()) {
      return error;
    }
    if (seconds && *seconds < 0) {
      return std::string("'") + f.key + "' cannot be negative";
    }
    fields.*f.member = seconds.value_or(0);
    if (!modern) {
      fields.via_alias.insert(f.legacy);
    }
  }
  for (const auto& [key, legacy] :
       {std::pair{"token_policies", "policies"}, {"token_bound_cidrs", "bound_cidrs"}}) {
    const bool modern = data.contains(key);
    if (!modern && !data.contains(legacy)) {
      continue;
    }
    std::vector<std::string> list = StringList(data, modern ? key : legacy);
    std::erase_if(list, [](const std::string& s) { return s.empty(); });
    if (std::string_view(key) == "token_policies") {
      fields.policies = std::move(list);
    } else {
      if (std::string bad = InvalidCidr(list); !bad.empty()) {
        return "invalid CIDR \"" + bad + "\"";
      }
      fields.bound_cidrs = std::move(list);
    }
    if (!modern) {
      fields.via_alias.insert(legacy);
    }
  }
  const bool modern_uses = data.contains("token_num_uses");
  if (modern_uses || data.contains("num_uses")) {
    const json& v = data[modern_uses ? "token_num_uses" : "num_uses"];
    fields.num_uses = v.is_number_integer() ? v.get<int>() : 0;  // converted by the core (kTokenFieldTypes)
    if (fields.num_uses < 0) {
      return "'token_num_uses' cannot be negative";
    }
    if (!modern_uses) {
      fields.via_alias.insert("num_uses");
    }
  }
  if (data.contains("token_no_default_policy")) {
    fields.no_default_policy = data.value("token_no_default_policy", false);
  }
  if (data.contains("token_type")) {
    const std::string type = data.value("token_type", "");
    static const char* const kTypes[] = {"default", "service", "batch", "default-service", "default-batch"};
    if (std::none_of(std::begin(kTypes), std::end(kTypes), [&](const char* t) { return type == t; })) {
      return "invalid 'token_type' value \"" + type + "\"";
    }
    fields.type = type;
  }
  if (fields.type == "batch" || fields.type == "default-batch") {  // Vault's tokenutil checks
    if (fields.period != 0) {
      return "'token_type' cannot be 'batch' or 'default_batch' when set to generate periodic tokens";
    }
    if (fields.num_uses != 0) {
      return "'token_type' cannot be 'batch' or 'default_batch' when set to generate tokens with limited use "
             "count";
    }
  }
  if (fields.ttl > 0 && fields.max_ttl > 0 && fields.ttl > fields.max_ttl) {
    return "'token_ttl' cannot be greater than 'token_max_ttl'";
  }
  return "";
}

json TokenFieldsJson(const TokenFields& f) {
  json out = {{"token_policies", f.policies},
              {"token_ttl", f.ttl},
              {"token_max_ttl", f.max_ttl},
              {"token_period", f.period},
              {"token_explicit_max_ttl", f.explicit_max_ttl},
              {"token_num_uses", f.num_uses},
              {"token_no_default_policy", f.no_default_policy},
              {"token_bound_cidrs", f.bound_cidrs},
              {"token_type", f.type}};
  for (const std::string& legacy : f.via_alias) {
    if (legacy == "policies") {
      out["policies"] = f.policies;
    } else if (legacy == "ttl") {
      out["ttl"] = f.ttl;
    } else if (legacy == "max_ttl") {
      out["max_ttl"] = f.max_ttl;
    } else if (legacy == "period") {
      out["period"] = f.period;
    } else if (legacy == "num_uses") {
      out["num_uses"] = f.num_uses;
    } else if (legacy == "bound_cidrs") {
      out["bound_cidrs"] = f.bound_cidrs;
    }
  }
  return out;
}

json StoreTokenFields(const TokenFields& f) {
  json out = TokenFieldsJson(f);
  out["via_alias"] = f.via_alias;
  return out;
}

TokenFields LoadTokenFields(const json& j) {
  TokenFields f;
  f.policies = j.value("token_policies", std::vector<std::string>{});
  f.ttl = j.value("token_ttl", std::int64_t{0});
  f.max_ttl = j.value("token_max_ttl", std::int64_t{0});
  f.period = j.value("token_period", std::int64_t{0});
  f.explicit_max_ttl = j.value("token_explicit_max_ttl", std::int64_t{0});
  f.num_uses = j.value("token_num_uses", 0);
  f.no_default_policy = j.value("token_no_default_policy", false);
  f.bound_cidrs = j.value("token_bound_cidrs", std::vector<std::string>{});
  f.type = j.value("token_type", "default");
  f.via_alias = j.value("via_alias", std::set<std::string>{});
  return f;
}

json AuthBlock(const std::string& client_token, const TokenEntry& e,
               const std::vector<std::string>& identity_policies) {
  std::set<std::string> all(e.policies.begin(), e.policies.end());
  all.insert(identity_policies.begin(), identity_policies.end());
  json auth = {
      {"client_token", client_token},
      {"accessor", e.accessor},
      {"policies", std::vector<std::string>(all.begin(), all.end())},
      {"token_policies", e.policies},
      {"identity_policies", identity_policies},
      {"metadata", e.meta.empty() ? json(nullptr) : json(e.meta)},
      {"lease_duration", e.expire_time == 0 ? 0 : e.expire_time - std::max(e.creation_time, e.last_renewal)},
      {"renewable", e.renewable && e.expire_time != 0},
      {"entity_id", e.entity_id},
      {"token_type", e.batch ? "batch" : "service"},
      {"orphan", e.orphan},
      {"mfa_requirement", nullptr},
      {"num_uses", e.num_uses}};
  if (e.policies.empty()) {
    auth.erase("token_policies");
  }
  if (identity_policies.empty()) {
    auth.erase("identity_policies");
  }
  return auth;
}

namespace {

// Vault's router: a mount tuned to service/batch forces the type; otherwise the
// role's / user's token_type decides, its "default" following the mount's default.
bool IssuesBatch(const std::string& mount_type, const std::string& role_type) {
  if (mount_type == "service" || mount_type == "batch") {
    return mount_type == "batch";
  }
  if (mount_type == "default-batch") {
    return role_type == "default" || role_type == "default-batch" || role_type == "batch";
  }
  return role_type == "batch" || role_type == "default-batch";
}

}  // namespace

Response IssueLogin(Core& core, const MountEntry& mount, const LogicalRequest& req, Login login) {
  const TokenFields& f = login.fields;
  std::vector<std::string> requested = f.policies;
  requested.insert(requested.end(), login.extra_policies.begin(), login.extra_policies.end());
  std::vector<std::string> policies = SanitizePolicies(requested, !f.no_default_policy);
  if (policies == std::vector<std::string>{"root"}) {
    return Response::Error(400, "auth methods cannot create root tokens");
  }
  if (!CidrAllows(f.bound_cidrs, req.remote_address)) {
    return Response::Error(403, "permission denied");
  }
  Expected<std::string> entity = core.identity().Login({.mount_accessor = mount.accessor,
                                                        .mount_path = mount.path,
                                                        .mount_type = mount.type,
                                                        .alias_name = login.alias_name,
                                                        .alias_metadata = login.alias_metadata,
                                                        .group_alias_names = login.group_alias_names});
  if (!entity) {
    return Response::FromError(entity.error());
  }
  Expected<ResolvedIdentity> who = core.identity().Resolve(*entity);
  if (!who) {
    return Response::FromError(who.error());
  }
  if (who->disabled) {
    return Response::Error(403, "permission denied");
  }
  TokenEntry entry;
  entry.policies = std::move(policies);
  entry.meta = std::move(login.metadata);
  entry.path = req.mount + req.path;
  std::string display = DisplayPrefix(mount) + login.display;
  while (display.ends_with("-")) {
    display.pop_back();
  }
  entry.display_name = display;
  entry.orphan = true;
  entry.renewable = true;
  entry.num_uses = f.num_uses;
  entry.entity_id = *entity;
  entry.period = f.period;
  entry.ttl = f.ttl;
  entry.max_ttl = f.max_ttl;
  entry.explicit_max_ttl = f.explicit_max_ttl;
  entry.bound_cidrs = f.bound_cidrs;
  // TTL: role/user TTL else mount default, capped by role max, explicit max, mount max and system max.
  std::vector<std::string> warnings;
  std::int64_t max = mount.max_lease_ttl > 0 ? mount.max_lease_ttl : kSystemMaxTtl;
  if (f.max_ttl > 0) {
    max = std::min(max, f.max_ttl);
  }
  if (f.explicit_max_ttl > 0) {
    max = std::min(max, f.explicit_max_ttl);
  }
  std::int64_t ttl = f.ttl > 0                     ? f.ttl
                     : mount.default_lease_ttl > 0 ? mount.default_lease_ttl
                                                   : kSystemMaxTtl;
  if (f.period > 0) {
    ttl = f.period;
    max = f.explicit_max_ttl > 0 ? f.explicit_max_ttl : f.period;
  }
  if (ttl > max) {
    warnings.push_back("TTL of \"" + std::to_string(ttl) + "s\" exceeded the effective max_ttl of \"" +
                       std::to_string(max) + "s\"; TTL value is capped accordingly");
    ttl = max;
  }
  entry.creation_time = core.clock().NowSeconds();
  entry.creation_ttl = ttl;
  entry.expire_time = entry.creation_time + ttl;
  const bool batch = IssuesBatch(mount.token_type, f.type);
  Expected<CreatedToken> created =
      batch ? core.tokens().CreateBatch(std::move(entry)) : core.tokens().Create(std::move(entry), "");
  if (!created) {
    return Response::FromError(created.error());
  }
  Response r;
  r.auth = std::make_shared<const json>(AuthBlock(created->id, created->entry, who->policies));
  r.warnings = std::move(warnings);
  return r;
}

}  // namespace polcheck::runtime
