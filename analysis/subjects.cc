// Who holds which policies: roles, users, GitHub maps, token roles, identity
// entities and groups, and concrete logins matched against every role's bound
// fields (SEMANTICS.md §9).
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <set>

#include "analysis/analysis.h"
#include "base/io.h"

namespace polcheck::analysis {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string HexTag(std::string_view text) {
  std::uint32_t h = 2166136261u;
  for (unsigned char c : text) {
    h = (h ^ c) * 16777619u;
  }
  return fmt::format("{:08x}", h);
}

std::string Quoted(const std::vector<std::string>& items) {
  std::string out = "[";
  for (const std::string& s : items) {
    out += (out.size() > 1 ? ", \"" : "\"") + s + "\"";
  }
  return out + "]";
}

std::string JoinNames(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) {
    out += (out.empty() ? "" : ", ") + s;
  }
  return out.empty() ? "(none)" : out;
}

std::vector<std::string> Concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::string RoleLabel(const AuthMount& mount, const Role& role) {
  return fmt::format("auth/{}/{}/{}", mount.path, mount.type == AuthType::kUserpass ? "users" : "role", role.name);
}

// Token policies of a login or role: sanitize(policies, !token_no_default_policy) (§9.0 step 2).
void SetTokenPolicies(Subject& s, const std::vector<std::string>& raw, bool no_default, std::string_view from) {
  s.token_policies = SanitizePolicies(raw, !no_default);
  s.policies = s.token_policies;
  s.chain.push_back(fmt::format("token policies: {} ({} {}{})", JoinNames(s.token_policies), from, Quoted(raw),
                                no_default ? "; token_no_default_policy: no `default`" : "; `default` added"));
  if (s.token_policies.size() == 1 && s.token_policies.front() == "root") {
    s.login_error = "auth methods cannot create root tokens";
    s.chain.push_back("login refused: auth methods cannot create root tokens");
  }
}

// The groups `entity_ref` (id or name) belongs to directly, the external
// groups its login's group aliases name, and every ancestor (§9.0 step 3).
std::vector<const IdentityGroup*> GroupsOf(const Bindings& b, const IdentityEntity* entity, const AuthMount* mount,
                                           const std::vector<std::string>& group_aliases,
                                           std::vector<std::string>& chain) {
  std::vector<const IdentityGroup*> out;
  std::set<std::string> seen;
  auto add = [&](const IdentityGroup& g, const std::string& why) {
    if (seen.insert(g.id).second) {
      out.push_back(&g);
      chain.push_back(fmt::format("group: {} ({})", g.name, why));
    }
  };
  for (const IdentityGroup& g : b.groups) {
    if (entity != nullptr && !g.external) {
      for (const std::string& m : g.member_entity_ids) {
        if (m == entity->id || m == entity->name) {
          add(g, fmt::format("internal; member_entity_ids lists \"{}\"", m));
        }
      }
    }
    if (mount != nullptr && g.external) {
      for (const GroupAlias& a : g.aliases) {
        const bool on_mount = a.mount == mount->path || a.mount_accessor == mount->accessor;
        if (on_mount && std::find(group_aliases.begin(), group_aliases.end(), a.name) != group_aliases.end()) {
          add(g, fmt::format("external; group alias \"{}\" on auth/{} from the login", a.name, mount->path));
        }
      }
    }
  }
  // Parents: a group whose member_group_ids names a group we are in.
  for (std::size_t i = 0; i < out.size(); ++i) {
    const IdentityGroup* child = out[i];
    for (const IdentityGroup& g : b.groups) {
      for (const std::string& m : g.member_group_ids) {
        if (m == child->id || m == child->name) {
          add(g, fmt::format("inherited; member_group_ids of \"{}\" lists \"{}\"", g.name, child->name));
        }
      }
    }
  }
  return out;
}

evaluator::Group ToEvaluatorGroup(const IdentityGroup& g) {
  return evaluator::Group{.id = g.id, .name = g.name, .metadata = g.metadata, .namespace_path = {}};
}

evaluator::Entity ToEvaluatorEntity(const Bindings& b, const IdentityEntity& e) {
  evaluator::Entity out{.id = e.id, .name = e.name, .metadata = e.metadata, .aliases = {}};
  for (const EntityAlias& a : e.aliases) {
    std::string accessor = a.mount_accessor;
    if (accessor.empty()) {
      if (const AuthMount* m = b.FindMount(a.mount)) {
        accessor = m->accessor;
      }
    }
    out.aliases.push_back(evaluator::Alias{.id = a.id.empty() ? "alias-" + HexTag(accessor + "/" + a.name) : a.id,
                                           .name = a.name,
                                           .mount_accessor = accessor,
                                           .metadata = a.metadata,
                                           .custom_metadata = a.custom_metadata});
  }
  return out;
}

