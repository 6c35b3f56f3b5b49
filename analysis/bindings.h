// The bindings model: auth mounts and their roles, token roles, identity
// entities and groups, with Vault's own field names and value formats
// (../shared/SEMANTICS.md §9), so the JSON `vault read -format=json
// auth/x/role/y` prints can be pasted in.
//
//   # bindings/k8s.yaml
//   auth:
//     kubernetes:                  # mount path; type defaults to the key
//       roles:
//         aaa-role:
//           bound_service_account_names: [default]
//           bound_service_account_namespaces: [aaa-namespace]
//           token_policies: [aaa-k8s-auth]
//   identity:
//     groups:
//       - name: platform
//         policies: [ops]
//         member_group_names: [sre]
//         aliases: [{mount: oidc, name: platform-team}]
//   token_roles:
//     nomad-cluster: {allowed_policies: [nomad]}
//   group_policy_application:      # sys/config/group-policy-application
//     group_policy_application_mode: any
//
// Mounts, entities and groups take `namespace: a/b` (default: root).
//
//   analysis::Bindings b;
//   analysis::LoadBindings(source, b, sink);   // problems -> sink, file:line:col
//
// Every object keeps its fields as written (Field) so that validation, the
// simulator and the explanations all read one representation.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/diagnostic.h"
#include "base/source.h"

namespace polcheck::analysis {

// How a field's value is read (Vault's framework field types).
enum class FieldKind : std::uint8_t {
  kString,
  kStringList,  // list, or a comma-separated string (TypeCommaStringSlice)
  kBool,
  kInt,
  kDuration,    // seconds as a number, or a Go duration string ("1h30m")
  kStringMap,   // map string -> string (claim_mappings, metadata)
  kClaimMap,    // map string -> string or list (bound_claims)
  kYamlText,    // a string holding YAML or JSON (a label selector); a mapping written inline is kept as JSON text
  kAny,         // accepted and kept as text; polcheck does not interpret it
};

// The JSON type of a bound-claim value. Vault compares bound claims with received
// claims as Go values, so the string "true" never matches the claim true, nor "1"
// the claim 1. A YAML plain scalar true/false or number (as `vault read
// -format=json` prints a typed value) is typed; a quoted one, and every value
// Terraform's map(string) gives, is a string.
enum class ClaimValueType : std::uint8_t { kString, kBool, kNumber };

struct Field {
  FieldKind kind = FieldKind::kString;
  std::string text;                                  // kString, kAny (scalar text)
  std::vector<std::string> list;                     // kStringList
  std::map<std::string, std::vector<std::string>> map;  // kStringMap (one value), kClaimMap
  // kClaimMap: the type of each value in `map` (same order); a claim missing here is all strings.
  std::map<std::string, std::vector<ClaimValueType>> claim_types;
  bool boolean = false;
  std::int64_t number = 0;  // kInt; kDuration in seconds
  Span span;                // the value
  Span key_span;            // the field name
};

// An object's fields by name, as written (after type checking).
class Fields {
 public:
  const Field* Find(std::string_view name) const;
  bool Has(std::string_view name) const { return Find(name) != nullptr; }
  std::string String(std::string_view name, std::string_view fallback = {}) const;
  std::vector<std::string> List(std::string_view name) const;
  bool Bool(std::string_view name, bool fallback) const;
  std::int64_t Number(std::string_view name, std::int64_t fallback = 0) const;
  const std::map<std::string, std::vector<std::string>>* Map(std::string_view name) const;

  std::map<std::string, Field, std::less<>> values;
};

enum class AuthType : std::uint8_t {
  kKubernetes,
  kAws,
  kJwt,  // jwt and oidc mounts: the same plugin
  kAppRole,
  kUserpass,
  kGithub,
  kOther,  // a type polcheck does not model: its roles are read, never matched
};
// "kubernetes", "aws", "jwt", "approle", "userpass", "github", "other".
std::string_view AuthTypeName(AuthType type);
// Vault's mount type -> AuthType ("oidc" -> kJwt); kOther when unknown.
AuthType ParseAuthType(std::string_view type);

// A role (kubernetes, aws, jwt, approle), a userpass user, or a GitHub team /
// user mapping: anything a login goes through.
struct Role {
  std::string mount;  // mount path without slashes, e.g. "kubernetes"
  std::string name;   // as Vault stores it (aws role names and userpass users lower-cased)
  AuthType type = AuthType::kOther;
  Fields fields;
  Span name_span;
  FileId file = 0;
};

struct GithubConfig {
  Fields fields;  // organization, organization_id, base_url, token fields
  std::map<std::string, std::vector<std::string>> teams;  // lower-cased team -> policies
  std::map<std::string, std::vector<std::string>> users;  // lower-cased login -> policies
  std::map<std::string, Span> team_spans;
  std::map<std::string, Span> user_spans;
};

struct AuthMount {
  std::string path;       // without slashes: "kubernetes", "aws-dev"
  std::string type_name;  // as written (or the key)
  AuthType type = AuthType::kOther;
  std::string accessor;   // mount accessor; generated when not given
  std::vector<Role> roles;  // roles or users, in file order
  GithubConfig github;
  Fields config;  // config of non-GitHub methods (kept as text; aws identity and jwt client id are read)
  // The namespace the mount lives in ("" = root, else "a/b" without slashes
  // at the ends): a first login creates its entity there.
  std::string namespace_path;
  Span span;
};

struct EntityAlias {
  std::string id;
  std::string name;
  std::string mount;           // mount path, resolved to mount_accessor when possible
  std::string mount_accessor;
  std::map<std::string, std::string> metadata;
  std::map<std::string, std::string> custom_metadata;
  Span span;
};

struct IdentityEntity {
  std::string id;    // generated from the name when not given
  std::string name;
  std::vector<std::string> policies;
  std::map<std::string, std::string> metadata;
  bool disabled = false;
  std::vector<EntityAlias> aliases;
  std::string namespace_path;  // "" = root
  Span span;
};

struct GroupAlias {
  std::string name;
  std::string mount;
  std::string mount_accessor;
  Span span;
};

struct IdentityGroup {
  std::string id;    // generated from the name when not given
  std::string name;
  bool external = false;  // type: external
  std::vector<std::string> policies;
  std::map<std::string, std::string> metadata;
  std::vector<std::string> member_entity_ids;   // ids or (member_entity_names) names
  std::vector<std::string> member_group_ids;    // ids or (member_group_names) names
  std::vector<GroupAlias> aliases;
  std::string namespace_path;  // "" = root
  Span span;
};

struct TokenRole {
  std::string name;
  Fields fields;
  Span name_span;
};

struct Bindings {
  std::vector<AuthMount> mounts;
  std::vector<TokenRole> token_roles;
  std::vector<IdentityEntity> entities;
  std::vector<IdentityGroup> groups;
  // sys/config/group-policy-application (Vault Enterprise, OpenBao
  // namespaces): "within_namespace_hierarchy" (default) applies a group's
  // policies only to entities in the group's namespace or below it; "any"
  // applies them whatever the entity's namespace.
  std::string group_policy_application_mode = "within_namespace_hierarchy";
  Span group_policy_application_span;

