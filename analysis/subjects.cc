// Who holds which policies: roles, users, GitHub maps, token roles, identity
// entities and groups, and concrete logins matched against every role's bound
// fields (SEMANTICS.md §9).
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <set>

#include <re2/re2.h>

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
  // The evaluator's form: "" (root) or "ns1/".
  return evaluator::Group{.id = g.id,
                          .name = g.name,
                          .metadata = g.metadata,
                          .namespace_path = g.namespace_path.empty() ? "" : g.namespace_path + "/"};
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

// True when `ns` is `ancestor` or lies below it ("" is the root namespace).
bool InNamespace(std::string_view ns, std::string_view ancestor) {
  return ancestor.empty() || ns == ancestor || (ns.starts_with(ancestor) && ns[ancestor.size()] == '/');
}

std::string NamespaceName(std::string_view ns) { return ns.empty() ? "root" : std::string(ns); }

// Identity policies and the template identity for `entity` (may be null) and
// groups. `entity_namespace` (nullopt: no entity, e.g. a group's own row) is
// where the entity lives: under group_policy_application_mode
// within_namespace_hierarchy a group's policies apply only when that is the
// group's namespace or below it.
void SetIdentity(const Bindings& b, Subject& s, const IdentityEntity* entity,
                 std::optional<evaluator::Entity> ev_entity, const std::vector<const IdentityGroup*>& groups,
                 std::optional<std::string> entity_namespace) {
  std::vector<std::string> raw;
  if (entity != nullptr) {
    raw = entity->policies;
    s.entity_disabled = entity->disabled;
  }
  evaluator::Identity identity;
  identity.entity = std::move(ev_entity);
  const bool hierarchy = b.group_policy_application_mode != "any";
  for (const IdentityGroup* g : groups) {
    identity.groups.push_back(ToEvaluatorGroup(*g));
    if (entity_namespace && !InNamespace(*entity_namespace, g->namespace_path)) {
      if (hierarchy) {
        s.chain.push_back(fmt::format("group {} is in namespace {}, the entity in {}: its policies do not apply "
                                      "(group_policy_application_mode within_namespace_hierarchy)",
                                      g->name, NamespaceName(g->namespace_path), NamespaceName(*entity_namespace)));
        continue;
      }
      s.chain.push_back(fmt::format("group {} is in namespace {}, the entity in {}: its policies apply "
                                    "(group_policy_application_mode any)",
                                    g->name, NamespaceName(g->namespace_path), NamespaceName(*entity_namespace)));
    }
    raw = Concat(std::move(raw), g->policies);
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
  // A role's logins (not one concrete login): a generated entity's id and
  // name, the alias id and an unknown alias name are open placeholders, and
  // so is any metadata key under `open_metadata` (approle secret-ID metadata).
  bool role_logins = false;
  bool open_metadata = false;
};

constexpr std::string_view kUuid = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
// A Kubernetes namespace or service account name (a DNS label / subdomain).
constexpr std::string_view kDnsName = "[a-z0-9](?:[-.a-z0-9]*[a-z0-9])?";

// Entity id and name and the alias id of an entity Vault generates at first
// login: never pinned.
// `known` (role logins of several identities): entities of the bindings
// holding an alias on the mount, which such a login may resolve to.
void AddGeneratedEntity(Subject& s, const std::string& accessor,
                        const std::vector<const IdentityEntity*>& known = {}) {
  std::string ids(kUuid);
  std::string names = "entity_" + std::string(kUuid);
  std::vector<std::string> known_names;
  for (const IdentityEntity* e : known) {
    ids += "|" + RE2::QuoteMeta(e->id);
    names += "|" + RE2::QuoteMeta(e->name);
    known_names.push_back(e->name);
  }
  const std::string also =
      known.empty() ? "" : fmt::format(", or an entity of the bindings with an alias on the mount: {}",
                                       Quoted(known_names));
  s.open_placeholders.push_back({"identity.entity.id", known.empty() ? ids : "(?:" + ids + ")",
                                 "generated by Vault at first login" + also, {}});
  s.open_placeholders.push_back({"identity.entity.name", known.empty() ? names : "(?:" + names + ")",
                                 "generated by Vault at first login: entity_<uuid>" + also, known_names});
  s.open_placeholders.push_back(
      {fmt::format("identity.entity.aliases.{}.id", accessor), std::string(kUuid), "generated by Vault at first login"});
}

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
  } else if (alias.role_logins) {
    AddGeneratedEntity(s, mount.accessor);
    s.chain.push_back(fmt::format("entity: generated by Vault at first login{}",
                                  alias.name.empty() ? ""
                                                     : fmt::format(" (no entity in bindings has alias \"{}\" on auth/{})",
                                                                   alias.name, mount.path)));
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
  if (!has_alias && alias.role_logins && alias.name.empty()) {
    s.open_placeholders.push_back(
        {fmt::format("identity.entity.aliases.{}.name", mount.accessor), std::string(kUuid), alias.unknown_note});
  }
  if (!has_alias && alias.role_logins && alias.open_metadata) {
    s.open_placeholders.push_back({fmt::format("identity.entity.aliases.{}.metadata.", mount.accessor), "",
                                   "secret-ID metadata, set by whoever creates the secret ID"});
  }
  if (!has_alias && (!alias.name.empty() || alias.role_logins)) {
    ev.aliases.push_back(evaluator::Alias{.id = alias.role_logins ? "" : "alias-" + HexTag(mount.accessor + "/" + alias.name),
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
  SetIdentity(b, s, entity, std::move(ev), groups, entity != nullptr ? entity->namespace_path : mount.namespace_path);
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
  SetIdentity(ws.bindings, s, &e, ToEvaluatorEntity(ws.bindings, e), groups, e.namespace_path);
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
  SetIdentity(ws.bindings, s, nullptr, std::nullopt, groups, std::nullopt);
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

// Why roles refused a login, one "auth/<mount>/role/<name>: reason" line
// each; nullptr when nobody asks.
using Refusals = std::vector<std::string>;

void Refuse(Refusals* refused, const AuthMount& m, const Role& r, std::string why) {
  if (refused != nullptr) {
    refused->push_back(fmt::format("{}: {}", RoleLabel(m, r), why));
  }
}

bool AnyGlobbed(const std::vector<std::string>& items, std::string_view value) {
  return std::any_of(items.begin(), items.end(), [&](const std::string& i) { return GlobbedStringsMatch(i, value); });
}

// kubernetes:NS/SA[@UID][,LABEL=VALUE...]: a service account, optionally its
// UID (the alias name under alias_name_source serviceaccount_uid) and the
// labels of its namespace (for bound_service_account_namespace_selector).
struct KubernetesLogin {
  std::string ns, sa, uid;
  std::map<std::string, std::string> labels;
};

Expected<KubernetesLogin> ParseKubernetesSpec(std::string_view spec, std::string_view arg) {
  auto bad = [&](std::string_view why) {
    return Unexpected(Error::Code::kInvalidArgument,
                      fmt::format("--identity \"{}\": {}; expected kubernetes:NAMESPACE/SERVICE_ACCOUNT[@UID]"
                                  "[,LABEL=VALUE...] (LABEL=VALUE: labels of the namespace)",
                                  spec, why));
  };
  KubernetesLogin out;
  const std::size_t comma = arg.find(',');
  std::string_view head = arg.substr(0, comma);
  if (const std::size_t at = head.find('@'); at != std::string_view::npos) {
    out.uid = std::string(head.substr(at + 1));
    head = head.substr(0, at);
    if (out.uid.empty()) {
      return bad("empty UID after '@'");
    }
  }
  const std::size_t slash = head.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == head.size() ||
      head.find('/', slash + 1) != std::string_view::npos) {
    return bad("no NAMESPACE/SERVICE_ACCOUNT");
  }
  out.ns = std::string(head.substr(0, slash));
  out.sa = std::string(head.substr(slash + 1));
  // Kubernetes (1.21+) labels every namespace with its own name.
  out.labels["kubernetes.io/metadata.name"] = out.ns;
  std::string_view rest = comma == std::string_view::npos ? std::string_view() : arg.substr(comma + 1);
  while (comma != std::string_view::npos) {
    const std::size_t next = rest.find(',');
    const std::string_view item = rest.substr(0, next);
    const std::size_t eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      return bad(fmt::format("namespace label \"{}\" is not LABEL=VALUE", item));
    }
    out.labels[std::string(item.substr(0, eq))] = std::string(item.substr(eq + 1));
    if (next == std::string_view::npos) {
      break;
    }
    rest = rest.substr(next + 1);
  }
  return out;
}

std::string Labels(const std::map<std::string, std::string>& labels) {
  std::string out;
  for (const auto& [k, v] : labels) {
    out += (out.empty() ? "" : ", ") + k + "=" + v;
  }
  return "{" + out + "}";
}

// Why `r` admits the namespace: the list (globs) or the label selector, ORed
// (the plugin's namespace check); "" when neither does.
std::string KubernetesNamespaceMatch(const Role& r, const KubernetesLogin& login) {
  const std::vector<std::string> namespaces = r.fields.List("bound_service_account_namespaces");
  const bool any_ns = namespaces.size() == 1 && namespaces.front() == "*";
  if (any_ns || AnyGlobbed(namespaces, login.ns)) {
    return fmt::format("bound_service_account_namespaces {} matches \"{}\"", Quoted(namespaces), login.ns);
  }
  const std::string selector_text = r.fields.String("bound_service_account_namespace_selector");
  if (selector_text.empty()) {
    return "";
  }
  ParsedSelector selector = ParseLabelSelector(selector_text);
  if (selector.selector && selector.selector->Matches(login.labels)) {
    return fmt::format("bound_service_account_namespace_selector {} matches the labels of namespace \"{}\" {}",
                       selector_text, login.ns, Labels(login.labels));
  }
  return "";
}

std::vector<Subject> KubernetesLogins(const Workspace& ws, const KubernetesLogin& login, Refusals* refused) {
  std::vector<Subject> out;
  const std::string& ns = login.ns;
  const std::string& sa = login.sa;
  for (const AuthMount& m : ws.bindings.mounts) {
    if (m.type != AuthType::kKubernetes) {
      continue;
    }
    for (const Role& r : m.roles) {
      const std::vector<std::string> names = r.fields.List("bound_service_account_names");
      const bool any_name = names.size() == 1 && names.front() == "*";
      const std::string ns_match = KubernetesNamespaceMatch(r, login);
      if (!(any_name || AnyGlobbed(names, sa))) {
        Refuse(refused, m, r, fmt::format("service account name not authorized (bound_service_account_names {})",
                                          Quoted(names)));
        continue;
      }
      if (ns_match.empty()) {
        Refuse(refused, m, r,
               fmt::format("namespace not authorized (bound_service_account_namespaces {}{})",
                           Quoted(r.fields.List("bound_service_account_namespaces")),
                           r.fields.String("bound_service_account_namespace_selector").empty()
                               ? std::string()
                               : ", selector " + r.fields.String("bound_service_account_namespace_selector") +
                                     " on labels " + Labels(login.labels)));
        continue;
      }
      std::vector<std::string> chain = {
          fmt::format("login: kubernetes service account \"{}\" in namespace \"{}\"{}", sa, ns,
                      login.uid.empty() ? "" : " (UID " + login.uid + ")"),
          fmt::format("{}: bound_service_account_names {} matches \"{}\"; {}", RoleLabel(m, r), Quoted(names), sa,
                      ns_match)};
      LoginAlias alias;
      alias.metadata = {{"service_account_name", sa}, {"service_account_namespace", ns}};
      if (!login.uid.empty()) {
        alias.metadata["service_account_uid"] = login.uid;
      }
      if (r.fields.String("alias_name_source", "serviceaccount_uid") == "serviceaccount_name") {
        alias.name = ns + "/" + sa;
        chain.push_back(fmt::format("alias_name_source serviceaccount_name: entity alias \"{}\"", alias.name));
      } else if (!login.uid.empty()) {
        alias.name = login.uid;
        chain.push_back(fmt::format("alias_name_source serviceaccount_uid: entity alias \"{}\"", alias.name));
      } else {
        alias.unknown_note =
            "alias_name_source serviceaccount_uid names the alias by the service account's UID; add @UID to the spec";
      }
      out.push_back(FinishLogin(ws, m, r.name, RoleLabel(m, r), r.name_span, RolePolicies(r.fields),
                                r.fields.Bool("token_no_default_policy", false), alias, {}, std::move(chain)));
    }
  }
  return out;
}

struct Arn {
  std::string partition, account, kind, name, full, canonical;
  std::string caller;   // as the caller presents it (an assumed-role ARN keeps its session)
  std::string session;  // assumed-role session name (an EC2 instance id for instance credentials)
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
          .canonical = {}, .caller = std::string(text), .session = {}};
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
    arn.session = second == std::string::npos ? std::string() : resource.substr(second + 1);
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

// An AWS login: an IAM caller (aws:ARN), or an EC2 instance
// (aws-ec2:instance_id=...,...) that logs in with its identity document
// (auth_type ec2) or, when it has an instance profile role, with that role's
// credentials (auth_type iam; the session name is the instance id).
struct AwsLogin {
  std::optional<Arn> caller;
  bool ec2 = false;
  std::map<std::string, std::string> instance;  // instance_id, account_id, region, ami_id, vpc_id, ...
};

constexpr std::string_view kEc2Keys[] = {"instance_id", "account_id", "region", "ami_id", "vpc_id",
                                          "subnet_id", "iam_role_arn", "iam_instance_profile_arn"};

Expected<AwsLogin> ParseAwsEc2Spec(std::string_view spec, std::string_view arg) {
  auto bad = [&](std::string_view why) {
    return Unexpected(Error::Code::kInvalidArgument,
                      fmt::format("--identity \"{}\": {}; expected aws-ec2:instance_id=I[,account_id=A][,region=R]"
                                  "[,ami_id=..][,vpc_id=..][,subnet_id=..][,iam_role_arn=..]"
                                  "[,iam_instance_profile_arn=..]",
                                  spec, why));
  };
  AwsLogin out;
  out.ec2 = true;
  while (!arg.empty()) {
    const std::size_t comma = arg.find(',');
    const std::string_view item = arg.substr(0, comma);
    arg = comma == std::string_view::npos ? std::string_view() : arg.substr(comma + 1);
    const std::size_t eq = item.find('=');
    const std::string key(item.substr(0, eq));
    if (eq == std::string_view::npos || std::find(std::begin(kEc2Keys), std::end(kEc2Keys), key) == std::end(kEc2Keys)) {
      return bad(fmt::format("\"{}\" is not KEY=VALUE with a known key", item));
    }
    out.instance[key == "ec2_instance_id" ? "instance_id" : key] = std::string(item.substr(eq + 1));
  }
  if (out.instance["instance_id"].empty()) {
    return bad("instance_id is required");
  }
  if (const std::string role = out.instance["iam_role_arn"]; !role.empty()) {
    std::optional<Arn> arn = ParseArn(role);
    if (!arn || arn->kind != "role") {
      return bad(fmt::format("iam_role_arn \"{}\" is not an IAM role ARN", role));
    }
    if (out.instance["account_id"].empty()) {
      out.instance["account_id"] = arn->account;
    }
    // Instance profile credentials: assumed-role/<role>/<instance id>; the
    // role's full ARN (with its path) is what wildcards are compared with.
    const std::string full = arn->full;
    arn->caller = fmt::format("arn:{}:sts::{}:assumed-role/{}/{}", arn->partition, arn->account, arn->name,
                              out.instance["instance_id"]);
    arn->session = out.instance["instance_id"];
    arn->full = full;
    out.caller = std::move(arn);
  }
  for (auto it = out.instance.begin(); it != out.instance.end();) {
    it = it->second.empty() ? out.instance.erase(it) : std::next(it);
  }
  return out;
}

bool ArnMatches(const std::vector<std::string>& bound, const std::string& arn) {
  return std::any_of(bound.begin(), bound.end(), [&](const std::string& b) {
    return arn == b || (!b.empty() && b.back() == '*' && arn.rfind(b.substr(0, b.size() - 1), 0) == 0);
  });
}

// The EC2 bindings of `r` against the instance (path_login.go
// verifyInstanceMeetsRoleRequirements and the region check): "" when every
// configured one holds, else Vault's refusal. `region` is the instance's (for
// inference: the role's inferred_aws_region).
std::string Ec2Refusal(const Role& r, const std::map<std::string, std::string>& instance, const std::string& region,
                       std::vector<std::string>& why) {
  struct Check {
    const char* field;
    const char* attribute;
    const char* what;
    bool arn;
  };
  // Vault's order: the region (ec2 login), then verifyInstanceMeetsRoleRequirements.
  static constexpr Check kChecks[] = {
      {"bound_region", "region", "Region \"{}\" does not satisfy the constraint on role \"{}\"", false},
      {"bound_ec2_instance_id", "instance_id",
       "Error validating instance: instance ID \"{}\" does not belong to the role \"{}\"", false},
      {"bound_account_id", "account_id", "Error validating instance: account ID \"{}\" does not belong to role \"{}\"",
       false},
      {"bound_ami_id", "ami_id", "Error validating instance: AMI ID \"{}\" does not belong to role \"{}\"", false},
      {"bound_subnet_id", "subnet_id",
       "Error validating instance: subnet ID \"{}\" does not satisfy the constraint on role \"{}\"", false},
      {"bound_vpc_id", "vpc_id",
       "Error validating instance: VPC ID \"{}\" does not satisfy the constraint on role \"{}\"", false},
      {"bound_iam_instance_profile_arn", "iam_instance_profile_arn",
       "Error validating instance: IAM instance profile ARN \"{}\" does not satisfy the constraint role \"{}\"", true},
      {"bound_iam_role_arn", "iam_role_arn",
       "Error validating instance: IAM role ARN \"{}\" does not satisfy the constraint role \"{}\"", true},
  };
  for (const Check& c : kChecks) {
    const std::vector<std::string> bound = r.fields.List(c.field);
    if (bound.empty()) {
      continue;
    }
    auto it = instance.find(c.attribute);
    const std::string value = std::string_view(c.attribute) == "region" ? region
                              : it == instance.end()                    ? std::string()
                                                                        : it->second;
    if (value.empty()) {
      return fmt::format("{} {} is set but the login spec gives no {}", c.field, Quoted(bound), c.attribute);
    }
    const bool ok = c.arn ? ArnMatches(bound, value) : std::find(bound.begin(), bound.end(), value) != bound.end();
    if (!ok) {
      return fmt::format(fmt::runtime(c.what), value, r.name);
    }
    why.push_back(fmt::format("{} {} matches \"{}\"", c.field, Quoted(bound), value));
  }
  return "";
}

// bound_iam_principal_arn against an IAM caller (§9.3); "" when none matches.
std::string PrincipalMatch(const Role& r, const Arn& arn) {
  const bool resolve = r.fields.Bool("resolve_aws_unique_ids", true);
  for (const std::string& entry : r.fields.List("bound_iam_principal_arn")) {
    if (entry.size() > 1 && entry.back() == '*') {
      if (arn.full.rfind(entry.substr(0, entry.size() - 1), 0) == 0) {
        return fmt::format("wildcard \"{}\" matches the full ARN \"{}\"", entry, arn.full);
      }
    } else if (resolve) {
      std::optional<Arn> bound = ParseArn(entry);
      if (bound && bound->canonical == arn.canonical) {
        return fmt::format("\"{}\" resolves to the same principal (unique id) as \"{}\"", entry, arn.canonical);
      }
    } else if (entry == arn.canonical) {
      return fmt::format("\"{}\" equals the canonical ARN", entry);
    }
  }
  return "";
}

// The entity alias name auth/<mount>/config/identity picks (iam_alias /
// ec2_alias, default role_id).
void AwsAliasName(const AuthMount& m, const Role& r, const AwsLogin& login, bool iam, LoginAlias& alias,
                  std::vector<std::string>& chain) {
  const std::string setting = iam ? "iam_alias" : "ec2_alias";
  const std::string source = m.config.String(setting, "role_id");
  auto attr = [&](const char* key) {
    auto it = login.instance.find(key);
    return it == login.instance.end() ? std::string() : it->second;
  };
  if (source == "role_id") {
    alias.name = r.fields.String("role_id");
    alias.unknown_note = fmt::format("{} role_id names the alias by the role's generated role_id (set role_id on the "
                                     "role to know it)",
                                     setting);
  } else if (source == "unique_id") {
    alias.unknown_note = "iam_alias unique_id names the alias by the principal's AWS unique id (AIDA.../AROA...)";
  } else if (source == "full_arn") {
    alias.name = login.caller->caller;
  } else if (source == "canonical_arn") {
    alias.name = login.caller->canonical;
  } else if (source == "instance_id") {
    alias.name = attr("instance_id");
  } else if (source == "image_id") {
    alias.name = attr("ami_id");
    alias.unknown_note = "ec2_alias image_id names the alias by the AMI id; add ami_id= to the spec";
  }
  if (!alias.name.empty()) {
    chain.push_back(fmt::format("auth/{}/config/identity {} {}: entity alias \"{}\"", m.path, setting, source,
                                alias.name));
  }
}

// "a,b" (a comma-separated config value) as a list.
std::vector<std::string> SplitList(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    std::string item(text.substr(0, comma));
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    if (!item.empty()) {
      out.push_back(std::move(item));
    }
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
  }
  return out;
}

std::string InstanceAttribute(const AwsLogin& login, const char* key) {
  auto it = login.instance.find(key);
  return it == login.instance.end() ? std::string() : it->second;
}

// auth_type ec2 (path_login.go pathLoginUpdateEc2): "" when `r` admits the
// instance, else why not; `why` collects the bindings that held.
std::string Ec2LoginRefusal(const Role& r, const AwsLogin& login, std::vector<std::string>& why) {
  if (!login.ec2) {
    return "auth_type ec2 needs an EC2 instance's identity document (an aws-ec2: login)";
  }
  return Ec2Refusal(r, login.instance, InstanceAttribute(login, "region"), why);
}

// auth_type iam, with ec2_instance inference when the role asks for it
// (pathLoginUpdateIam): "" when `r` admits the caller, else why not.
std::string IamLoginRefusal(const Role& r, const AwsLogin& login, std::vector<std::string>& why) {
  if (!login.caller) {
    return "auth_type iam needs IAM credentials; give the instance's iam_role_arn";
  }
  if (!r.fields.List("bound_iam_principal_arn").empty()) {
    const std::string principal = PrincipalMatch(r, *login.caller);
    if (principal.empty()) {
      return fmt::format("IAM Principal \"{}\" does not belong to the role \"{}\"", login.caller->caller, r.name);
    }
    why.push_back("bound_iam_principal_arn " + principal);
  }
  if (r.fields.String("inferred_entity_type") != "ec2_instance") {
    return "";
  }
  // Vault looks the session name up as an instance in inferred_aws_region.
  if (!login.ec2) {
    return "inferred_entity_type ec2_instance needs the instance (an aws-ec2: login)";
  }
  const std::string region = r.fields.String("inferred_aws_region");
  if (InstanceAttribute(login, "region") != region) {
    return fmt::format("failed to verify {} as a valid EC2 instance in region {}", login.caller->session, region);
  }
  if (std::string no = Ec2Refusal(r, login.instance, region, why); !no.empty()) {
    return no;
  }
  why.push_back(fmt::format("inferred_entity_type ec2_instance: instance \"{}\" found in inferred_aws_region \"{}\"",
                            login.caller->session, region));
  return "";
}

// The entity alias's metadata: auth/<mount>/config/identity iam_metadata /
// ec2_metadata (default: account_id and auth_type; "default" in the list
// stands for those two), as builtin/credential/aws/path_config_identity.go.
std::map<std::string, std::string> AwsAliasMetadata(const AuthMount& m, const Role& r, const AwsLogin& login,
                                                    bool ec2_auth) {
  std::map<std::string, std::string> available;
  if (ec2_auth) {
    available = {{"account_id", InstanceAttribute(login, "account_id")}, {"auth_type", "ec2"},
                 {"ami_id", InstanceAttribute(login, "ami_id")},          {"instance_id", InstanceAttribute(login, "instance_id")},
                 {"region", InstanceAttribute(login, "region")}};
  } else {
    available = {{"account_id", login.caller->account},
                 {"auth_type", "iam"},
                 {"canonical_arn", login.caller->canonical},
                 {"client_arn", login.caller->caller}};
    if (r.fields.String("inferred_entity_type") == "ec2_instance") {
      available["inferred_entity_id"] = login.caller->session;
      available["inferred_entity_type"] = "ec2_instance";
      available["inferred_aws_region"] = r.fields.String("inferred_aws_region");
    }
  }
  const Field* setting = m.config.Find(ec2_auth ? "ec2_metadata" : "iam_metadata");
  std::vector<std::string> wanted = {"account_id", "auth_type"};
  if (setting != nullptr) {
    wanted = setting->list.empty() && !setting->text.empty() ? SplitList(setting->text) : setting->list;
  }
  std::map<std::string, std::string> out;
  for (const std::string& name : wanted) {
    for (const std::string& field : name == "default" ? std::vector<std::string>{"account_id", "auth_type"}
                                                      : std::vector<std::string>{name}) {
      if (auto it = available.find(field); it != available.end() && !it->second.empty()) {
        out[field] = it->second;
      }
    }
  }
  return out;
}

std::vector<Subject> AwsLogins(const Workspace& ws, const AwsLogin& login, Refusals* refused) {
  std::vector<Subject> out;
  for (const AuthMount& m : ws.bindings.mounts) {
    if (m.type != AuthType::kAws) {
      continue;
    }
    for (const Role& r : m.roles) {
      const bool ec2_auth = r.fields.String("auth_type", "iam") == "ec2";
      std::vector<std::string> why;
      if (std::string no = ec2_auth ? Ec2LoginRefusal(r, login, why) : IamLoginRefusal(r, login, why); !no.empty()) {
        Refuse(refused, m, r, no);
        continue;
      }
      std::vector<std::string> chain = {
          ec2_auth ? fmt::format("login: EC2 instance \"{}\" with its signed identity document (auth_type ec2)",
                                 InstanceAttribute(login, "instance_id"))
                   : fmt::format("login: AWS IAM principal \"{}\" (canonical \"{}\")", login.caller->caller,
                                 login.caller->canonical),
          fmt::format("{}: {}", RoleLabel(m, r), JoinNames(why))};
      LoginAlias alias;
      alias.metadata = AwsAliasMetadata(m, r, login, ec2_auth);
      AwsAliasName(m, r, login, !ec2_auth, alias, chain);
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

// The role's user claim: a JSON pointer only with user_claim_json_pointer, else
// the claim of that exact name (Vault's createIdentity; "/a/b" is then a name).
const nlohmann::json* UserClaim(const Fields& f, const nlohmann::json& claims) {
  const std::string user_claim = f.String("user_claim");
  if (f.Bool("user_claim_json_pointer", false)) {
    return Claim(claims, user_claim);
  }
  auto it = claims.find(user_claim);
  return it == claims.end() ? nullptr : &*it;
}

// normalizeList (claims.go): a list as is, one string/bool/number as a list of it.
std::optional<std::vector<nlohmann::json>> ClaimList(const nlohmann::json& v) {
  if (v.is_array()) {
    return std::vector<nlohmann::json>(v.begin(), v.end());
  }
  if (v.is_string() || v.is_boolean() || v.is_number()) {
    return std::vector<nlohmann::json>{v};
  }
  return std::nullopt;
}

// A number as Vault's getClaim gives it (a json.Number: integral values without ".0").
std::string ClaimNumberText(double d, const std::string& written) {
  if (d == std::floor(d) && std::abs(d) < 9.2e18) {
    return std::to_string(static_cast<long long>(d));
  }
  return written;
}

// A bound-claim value of `type` written as `text` against one received value.
bool SameClaimValue(ClaimValueType type, const std::string& text, const nlohmann::json& v) {
  switch (type) {
    case ClaimValueType::kString:
      return v.is_string() && v.get_ref<const std::string&>() == text;
    case ClaimValueType::kBool:
      return v.is_boolean() && v.get<bool>() == (text == "true" || text == "True" || text == "TRUE");
    case ClaimValueType::kNumber: {
      if (!v.is_number()) {
        return false;
      }
      const double want = std::strtod(text.c_str(), nullptr);
      return ClaimNumberText(want, text) == ClaimNumberText(v.get<double>(), v.dump());
    }
  }
  return false;
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
// The OIDC flow's ID-token audience checks (hashicorp/cap
// Provider.VerifyIDToken): bound_audiences any-of when set, and the token
// must be for the mount's oidc_client_id: its only aud, or its azp.
std::string OidcClientRefusal(const AuthMount& m, const nlohmann::json& claims, std::vector<std::string>& why) {
  const std::string client_id = m.config.String("oidc_client_id");
  if (client_id.empty()) {
    if (!m.config.values.empty()) {
      return fmt::format("OIDC login is not configured for this mount (auth/{}/config has no oidc_client_id)", m.path);
    }
    why.push_back(fmt::format("the ID token must be for auth/{}/config oidc_client_id, which bindings do not give "
                              "(not checked)",
                              m.path));
    return "";
  }
  const nlohmann::json* aud_claim = Claim(claims, "aud");
  const std::vector<std::string> aud = aud_claim != nullptr ? ClaimStrings(*aud_claim) : std::vector<std::string>{};
  const nlohmann::json* azp_claim = Claim(claims, "azp");
  const std::string azp = azp_claim != nullptr && azp_claim->is_string() ? azp_claim->get<std::string>() : "";
  if (azp_claim != nullptr && azp != client_id) {
    return fmt::format("invalid id_token: authorized party ({}) is not equal client_id ({})", azp, client_id);
  }
  if (aud.size() > 1 && (std::find(aud.begin(), aud.end(), client_id) == aud.end() || azp != client_id)) {
    return fmt::format("invalid id_token: multiple audiences and authorized party ({}) is not equal client_id ({})",
                       azp, client_id);
  }
  if (aud.size() == 1 && aud.front() != client_id && azp != client_id) {
    return fmt::format("invalid id_token: one audience ({}) which is not the client_id ({}) and authorized party ({}) "
                       "is not equal client_id ({})",
                       aud.front(), client_id, azp, client_id);
  }
  why.push_back(fmt::format("the ID token is for auth/{}/config oidc_client_id \"{}\"", m.path, client_id));
  return "";
}

std::string JwtRefusal(const AuthMount& m, const Role& r, const nlohmann::json& claims,
                       std::vector<std::string>& why) {
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
  if (!jwt_role) {
    if (std::string refused = OidcClientRefusal(m, claims, why); !refused.empty()) {
      return refused;
    }
  }
  if (const std::string subject = f.String("bound_subject"); !subject.empty()) {
    const nlohmann::json* sub = Claim(claims, "sub");
    if (sub == nullptr || !sub->is_string() || sub->get<std::string>() != subject) {
      return "sub claim does not match bound subject";
    }
    why.push_back(fmt::format("bound_subject \"{}\" equals sub", subject));
  }
  // Vault's validateBoundClaims / matchFound (claims.go): values compare as Go
  // values, so types must agree; globs apply to strings only.
  const bool glob = f.String("bound_claims_type", "string") == "glob";
  if (const Field* bound = f.Find("bound_claims"); bound != nullptr && bound->kind == FieldKind::kClaimMap) {
    for (const auto& [key, expected] : bound->map) {
      const nlohmann::json* got = Claim(claims, key);
      if (got == nullptr || got->is_null()) {
        return fmt::format("claim \"{}\" is missing", key);
      }
      const std::optional<std::vector<nlohmann::json>> received = ClaimList(*got);
      if (!received) {
        return fmt::format("received claim is not a string, bool, int or list: {}", got->dump());
      }
      const auto types = bound->claim_types.find(key);
      bool ok = false;
      for (std::size_t i = 0; i < expected.size(); ++i) {
        const ClaimValueType type = types != bound->claim_types.end() && i < types->second.size()
                                        ? types->second[i]
                                        : ClaimValueType::kString;
        if (glob && type != ClaimValueType::kString) {
          return fmt::format("received claim is not a glob string: {}", expected[i]);
        }
        ok = ok || std::any_of(received->begin(), received->end(), [&](const nlohmann::json& v) {
               return glob ? v.is_string() && GlobMatch(expected[i], v.get<std::string>())
                           : SameClaimValue(type, expected[i], v);
             });
      }
      const std::vector<std::string> values = ClaimStrings(*got);
      if (!ok) {
        return fmt::format("claim \"{}\" does not match any associated bound claim values", key);
      }
      why.push_back(fmt::format("bound_claims \"{}\" {} ({}) matches {}", key, Quoted(expected),
                                glob ? "glob" : "string", Quoted(values)));
    }
  }
  const std::string user_claim = f.String("user_claim");
  const nlohmann::json* user = UserClaim(f, claims);
  if (user == nullptr) {
    return fmt::format("claim \"{}\" not found in token", user_claim);
  }
  if (!user->is_string()) {
    return fmt::format("claim \"{}\" could not be converted to string", user_claim);
  }
  if (const auto* mappings = f.Map("claim_mappings")) {  // extractMetadata: mapped claims must be strings
    for (const auto& [claim, target] : *mappings) {
      if (const nlohmann::json* v = Claim(claims, claim); v != nullptr && !v->is_null() && !v->is_string()) {
        return fmt::format("error converting claim '{}' to string", claim);
      }
    }
  }
  if (const std::string groups_claim = f.String("groups_claim"); !groups_claim.empty()) {
    const nlohmann::json* groups = Claim(claims, groups_claim);
    if (groups == nullptr || groups->is_null()) {
      return fmt::format("\"{}\" claim not found in token", groups_claim);
    }
    const std::optional<std::vector<nlohmann::json>> items = ClaimList(*groups);
    if (!items) {
      return fmt::format("\"{}\" claim could not be converted to string list", groups_claim);
    }
    for (const nlohmann::json& item : *items) {
      if (!item.is_string()) {
        return fmt::format("value {} in groups claim could not be parsed as string", item.dump());
      }
    }
  }
  return "";
}

Expected<std::vector<Subject>> JwtLogins(const Workspace& ws, const std::string& file, Refusals* refused) {
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
      if (std::string no = JwtRefusal(m, r, claims, why); !no.empty()) {
        Refuse(refused, m, r, no);
        continue;
      }
      const Fields& f = r.fields;
      const bool oidc = f.String("role_type", "oidc") == "oidc";
      std::vector<std::string> chain = {
          fmt::format("login: {} with the claims in {}", oidc ? "OIDC (browser) flow" : "JWT", file),
          fmt::format("{}: {}", RoleLabel(m, r), why.empty() ? std::string("no bound claims") : JoinNames(why))};
      LoginAlias alias;
      alias.name = UserClaim(f, claims)->get<std::string>();
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

// ---- open placeholders (templated policies for roles, §7 and §9) -----------

// A regex for one glob of a binding list: `leading_trailing` is
// GlobbedStringsMatch (a '*' at either end), else go-glob ('*' anywhere).
std::string GlobRegex(std::string_view glob, bool leading_trailing) {
  if (glob.size() < 2 && leading_trailing) {
    return RE2::QuoteMeta(glob);
  }
  std::string out;
  std::size_t start = 0;
  while (true) {
    const std::size_t star = glob.find('*', start);
    const std::string_view part = glob.substr(start, star == std::string_view::npos ? glob.npos : star - start);
    out += RE2::QuoteMeta(part);
    if (star == std::string_view::npos) {
      return out;
    }
    const bool edge = star == 0 || star + 1 == glob.size();
    out += leading_trailing && !edge ? "\\*" : ".*";
    start = star + 1;
  }
}

// A regex matching any item of a binding list; "" when the list admits any value.
std::string ListRegex(const std::vector<std::string>& items, bool leading_trailing) {
  std::string out;
  for (const std::string& item : items) {
    if (item == "*") {
      return "";
    }
    out += (out.empty() ? "" : "|") + GlobRegex(item, leading_trailing);
  }
  return out.empty() ? "" : "(?:" + out + ")";
}

// The items of a binding list as values: globs without their '*'.
std::vector<std::string> Examples(const std::vector<std::string>& items) {
  std::vector<std::string> out;
  for (std::string item : items) {
    item.erase(std::remove(item.begin(), item.end(), '*'), item.end());
    if (!item.empty()) {
      out.push_back(std::move(item));
    }
  }
  return out;
}

// The one value a binding list admits, when it has one item and no glob.
std::optional<std::string> SoleValue(const std::vector<std::string>& items) {
  if (items.size() != 1 || items.front().find('*') != std::string::npos) {
    return std::nullopt;
  }
  return items.front();
}

// The alias a role's logins get: what the bindings pin goes into `alias`,
// the rest becomes open placeholders.
struct AliasPlan {
  std::string accessor;
  evaluator::Alias alias;
  std::vector<OpenPlaceholder> open;

  void Name(std::optional<std::string> value, std::string values, std::string source,
            std::vector<std::string> examples = {}) {
    if (value) {
      alias.name = *std::move(value);
    } else {
      open.push_back({fmt::format("identity.entity.aliases.{}.name", accessor), std::move(values), std::move(source),
                      std::move(examples)});
    }
  }
  void Metadata(const std::string& key, std::optional<std::string> value, std::string values, std::string source,
                std::vector<std::string> examples = {}) {
    if (value) {
      alias.metadata[key] = *std::move(value);
    } else {
      open.push_back({fmt::format("identity.entity.aliases.{}.metadata.{}", accessor, key), std::move(values),
                      std::move(source), std::move(examples)});
    }
  }
};

// The entity Vault creates at a role's first login, with the alias of `plan`:
// entity id and name and alias id are generated, so never pinned.
void SetRoleIdentity(Subject& s, AliasPlan plan, const std::vector<const IdentityEntity*>& known) {
  evaluator::Entity entity;
  plan.alias.mount_accessor = plan.accessor;
  entity.aliases.push_back(std::move(plan.alias));
  s.identity = evaluator::Identity{.entity = std::move(entity), .groups = {}};
  AddGeneratedEntity(s, plan.accessor, known);
  for (OpenPlaceholder& o : plan.open) {
    s.open_placeholders.push_back(std::move(o));
  }
}

void KubernetesPlan(const Role& r, AliasPlan& plan) {
  const std::vector<std::string> names = r.fields.List("bound_service_account_names");
  const std::vector<std::string> namespaces = r.fields.List("bound_service_account_namespaces");
  const bool selector = !r.fields.String("bound_service_account_namespace_selector").empty();
  const std::optional<std::string> ns = selector ? std::nullopt : SoleValue(namespaces);
  const std::optional<std::string> sa = SoleValue(names);
  // With a namespace selector any namespace whose labels match is admitted.
  const std::string ns_values = selector ? std::string(kDnsName) : ListRegex(namespaces, true);
  const std::string sa_values = ListRegex(names, true);
  const std::string ns_why =
      selector ? "bound_service_account_namespace_selector admits namespaces by their labels"
               : fmt::format("bound_service_account_namespaces {} admits more than one", Quoted(namespaces));
  const std::string sa_why = fmt::format("bound_service_account_names {} admits more than one", Quoted(names));
  plan.Metadata("service_account_namespace", ns, ns_values, ns_why, Examples(namespaces));
  plan.Metadata("service_account_name", sa, sa_values, sa_why, Examples(names));
  plan.Metadata("service_account_uid", std::nullopt, std::string(kUuid), "the service account's UID");
  plan.Metadata("service_account_secret_name", std::nullopt, std::string(kDnsName),
                "the service account's token secret");
  if (r.fields.String("alias_name_source", "serviceaccount_uid") != "serviceaccount_name") {
    plan.Name(std::nullopt, std::string(kUuid), "alias_name_source serviceaccount_uid: the service account's UID");
    return;
  }
  const auto either = [](const std::string& values) { return values.empty() ? std::string(kDnsName) : values; };
  plan.Name(ns && sa ? std::optional<std::string>(*ns + "/" + *sa) : std::nullopt,
            either(ns_values) + "/" + either(sa_values), "alias_name_source serviceaccount_name: <namespace>/<name>");
}

struct ClaimBinding {
  std::optional<std::string> value;  // pinned
  std::string values;                // else: what the bindings admit ("" = anything)
  std::vector<std::string> examples;
};

// A claim as the role's bindings pin it: bound_subject for `sub`, a bound
// claim with one value (no glob).
ClaimBinding ClaimValue(const Fields& f, const std::string& claim) {
  if (claim == "sub" && !f.String("bound_subject").empty()) {
    return {f.String("bound_subject"), "", {}};
  }
  const auto* bound = f.Map("bound_claims");
  auto it = bound == nullptr ? decltype(bound->end()){} : bound->find(claim);
  if (bound == nullptr || it == bound->end()) {
    return {std::nullopt, "", {}};
  }
  if (f.String("bound_claims_type", "string") == "glob") {
    return {SoleValue(it->second), ListRegex(it->second, false), Examples(it->second)};
  }
  std::string values;
  for (const std::string& v : it->second) {
    values += (values.empty() ? "" : "|") + RE2::QuoteMeta(v);
  }
  return {it->second.size() == 1 ? std::optional<std::string>(it->second.front()) : std::nullopt,
          values.empty() ? "" : "(?:" + values + ")", it->second};
}

void JwtPlan(const Role& r, AliasPlan& plan) {
  const Fields& f = r.fields;
  const std::string user_claim = f.String("user_claim");
  ClaimBinding name = ClaimValue(f, user_claim);
  plan.Name(name.value, name.values, fmt::format("user_claim \"{}\" of each token", user_claim), name.examples);
  plan.Metadata("role", r.name, "", "");
  if (const auto* mappings = f.Map("claim_mappings")) {
    for (const auto& [claim, target] : *mappings) {
      if (!target.empty()) {
        ClaimBinding v = ClaimValue(f, claim);
        plan.Metadata(target.front(), v.value, v.values, fmt::format("claim_mappings: claim \"{}\" of each token", claim),
                      v.examples);
      }
    }
  }
}

void AwsPlan(const AuthMount& m, const Role& r, AliasPlan& plan) {
  const bool ec2 = r.fields.String("auth_type", "iam") == "ec2";
  const std::string setting = ec2 ? "ec2_alias" : "iam_alias";
  const std::string source = m.config.String(setting, "role_id");
  std::optional<Arn> arn;
  if (std::optional<std::string> one = SoleValue(r.fields.List("bound_iam_principal_arn"))) {
    arn = ParseArn(*one);
  }
  std::optional<std::string> name;
  std::string values;
  if (source == "role_id") {
    const std::string id = r.fields.String("role_id");
    name = id.empty() ? std::nullopt : std::optional<std::string>(id);
    values = std::string(kUuid);
  } else if (source == "canonical_arn" && arn) {
    name = arn->canonical;
  } else if (source == "instance_id") {
    name = SoleValue(r.fields.List("bound_ec2_instance_id"));
  } else if (source == "image_id") {
    name = SoleValue(r.fields.List("bound_ami_id"));
  }
  plan.Name(name, values, fmt::format("auth/{}/config/identity {} {}", m.path, setting, source));
  const Field* setting_field = m.config.Find(ec2 ? "ec2_metadata" : "iam_metadata");
  std::vector<std::string> wanted = {"account_id", "auth_type"};
  if (setting_field != nullptr) {
    wanted = setting_field->list.empty() && !setting_field->text.empty() ? SplitList(setting_field->text)
                                                                        : setting_field->list;
  }
  for (const std::string& key : wanted) {
    for (const std::string& field : key == "default" ? std::vector<std::string>{"account_id", "auth_type"}
                                                     : std::vector<std::string>{key}) {
      std::optional<std::string> value;
      if (field == "auth_type") {
        value = ec2 ? "ec2" : "iam";
      } else if (field == "account_id") {
        value = ec2 ? SoleValue(r.fields.List("bound_account_id"))
                    : (arn ? std::optional<std::string>(arn->account) : std::nullopt);
      }
      plan.Metadata(field, value, "", fmt::format("{} of each login", field));
    }
  }
}

// A kubernetes, aws or jwt role: its token policies, and the identity its
// logins share (the rest stays open).
Subject RoleWithIdentity(const Bindings& b, const AuthMount& m, const Role& r) {
  Subject s = RoleSubject(m, r);
  std::vector<const IdentityEntity*> known;
  for (const IdentityEntity& e : b.entities) {
    if (std::any_of(e.aliases.begin(), e.aliases.end(), [&](const EntityAlias& a) {
          return a.mount == m.path || (!a.mount_accessor.empty() && a.mount_accessor == m.accessor);
        })) {
      known.push_back(&e);
    }
  }
  AliasPlan plan;
  plan.accessor = m.accessor;
  switch (m.type) {
    case AuthType::kKubernetes:
      KubernetesPlan(r, plan);
      break;
    case AuthType::kJwt:
      JwtPlan(r, plan);
      break;
    case AuthType::kAws:
      AwsPlan(m, r, plan);
      break;
    case AuthType::kUserpass:
    case AuthType::kAppRole:
    case AuthType::kGithub:
    case AuthType::kOther:
      return s;
  }
  SetRoleIdentity(s, std::move(plan), known);
  return s;
}

// A userpass or approle login through `r`: the identity is fixed by the
// user name / role_id, so entity and groups are known.
Subject FixedIdentityLogin(const Workspace& ws, const AuthMount& m, const Role& r) {
  LoginAlias alias;
  std::vector<std::string> chain;
  alias.role_logins = true;
  if (m.type == AuthType::kUserpass) {
    alias.name = r.name;  // the lower-cased username
    chain.push_back(fmt::format("login: userpass user \"{}\" on auth/{}", r.name, m.path));
  } else {
    alias.name = r.fields.String("role_id");
    alias.unknown_note = "the alias is named by the role's generated role_id";
    alias.metadata["role_name"] = r.name;
    alias.open_metadata = r.fields.Bool("bind_secret_id", true);
    chain.push_back(fmt::format("login: approle \"{}\" on auth/{} (role_id + secret_id)", r.name, m.path));
  }
  Subject s = FinishLogin(ws, m, r.name, RoleLabel(m, r), r.name_span, RolePolicies(r.fields),
                          r.fields.Bool("token_no_default_policy", false), alias, {}, std::move(chain));
  s.kind = m.type == AuthType::kUserpass ? SubjectKind::kUser : SubjectKind::kRole;
  return s;
}

std::vector<Subject> NamedLogins(const Workspace& ws, AuthType type, const std::string& name, Refusals* refused) {
  std::vector<Subject> out;
  for (const AuthMount& m : ws.bindings.mounts) {
    if (m.type != type) {
      continue;
    }
    const std::size_t before = out.size();
    for (const Role& r : m.roles) {
      if (r.name == name) {
        out.push_back(FixedIdentityLogin(ws, m, r));
      }
    }
    if (out.size() == before && refused != nullptr) {
      refused->push_back(fmt::format("auth/{}: no {} \"{}\" ({})", m.path,
                                     type == AuthType::kUserpass ? "user" : "role", name,
                                     type == AuthType::kUserpass ? "invalid username or password"
                                                                 : "invalid role or secret ID"));
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

std::vector<Subject> GithubLogins(const Workspace& ws, std::string_view arg, Refusals* refused) {
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
    if (m.type != AuthType::kGithub) {
      continue;
    }
    if (Lower(m.github.fields.String("organization")) != Lower(org)) {
      if (refused != nullptr) {
        refused->push_back(fmt::format("auth/{}: user is not part of required org (organization \"{}\")", m.path,
                                       m.github.fields.String("organization")));
      }
      continue;
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
  return RoleWithIdentity(ws.bindings, m, r);
}

// The fields whose CIDR bindings apply to a subject: its role, user, token
// role or GitHub config, indexed once (who-can asks for every role).
class LoginFieldIndex {
 public:
  explicit LoginFieldIndex(const Workspace& ws) {
    for (const AuthMount& m : ws.bindings.mounts) {
      if (m.type == AuthType::kGithub) {
        github_[m.path] = &m.github.fields;
      }
      for (const Role& r : m.roles) {
        roles_.emplace(std::make_pair(m.path, r.name), &r.fields);
      }
    }
    for (const TokenRole& t : ws.bindings.token_roles) {
      token_roles_.emplace(t.name, &t.fields);
    }
  }

  // nullptr for identity subjects and raw tokens.
  const Fields* For(const Subject& s) const {
    switch (s.kind) {
      case SubjectKind::kTokenRole:
        return Find(token_roles_, s.name);
      case SubjectKind::kEntity:
      case SubjectKind::kGroup:
      case SubjectKind::kToken:
        return nullptr;
      case SubjectKind::kGithubTeam:
      case SubjectKind::kGithubUser:
        return Find(github_, s.mount);
      case SubjectKind::kRole:
      case SubjectKind::kUser:
      case SubjectKind::kLogin:
        break;
    }
    if (s.auth_type == AuthType::kGithub) {
      return Find(github_, s.mount);
    }
    auto it = roles_.find(std::make_pair(s.mount, s.name));
    return it == roles_.end() ? nullptr : it->second;
  }

 private:
  static const Fields* Find(const std::map<std::string, const Fields*>& in, const std::string& key) {
    auto it = in.find(key);
    return it == in.end() ? nullptr : it->second;
  }

  std::map<std::pair<std::string, std::string>, const Fields*> roles_;
  std::map<std::string, const Fields*> token_roles_;
  std::map<std::string, const Fields*> github_;
};

// Checks the login's source address against the CIDR bindings (§9.1, §9.5):
// approle's secret_id_bound_cidrs at login, token_bound_cidrs on the token
// (a login from outside gets no usable token). Without a source address the
// bindings are only listed in the chain.
void ApplyLoginContext(const LoginFieldIndex& index, Subject& s, const LoginContext& context) {
  const Fields* f = index.For(s);
  if (f == nullptr) {
    return;
  }
  struct Binding {
    const char* field;
    std::vector<std::string> cidrs;
  };
  std::vector<Binding> bindings;
  auto add = [&](const char* field, const char* legacy) {
    std::vector<std::string> cidrs = f->List(field);
    if (cidrs.empty() && legacy != nullptr) {
      cidrs = f->List(legacy);
      field = f->Has(legacy) ? legacy : field;
    }
    if (!cidrs.empty()) {
      bindings.push_back({field, std::move(cidrs)});
    }
  };
  if (s.auth_type == AuthType::kAppRole) {
    add("secret_id_bound_cidrs", "bound_cidr_list");
  }
  add("token_bound_cidrs", "bound_cidrs");
  for (const Binding& b : bindings) {
    if (!context.source_ip) {
      s.chain.push_back(fmt::format("{} {}: logins and token use only from these addresses (give --source-ip to check)",
                                    b.field, Quoted(b.cidrs)));
      continue;
    }
    const bool inside = std::any_of(b.cidrs.begin(), b.cidrs.end(), [&](const std::string& c) {
      std::optional<Cidr> block = ParseCidr(c);
      return block && CidrContains(*block, *context.source_ip);
    });
    if (inside) {
      s.chain.push_back(fmt::format("{} {} contains the source address {}", b.field, Quoted(b.cidrs),
                                    context.source_ip->text));
    } else if (s.login_error.empty()) {
      const bool secret_id = std::string_view(b.field) == "secret_id_bound_cidrs" ||
                             std::string_view(b.field) == "bound_cidr_list";
      s.login_error = !secret_id
                          ? fmt::format("source address {} is outside {} {}: permission denied",
                                        context.source_ip->text, b.field, Quoted(b.cidrs))
                          : fmt::format("source address \"{}\" unauthorized through CIDR restrictions on the role "
                                        "({} {})",
                                        context.source_ip->text, b.field, Quoted(b.cidrs));
      s.chain.push_back("login refused: " + s.login_error);
    }
  }
}

std::vector<Subject> WithContext(const Workspace& ws, std::vector<Subject> subjects, const LoginContext& context) {
  const LoginFieldIndex index(ws);
  for (Subject& s : subjects) {
    ApplyLoginContext(index, s, context);
  }
  return subjects;
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

std::vector<Subject> SubjectsForRole(const Workspace& ws, std::string_view name, std::string_view mount,
                                     const LoginContext& context) {
  return WithContext(ws, SubjectsForRole(ws, name, mount), context);
}

Expected<std::vector<Subject>> SubjectsForIdentity(const Workspace& ws, std::string_view spec,
                                                   const LoginContext& context) {
  Expected<std::vector<Subject>> found = SubjectsForIdentity(ws, spec);
  if (!found) {
    return found;
  }
  return WithContext(ws, *std::move(found), context);
}

std::vector<Subject> AllSubjects(const Workspace& ws, const LoginContext& context) {
  return WithContext(ws, AllSubjects(ws), context);
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

namespace {

// SubjectsForIdentity, and why the other roles of the method refuse the login.
Expected<std::vector<Subject>> FindLogins(const Workspace& ws, std::string_view spec, Refusals* refused) {
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
    Expected<KubernetesLogin> login = ParseKubernetesSpec(spec, arg);
    if (!login) {
      return Unexpected(login.error());
    }
    return KubernetesLogins(ws, *login, refused);
  }
  if (method == "aws") {
    std::optional<Arn> arn = ParseArn(arg);
    if (!arn) {
      return Unexpected(Error::Code::kInvalidArgument,
                        fmt::format("--identity \"{}\": expected an IAM user, role or assumed-role ARN", spec));
    }
    return AwsLogins(ws, AwsLogin{.caller = *std::move(arn), .ec2 = false, .instance = {}}, refused);
  }
  if (method == "aws-ec2") {
    Expected<AwsLogin> login = ParseAwsEc2Spec(spec, arg);
    if (!login) {
      return Unexpected(login.error());
    }
    return AwsLogins(ws, *login, refused);
  }
  if (method == "jwt" || method == "oidc") {
    return JwtLogins(ws, arg, refused);
  }
  if (method == "userpass") {
    return NamedLogins(ws, AuthType::kUserpass, Lower(arg), refused);
  }
  if (method == "approle") {
    return NamedLogins(ws, AuthType::kAppRole, arg, refused);
  }
  if (method == "github") {
    return GithubLogins(ws, arg, refused);
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

}  // namespace

Expected<std::vector<Subject>> SubjectsForIdentity(const Workspace& ws, std::string_view spec) {
  return FindLogins(ws, spec, nullptr);
}

Expected<std::vector<std::string>> LoginRefusals(const Workspace& ws, std::string_view spec) {
  Refusals refused;
  Expected<std::vector<Subject>> found = FindLogins(ws, spec, &refused);
  if (!found) {
    return Unexpected(found.error());
  }
  return refused;
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