// Identity policies and the template identity for `entity` (may be null) and groups.
void SetIdentity(Subject& s, const IdentityEntity* entity, std::optional<evaluator::Entity> ev_entity,
                 const std::vector<const IdentityGroup*>& groups) {
  std::vector<std::string> raw;
  if (entity != nullptr) {
    raw = entity->policies;
    s.entity_disabled = entity->disabled;
  }
  evaluator::Identity identity;
  identity.entity = std::move(ev_entity);
  for (const IdentityGroup* g : groups) {
    raw = Concat(std::move(raw), g->policies);
    identity.groups.push_back(ToEvaluatorGroup(*g));
  }
  s.identity = std::move(identity);
  s.identity_policies = SanitizePolicies(raw, false);
  s.chain.push_back(fmt::format("identity policies: {}", JoinNames(s.identity_policies)));
  s.policies = SanitizePolicies(Concat(s.token_policies, s.identity_policies), false);
  if (s.policies.size() == 1 && s.policies.front() == "root" && s.login_error.empty()) {
    s.login_error = "auth methods cannot create root tokens";
  }
  if (s.entity_disabled) {
    s.chain.push_back("entity is disabled: Vault denies every request");
  }
}

struct LoginAlias {
  std::string name;  // empty when polcheck cannot know it (e.g. a service account UID)
  std::map<std::string, std::string> metadata;
  std::string unknown_note;  // why the name is unknown
};

// Completes a login through `role` on `mount`: entity, groups, policies (§9.0).
Subject FinishLogin(const Workspace& ws, const AuthMount& mount, std::string name, std::string label, Span span,
                    const std::vector<std::string>& raw_policies, bool no_default, const LoginAlias& alias,
                    const std::vector<std::string>& group_aliases, std::vector<std::string> chain) {
  Subject s;
  s.kind = SubjectKind::kLogin;
  s.auth_type = mount.type;
  s.mount = mount.path;
  s.name = std::move(name);
  s.label = std::move(label);
  s.span = span;
  s.chain = std::move(chain);
  SetTokenPolicies(s, raw_policies, no_default, "token_policies");
  const Bindings& b = ws.bindings;
  const IdentityEntity* entity = nullptr;
  if (!alias.name.empty()) {
    for (const IdentityEntity& e : b.entities) {
      for (const EntityAlias& a : e.aliases) {
        if ((a.mount == mount.path || a.mount_accessor == mount.accessor) && a.name == alias.name) {
          entity = &e;
        }
      }
    }
  }
  evaluator::Entity ev;
  if (entity != nullptr) {
    s.chain.push_back(fmt::format("entity: {} (its alias \"{}\" on auth/{})", entity->name, alias.name, mount.path));
    ev = ToEvaluatorEntity(b, *entity);
  } else {
    const std::string tag = HexTag(mount.accessor + "/" + alias.name);
    ev.id = "entity-" + tag;
    ev.name = "entity_" + tag;
    s.chain.push_back(
        alias.name.empty()
            ? fmt::format("entity: {} (generated by Vault at first login; alias name unknown: {})", ev.name,
                          alias.unknown_note)
            : fmt::format("entity: {} (generated by Vault at first login; no entity in bindings has alias \"{}\" "
                          "on auth/{})",
                          ev.name, alias.name, mount.path));
  }
  const bool has_alias = std::any_of(ev.aliases.begin(), ev.aliases.end(),
                                     [&](const evaluator::Alias& a) { return a.mount_accessor == mount.accessor; });
  if (!has_alias && !alias.name.empty()) {
    ev.aliases.push_back(evaluator::Alias{.id = "alias-" + HexTag(mount.accessor + "/" + alias.name),
                                          .name = alias.name,
                                          .mount_accessor = mount.accessor,
                                          .metadata = alias.metadata,
                                          .custom_metadata = {}});
  } else if (has_alias) {
    for (evaluator::Alias& a : ev.aliases) {
      if (a.mount_accessor == mount.accessor) {
        for (const auto& [k, v] : alias.metadata) {
          a.metadata[k] = v;  // the login refreshes alias metadata
        }
      }
    }
  }
  const std::vector<const IdentityGroup*> groups = GroupsOf(b, entity, &mount, group_aliases, s.chain);
  SetIdentity(s, entity, std::move(ev), groups);
  return s;
}