  const AuthMount* FindMount(std::string_view path) const;
  const IdentityEntity* FindEntity(std::string_view id_or_name) const;
  const IdentityGroup* FindGroup(std::string_view id_or_name) const;
};

// Reads one bindings file (YAML or JSON) into `out`, merging with what is
// already there. Every problem (YAML syntax, unknown field, wrong type, a rule
// Vault enforces when the role is written) goes to `sink` with the file's
// spans; the rest of the file is still read.
void LoadBindings(const SourceFile& source, Bindings& out, DiagnosticSink& sink);

// Cross-file checks once every file is loaded: group members and aliases that
// name nothing, policies that no file defines (warnings; Vault ignores a
// missing policy at login). `policy_exists` answers for one sanitised name.
void ValidateBindings(const Bindings& bindings, const std::vector<std::string>& known_policies,
                      DiagnosticSink& sink);

// Vault's policyutil.SanitizePolicies: trim, lower-case, drop empty, add
// `default` when `add_default` (and absent), dedupe and sort; a list holding
// `root` becomes ["root"].
std::vector<std::string> SanitizePolicies(const std::vector<std::string>& policies, bool add_default);

// The policies a role's token fields name: token_policies, else the legacy
// `policies` (Vault reads the legacy field only when token_policies is unset).
std::vector<std::string> RolePolicies(const Fields& fields);

// strutil.GlobbedStringsMatch: a leading and/or trailing '*' (items of two or
// more characters) makes a suffix / prefix / substring match; else equality.
bool GlobbedStringsMatch(std::string_view item, std::string_view value);
// go-glob (ryanuber/go-glob), as bound_claims_type=glob uses: '*' anywhere.
bool GlobMatch(std::string_view pattern, std::string_view value);

// A Kubernetes label selector (metav1.LabelSelector), as the kubernetes auth
// method reads bound_service_account_namespace_selector: matchLabels (every
// label equal) and matchExpressions (In, NotIn, Exists, DoesNotExist), all
// ANDed; an empty selector matches every namespace.
struct LabelSelector {
  struct Requirement {
    std::string key;
    std::string op;  // In, NotIn, Exists, DoesNotExist
    std::vector<std::string> values;
  };
  std::map<std::string, std::string> match_labels;
  std::vector<Requirement> match_expressions;

  bool Matches(const std::map<std::string, std::string>& labels) const;
};
// Reads a selector written as YAML or JSON the way the plugin decodes it
// (k8s YAMLOrJSONDecoder into metav1.LabelSelector): keys other than
// matchLabels / matchExpressions are ignored (listed in `ignored`), so a
// misspelt key leaves a selector that matches every namespace. Fails (the
// message says what is wrong) for what cannot be decoded or evaluated: not a
// mapping, wrong types, an unknown operator, values with
// Exists/DoesNotExist, no values with In/NotIn. Current Vault refuses any
// matchExpressions at role write (`match_expressions` tells).
struct ParsedSelector {
  std::optional<LabelSelector> selector;
  std::string error;
  std::vector<std::string> ignored;  // keys the decoder drops
  bool match_expressions = false;    // a non-null matchExpressions was written
};
ParsedSelector ParseLabelSelector(std::string_view text);

// A CIDR block, or one address (a /32 or /128), as Vault's
// parseutil.ParseAddrs reads token_bound_cidrs and secret_id_bound_cidrs.
// Host bits may be set ("10.1.2.3/8" is 10.0.0.0/8). Parsed with Boost.Asio.
struct Cidr {
  bool v6 = false;
  std::array<std::uint8_t, 16> bytes{};  // v4 uses the first 4
  unsigned prefix = 0;
  std::string text;  // as written
};
std::optional<Cidr> ParseCidr(std::string_view text);
// Parses an IPv4 or IPv6 address as a /32 or /128; nullopt when it is not one.
std::optional<Cidr> ParseIp(std::string_view text);
// True when `ip` lies in `block` (an IPv4 address never lies in an IPv6 block).
bool CidrContains(const Cidr& block, const Cidr& ip);

}  // namespace polcheck::analysis