Subject RoleSubject(const AuthMount& mount, const Role& role) {
  Subject s;
  s.kind = mount.type == AuthType::kUserpass ? SubjectKind::kUser : SubjectKind::kRole;
  s.auth_type = mount.type;
  s.mount = mount.path;
  s.name = role.name;
  s.label = RoleLabel(mount, role);
  s.span = role.name_span;
  s.chain.push_back(fmt::format("{} ({} auth method); identity policies not included: they depend on who logs in",
                                s.label, mount.type_name));
  SetTokenPolicies(s, RolePolicies(role.fields), role.fields.Bool("token_no_default_policy", false),
                   role.fields.Has("token_policies") ? "token_policies" : "policies");
  return s;
}

Subject TokenRoleSubject(const TokenRole& role) {
  Subject s;
  s.kind = SubjectKind::kTokenRole;
  s.mount = "token";
  s.name = role.name;
  s.label = "auth/token/roles/" + role.name;
  s.span = role.name_span;
  s.chain.push_back(fmt::format("{}: a token created against the role without naming policies", s.label));
  std::vector<std::string> allowed = role.fields.List("allowed_policies");
  const std::vector<std::string> disallowed = SanitizePolicies(role.fields.List("disallowed_policies"), false);
  const bool no_default = role.fields.Bool("token_no_default_policy", false) ||
                          std::find(disallowed.begin(), disallowed.end(), "default") != disallowed.end();
  if (allowed.empty()) {
    s.chain.push_back("allowed_policies is empty: the token inherits its creator's policies, which polcheck "
                      "cannot know; only `default` is assumed");
  }
  SetTokenPolicies(s, allowed, no_default, "allowed_policies");
  return s;
}

Subject EntitySubject(const Workspace& ws, const IdentityEntity& e) {
  Subject s;
  s.kind = SubjectKind::kEntity;
  s.name = e.name;
  s.label = "identity/entity/name/" + e.name;
  s.span = e.span;
  s.chain.push_back(fmt::format("{}: identity policies only (token policies depend on the login)", s.label));
  const std::vector<const IdentityGroup*> groups = GroupsOf(ws.bindings, &e, nullptr, {}, s.chain);
  SetIdentity(s, &e, ToEvaluatorEntity(ws.bindings, e), groups);
  return s;
}

Subject GroupSubject(const Workspace& ws, const IdentityGroup& g) {
  Subject s;
  s.kind = SubjectKind::kGroup;
  s.name = g.name;
  s.label = "identity/group/name/" + g.name;
  s.span = g.span;
  s.chain.push_back(fmt::format("{}: what every member gets from the group and its parents", s.label));
  std::vector<const IdentityGroup*> groups = {&g};
  s.chain.push_back(fmt::format("group: {} ({})", g.name, g.external ? "external" : "internal"));
  std::set<std::string> seen = {g.id};
  for (std::size_t i = 0; i < groups.size(); ++i) {
    for (const IdentityGroup& parent : ws.bindings.groups) {
      for (const std::string& m : parent.member_group_ids) {
        if ((m == groups[i]->id || m == groups[i]->name) && seen.insert(parent.id).second) {
          groups.push_back(&parent);
          s.chain.push_back(fmt::format("group: {} (inherited; member_group_ids lists \"{}\")", parent.name, m));
        }
      }
    }
  }
  SetIdentity(s, nullptr, std::nullopt, groups);
  return s;
}

Subject GithubSubject(const AuthMount& mount, SubjectKind kind, const std::string& key,
                      const std::vector<std::string>& mapped) {
  Subject s;
  s.kind = kind;
  s.auth_type = AuthType::kGithub;
  s.mount = mount.path;
  s.name = key;
  const bool team = kind == SubjectKind::kGithubTeam;
  s.label = fmt::format("auth/{}/map/{}/{}", mount.path, team ? "teams" : "users", key);
  s.span = team ? mount.github.team_spans.at(key) : mount.github.user_spans.at(key);
  s.chain.push_back(fmt::format("{}: config token_policies {} + mapped {}", s.label,
                                Quoted(RolePolicies(mount.github.fields)), Quoted(mapped)));
  SetTokenPolicies(s, Concat(RolePolicies(mount.github.fields), mapped),
                   mount.github.fields.Bool("token_no_default_policy", false), "github config + map");
  return s;
}

// ---- concrete logins --------------------------------------------------------

bool AnyGlobbed(const std::vector<std::string>& items, std::string_view value) {
  return std::any_of(items.begin(), items.end(), [&](const std::string& i) { return GlobbedStringsMatch(i, value); });
}

std::vector<Subject> KubernetesLogins(const Workspace& ws, std::string_view arg) {
  std::vector<Subject> out;
  const std::size_t slash = arg.find('/');
  const std::string ns(arg.substr(0, slash));
  const std::string sa(arg.substr(slash + 1));
  for (const AuthMount& m : ws.bindings.mounts) {
    if (m.type != AuthType::kKubernetes) {
      continue;
    }
    for (const Role& r : m.roles) {
      const std::vector<std::string> names = r.fields.List("bound_service_account_names");
      const std::vector<std::string> namespaces = r.fields.List("bound_service_account_namespaces");
      const bool any_name = names.size() == 1 && names.front() == "*";
      const bool any_ns = namespaces.size() == 1 && namespaces.front() == "*";
      if (!(any_name || AnyGlobbed(names, sa)) || !(any_ns || AnyGlobbed(namespaces, ns))) {
        continue;  // 403 service account name / namespace not authorized
      }
      std::vector<std::string> chain = {
          fmt::format("login: kubernetes service account \"{}\" in namespace \"{}\"", sa, ns),
          fmt::format("{}: bound_service_account_names {} matches \"{}\"; bound_service_account_namespaces {} "
                      "matches \"{}\"",
                      RoleLabel(m, r), Quoted(names), sa, Quoted(namespaces), ns)};
      LoginAlias alias;
      alias.metadata = {{"service_account_name", sa}, {"service_account_namespace", ns}};
      if (r.fields.String("alias_name_source", "serviceaccount_uid") == "serviceaccount_name") {
        alias.name = ns + "/" + sa;
      } else {
        alias.unknown_note = "alias_name_source serviceaccount_uid names the alias by the service account's UID";
      }
      out.push_back(FinishLogin(ws, m, r.name, RoleLabel(m, r), r.name_span, RolePolicies(r.fields),
                                r.fields.Bool("token_no_default_policy", false), alias, {}, std::move(chain)));
    }
  }
  return out;
}

struct Arn {
  std::string partition, account, kind, name, full, canonical;
};

std::optional<Arn> ParseArn(std::string_view text) {
  // arn:PARTITION:SERVICE::ACCOUNT:RESOURCE
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (int i = 0; i < 5; ++i) {
    const std::size_t colon = text.find(':', start);
    if (colon == std::string_view::npos) {
      return std::nullopt;
    }
    parts.emplace_back(text.substr(start, colon - start));
    start = colon + 1;
  }
  const std::string resource(text.substr(start));
  if (parts[0] != "arn" || (parts[2] != "iam" && parts[2] != "sts")) {
    return std::nullopt;
  }
  Arn arn{.partition = parts[1], .account = parts[4], .kind = {}, .name = {}, .full = std::string(text),
          .canonical = {}};
  const std::size_t first = resource.find('/');
  const std::size_t last = resource.rfind('/');
  if (first == std::string::npos) {
    return std::nullopt;
  }
  arn.kind = resource.substr(0, first);
  if (arn.kind == "assumed-role") {
    // assumed-role/NAME/SESSION -> role/NAME; the role's path is unknown here.
    const std::size_t second = resource.find('/', first + 1);
    arn.name = resource.substr(first + 1, second == std::string::npos ? std::string::npos : second - first - 1);
    arn.kind = "role";
    arn.full = fmt::format("arn:{}:iam::{}:role/{}", arn.partition, arn.account, arn.name);
  } else if (arn.kind == "role" || arn.kind == "user") {
    arn.name = resource.substr(last + 1);
  } else {
    return std::nullopt;
  }
  arn.canonical = fmt::format("arn:{}:iam::{}:{}/{}", arn.partition, arn.account, arn.kind, arn.name);
  return arn;
}

std::vector<Subject> AwsLogins(const Workspace& ws, const Arn& arn) {
  std::vector<Subject> out;
  for (const AuthMount& m : ws.bindings.mounts) {
    if (m.type != AuthType::kAws) {
      continue;
    }
    for (const Role& r : m.roles) {
      if (r.fields.String("auth_type", "iam") != "iam" || !r.fields.String("inferred_entity_type").empty()) {
        continue;  // ec2 logins and EC2 inference need instance attributes polcheck does not have
      }
      const bool resolve = r.fields.Bool("resolve_aws_unique_ids", true);
      std::string why;
      for (const std::string& entry : r.fields.List("bound_iam_principal_arn")) {
        if (entry.size() > 1 && entry.back() == '*') {
          if (arn.full.rfind(entry.substr(0, entry.size() - 1), 0) == 0) {
            why = fmt::format("wildcard \"{}\" matches the full ARN \"{}\"", entry, arn.full);
          }
        } else if (resolve) {
          std::optional<Arn> bound = ParseArn(entry);
          if (bound && bound->canonical == arn.canonical) {
            why = fmt::format("\"{}\" resolves to the same principal (unique id) as \"{}\"", entry, arn.canonical);
          }
        } else if (entry == arn.canonical) {
          why = fmt::format("\"{}\" equals the canonical ARN", entry);
        }
        if (!why.empty()) {
          break;
        }
      }
      if (why.empty()) {
        continue;
      }
      std::vector<std::string> chain = {fmt::format("login: AWS IAM principal \"{}\" (canonical \"{}\")",
                                                    std::string(arn.full), arn.canonical),
                                        fmt::format("{}: bound_iam_principal_arn {}", RoleLabel(m, r), why)};
      LoginAlias alias;
      alias.metadata = {{"account_id", arn.account},
                        {"auth_type", "iam"},
                        {"canonical_arn", arn.canonical},
                        {"client_arn", arn.full}};
      alias.name = r.fields.String("role_id");
      alias.unknown_note = "iam_alias role_id names the alias by the role's generated role_id";
      out.push_back(FinishLogin(ws, m, r.name, RoleLabel(m, r), r.name_span, RolePolicies(r.fields),
                                r.fields.Bool("token_no_default_policy", false), alias, {}, std::move(chain)));
    }
  }
  return out;
}

// Claim lookup: a key, or a JSON pointer when it starts with '/'.
const nlohmann::json* Claim(const nlohmann::json& claims, const std::string& key) {
  if (!key.empty() && key.front() == '/') {
    try {
      const nlohmann::json::json_pointer ptr(key);
      return claims.contains(ptr) ? &claims.at(ptr) : nullptr;
    } catch (const nlohmann::json::exception&) {
      return nullptr;
    }
  }
  auto it = claims.find(key);
  return it == claims.end() ? nullptr : &*it;
}

std::vector<std::string> ClaimStrings(const nlohmann::json& value) {
  std::vector<std::string> out;
  auto one = [&](const nlohmann::json& v) {
    if (v.is_string()) {
      out.push_back(v.get<std::string>());
    } else if (v.is_number() || v.is_boolean()) {
      out.push_back(v.dump());
    }
  };
  if (value.is_array()) {
    for (const nlohmann::json& v : value) {
      one(v);
    }
  } else {
    one(value);
  }
  return out;
}

// Returns "" when `role` accepts the claims, else why not (Vault's error text).
std::string JwtRefusal(const Role& r, const nlohmann::json& claims, std::vector<std::string>& why) {
  const Fields& f = r.fields;
  const bool jwt_role = f.String("role_type", "oidc") == "jwt";
  const std::vector<std::string> audiences = f.List("bound_audiences");
  const nlohmann::json* aud = Claim(claims, "aud");
  if (!audiences.empty()) {
    const std::vector<std::string> got = aud != nullptr ? ClaimStrings(*aud) : std::vector<std::string>{};
    if (std::none_of(got.begin(), got.end(), [&](const std::string& a) {
          return std::find(audiences.begin(), audiences.end(), a) != audiences.end();
        })) {
      return "aud claim does not match any bound audience";
    }
    why.push_back(fmt::format("bound_audiences {} matches aud", Quoted(audiences)));
  } else if (jwt_role && aud != nullptr) {
    return "audience claim found in JWT but no audiences bound to the role";
  }
  if (const std::string subject = f.String("bound_subject"); !subject.empty()) {
    const nlohmann::json* sub = Claim(claims, "sub");
    if (sub == nullptr || !sub->is_string() || sub->get<std::string>() != subject) {
      return "sub claim does not match bound subject";
    }
    why.push_back(fmt::format("bound_subject \"{}\" equals sub", subject));
  }
  const bool glob = f.String("bound_claims_type", "string") == "glob";
  if (const auto* bound = f.Map("bound_claims")) {
    for (const auto& [key, expected] : *bound) {
      const nlohmann::json* got = Claim(claims, key);
      if (got == nullptr) {
        return fmt::format("claim \"{}\" is missing", key);
      }
      const std::vector<std::string> values = ClaimStrings(*got);
      const bool ok = std::any_of(values.begin(), values.end(), [&](const std::string& v) {
        return std::any_of(expected.begin(), expected.end(),
                           [&](const std::string& e) { return glob ? GlobMatch(e, v) : e == v; });
      });
      if (!ok) {
        return fmt::format("claim \"{}\" does not match any associated bound claim values", key);
      }
      why.push_back(fmt::format("bound_claims \"{}\" {} ({}) matches {}", key, Quoted(expected),
                                glob ? "glob" : "string", Quoted(values)));
    }
  }
  const std::string user_claim = f.String("user_claim");
  const nlohmann::json* user = Claim(claims, user_claim);
  if (user == nullptr) {
    return fmt::format("claim \"{}\" not found in token", user_claim);
  }
  if (!user->is_string()) {
    return fmt::format("claim \"{}\" could not be converted to string", user_claim);
  }
  if (const std::string groups_claim = f.String("groups_claim"); !groups_claim.empty()) {
    if (Claim(claims, groups_claim) == nullptr) {
      return fmt::format("\"{}\" claim not found in token", groups_claim);
    }
  }
  return "";
}

Expected<std::vector<Subject>> JwtLogins(const Workspace& ws, const std::string& file) {
  Expected<std::string> text = ReadFile(file);
  if (!text) {
    return Unexpected(text.error());
  }
  nlohmann::json claims;
  try {
    claims = nlohmann::json::parse(*text);
  } catch (const nlohmann::json::exception& e) {
    return Unexpected(Error::Code::kInvalidArgument, fmt::format("{}: not JSON claims: {}", file, e.what()));
  }
  if (!claims.is_object()) {
    return Unexpected(Error::Code::kInvalidArgument, fmt::format("{}: claims must be a JSON object", file));
  }
  std::vector<Subject> out;
  for (const AuthMount& m : ws.bindings.mounts) {
    if (m.type != AuthType::kJwt) {
      continue;
    }
    for (const Role& r : m.roles) {
      std::vector<std::string> why;
      if (!JwtRefusal(r, claims, why).empty()) {
        continue;
      }
      const Fields& f = r.fields;
      const bool oidc = f.String("role_type", "oidc") == "oidc";
      std::vector<std::string> chain = {
          fmt::format("login: {} with the claims in {}", oidc ? "OIDC (browser) flow" : "JWT", file),
          fmt::format("{}: {}", RoleLabel(m, r), why.empty() ? std::string("no bound claims") : JoinNames(why))};
      LoginAlias alias;
      alias.name = Claim(claims, f.String("user_claim"))->get<std::string>();
      alias.metadata["role"] = r.name;
      if (const auto* mappings = f.Map("claim_mappings")) {
        for (const auto& [claim, target] : *mappings) {
          if (const nlohmann::json* v = Claim(claims, claim); v != nullptr && !target.empty()) {
            const std::vector<std::string> values = ClaimStrings(*v);
            if (!values.empty()) {
              alias.metadata[target.front()] = values.front();
            }
          }
        }
      }
      std::vector<std::string> group_aliases;
      if (const std::string gc = f.String("groups_claim"); !gc.empty()) {
        for (const std::string& g : ClaimStrings(*Claim(claims, gc))) {
          if (!g.empty()) {
            group_aliases.push_back(g);
          }
        }
        chain.push_back(fmt::format("groups_claim \"{}\" -> group aliases {}", gc, Quoted(group_aliases)));
      }
      out.push_back(FinishLogin(ws, m, r.name, RoleLabel(m, r), r.name_span, RolePolicies(f),
                                f.Bool("token_no_default_policy", false), alias, group_aliases, std::move(chain)));
    }
  }
  return out;
}

// A userpass or approle login through `r`: the identity is fixed by the
// user name / role_id, so entity and groups are known.
Subject FixedIdentityLogin(const Workspace& ws, const AuthMount& m, const Role& r) {
  LoginAlias alias;
  std::vector<std::string> chain;
  if (m.type == AuthType::kUserpass) {
    alias.name = r.name;  // the lower-cased username
    chain.push_back(fmt::format("login: userpass user \"{}\" on auth/{}", r.name, m.path));
  } else {
    alias.name = r.fields.String("role_id");
    alias.unknown_note = "the alias is named by the role's generated role_id";
    alias.metadata["role_name"] = r.name;
    chain.push_back(fmt::format("login: approle \"{}\" on auth/{} (role_id + secret_id)", r.name, m.path));
  }
  Subject s = FinishLogin(ws, m, r.name, RoleLabel(m, r), r.name_span, RolePolicies(r.fields),
                          r.fields.Bool("token_no_default_policy", false), alias, {}, std::move(chain));
  s.kind = m.type == AuthType::kUserpass ? SubjectKind::kUser : SubjectKind::kRole;
  return s;
}

std::vector<Subject> NamedLogins(const Workspace& ws, AuthType type, const std::string& name) {
  std::vector<Subject> out;
  for (const AuthMount& m : ws.bindings.mounts) {
    if (m.type != type) {
      continue;
    }
    for (const Role& r : m.roles) {
      if (r.name == name) {
        out.push_back(FixedIdentityLogin(ws, m, r));
      }
    }
  }
  return out;
}

// GitHub's team slug: lower-case, every run of other characters becomes '-'.
std::string TeamSlug(std::string_view team) {
  std::string out;
  for (unsigned char c : team) {
    if (std::isalnum(c) != 0 || c == '_' || c == '-' || c == '.') {
      out += static_cast<char>(std::tolower(c));
    } else if (out.empty() || out.back() != '-') {
      out += '-';
    }
  }
  return out;
}

std::vector<Subject> GithubLogins(const Workspace& ws, std::string_view arg) {
  // ORG/TEAM[,TEAM][@LOGIN]
  std::string login;
  if (const std::size_t at = arg.find('@'); at != std::string_view::npos) {
    login = Lower(arg.substr(at + 1));
    arg = arg.substr(0, at);
  }
  const std::size_t slash = arg.find('/');
  const std::string org(arg.substr(0, slash));
  std::vector<std::string> teams;
  if (slash != std::string_view::npos) {
    std::string_view rest = arg.substr(slash + 1);
    while (!rest.empty()) {
      const std::size_t comma = rest.find(',');
      teams.emplace_back(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
  }
  std::vector<Subject> out;
  for (const AuthMount& m : ws.bindings.mounts) {
    if (m.type != AuthType::kGithub || Lower(m.github.fields.String("organization")) != Lower(org)) {
      continue;  // user is not part of required org
    }
    std::vector<std::string> policies = RolePolicies(m.github.fields);
    std::vector<std::string> chain = {fmt::format("login: GitHub member of \"{}\" in teams {}{}", org, Quoted(teams),
                                                  login.empty() ? "" : " as \"" + login + "\""),
                                      fmt::format("auth/{}/config: organization \"{}\", token_policies {}", m.path,
                                                  m.github.fields.String("organization"), Quoted(policies))};
    std::vector<std::string> group_aliases;
    for (const std::string& team : teams) {
      group_aliases.push_back(team);
      if (TeamSlug(team) != team) {
        group_aliases.push_back(TeamSlug(team));
      }
      for (const std::string& key : {Lower(team), TeamSlug(team)}) {
        if (auto it = m.github.teams.find(key); it != m.github.teams.end()) {
          chain.push_back(fmt::format("auth/{}/map/teams/{}: {}", m.path, key, Quoted(it->second)));
          policies = Concat(std::move(policies), it->second);
          break;
        }
      }
    }
    if (auto it = m.github.users.find(login); !login.empty() && it != m.github.users.end()) {
      chain.push_back(fmt::format("auth/{}/map/users/{}: {}", m.path, login, Quoted(it->second)));
      policies = Concat(std::move(policies), it->second);
    }
    LoginAlias alias;
    alias.name = login;
    alias.unknown_note = "the alias is the GitHub login; add @LOGIN to the spec";
    alias.metadata = {{"org", org}, {"username", login}};
    out.push_back(FinishLogin(ws, m, org, fmt::format("auth/{}/login", m.path), m.span, policies,
                              m.github.fields.Bool("token_no_default_policy", false), alias, group_aliases,
                              std::move(chain)));
  }
  return out;
}

// Userpass users and approle roles log in as one fixed identity; other roles
// admit many, so only their token policies are known.
Subject SubjectFor(const Workspace& ws, const AuthMount& m, const Role& r) {
  if (m.type == AuthType::kUserpass || m.type == AuthType::kAppRole) {
    return FixedIdentityLogin(ws, m, r);
  }
  return RoleSubject(m, r);
}

}  // namespace

std::string_view SubjectKindName(SubjectKind kind) {
  switch (kind) {
    case SubjectKind::kRole:
      return "role";
    case SubjectKind::kUser:
      return "user";
    case SubjectKind::kGithubTeam:
      return "github-team";
    case SubjectKind::kGithubUser:
      return "github-user";
    case SubjectKind::kTokenRole:
      return "token-role";
    case SubjectKind::kEntity:
      return "entity";
    case SubjectKind::kGroup:
      return "group";
    case SubjectKind::kToken:
      return "token";
    case SubjectKind::kLogin:
      return "login";
  }
  return "role";
}

std::vector<Subject> SubjectsForRole(const Workspace& ws, std::string_view name, std::string_view mount) {
  std::vector<Subject> out;
  for (const AuthMount& m : ws.bindings.mounts) {
    if (!mount.empty() && m.path != mount) {
      continue;
    }
    for (const Role& r : m.roles) {
      const bool lowered = m.type == AuthType::kAws || m.type == AuthType::kUserpass;
      if (r.name == (lowered ? Lower(name) : std::string(name))) {
        out.push_back(SubjectFor(ws, m, r));
      }
    }
  }
  if (mount.empty() || mount == "token") {
    for (const TokenRole& t : ws.bindings.token_roles) {
      if (t.name == name) {
        out.push_back(TokenRoleSubject(t));
      }
    }
  }
  return out;
}

Expected<std::vector<Subject>> SubjectsForIdentity(const Workspace& ws, std::string_view spec) {
  const std::size_t colon = spec.find(':');
  if (colon == std::string_view::npos || colon + 1 == spec.size()) {
    return Unexpected(Error::Code::kInvalidArgument,
                      fmt::format("--identity \"{}\": expected METHOD:VALUE (kubernetes:NS/SA, aws:ARN, "
                                  "jwt:CLAIMS.json, userpass:NAME, approle:ROLE, github:ORG/TEAM, entity:NAME)",
                                  spec));
  }
  const std::string method(spec.substr(0, colon));
  const std::string arg(spec.substr(colon + 1));
  if (method == "kubernetes" || method == "k8s") {
    if (arg.find('/') == std::string::npos || arg.front() == '/' || arg.back() == '/') {
      return Unexpected(Error::Code::kInvalidArgument,
                        fmt::format("--identity \"{}\": expected kubernetes:NAMESPACE/SERVICE_ACCOUNT", spec));
    }
    return KubernetesLogins(ws, arg);
  }
  if (method == "aws") {
    std::optional<Arn> arn = ParseArn(arg);
    if (!arn) {
      return Unexpected(Error::Code::kInvalidArgument,
                        fmt::format("--identity \"{}\": expected an IAM user, role or assumed-role ARN", spec));
    }
    return AwsLogins(ws, *arn);
  }
  if (method == "jwt" || method == "oidc") {
    return JwtLogins(ws, arg);
  }
  if (method == "userpass") {
    return NamedLogins(ws, AuthType::kUserpass, Lower(arg));
  }
  if (method == "approle") {
    return NamedLogins(ws, AuthType::kAppRole, arg);
  }
  if (method == "github") {
    return GithubLogins(ws, arg);
  }
  if (method == "entity") {
    const IdentityEntity* e = ws.bindings.FindEntity(arg);
    if (e == nullptr) {
      return std::vector<Subject>{};
    }
    return std::vector<Subject>{EntitySubject(ws, *e)};
  }
  return Unexpected(Error::Code::kInvalidArgument,
                    fmt::format("--identity \"{}\": unknown method \"{}\" (expected kubernetes, aws, jwt, userpass, "
                                "approle, github or entity)",
                                spec, method));
}

Subject SubjectForPolicies(const std::vector<std::string>& policies) {
  Subject s;
  s.kind = SubjectKind::kToken;
  s.policies = SanitizePolicies(policies, false);
  s.token_policies = s.policies;
  s.name = JoinNames(s.policies);
  s.label = "token with policies " + Quoted(s.policies);
  s.root = s.policies.size() == 1 && s.policies.front() == "root";
  s.chain.push_back(fmt::format("{} (no `default` added)", s.label));
  return s;
}

std::vector<Subject> AllSubjects(const Workspace& ws) {
  std::vector<Subject> out;
  for (const AuthMount& m : ws.bindings.mounts) {
    for (const Role& r : m.roles) {
      out.push_back(SubjectFor(ws, m, r));
    }
    for (const auto& [team, policies] : m.github.teams) {
      out.push_back(GithubSubject(m, SubjectKind::kGithubTeam, team, policies));
    }
    for (const auto& [user, policies] : m.github.users) {
      out.push_back(GithubSubject(m, SubjectKind::kGithubUser, user, policies));
    }
  }
  for (const TokenRole& t : ws.bindings.token_roles) {
    out.push_back(TokenRoleSubject(t));
  }
  for (const IdentityEntity& e : ws.bindings.entities) {
    out.push_back(EntitySubject(ws, e));
  }
  for (const IdentityGroup& g : ws.bindings.groups) {
    out.push_back(GroupSubject(ws, g));
  }
  return out;
}

}  // namespace polcheck::analysis
