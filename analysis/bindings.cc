#include "analysis/bindings.h"

#include <fmt/format.h>
#include <re2/re2.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <cctype>
#include <set>

#include "config/yaml_reader.h"
#include "parser/duration.h"

namespace polcheck::analysis {
namespace {

using FieldTable = std::vector<std::pair<std::string_view, FieldKind>>;

// tokenutil fields (§9.1) plus the legacy names role reads still print.
const FieldTable kTokenFields = {
    {"token_policies", FieldKind::kStringList},  {"policies", FieldKind::kStringList},
    {"token_no_default_policy", FieldKind::kBool}, {"token_ttl", FieldKind::kDuration},
    {"token_max_ttl", FieldKind::kDuration},      {"token_explicit_max_ttl", FieldKind::kDuration},
    {"token_period", FieldKind::kDuration},       {"token_num_uses", FieldKind::kInt},
    {"token_type", FieldKind::kString},           {"token_bound_cidrs", FieldKind::kStringList},
    {"token_strictly_bind_ip", FieldKind::kBool}, {"ttl", FieldKind::kDuration},
    {"max_ttl", FieldKind::kDuration},            {"period", FieldKind::kDuration},
    {"num_uses", FieldKind::kInt},                {"bound_cidrs", FieldKind::kStringList},
};

const FieldTable kKubernetesFields = {
    {"bound_service_account_names", FieldKind::kStringList},
    {"bound_service_account_namespaces", FieldKind::kStringList},
    {"bound_service_account_namespace_selector", FieldKind::kYamlText},
    {"audience", FieldKind::kString},
    {"alias_name_source", FieldKind::kString},
};

const FieldTable kAwsFields = {
    {"auth_type", FieldKind::kString},
    {"bound_iam_principal_arn", FieldKind::kStringList},
    {"bound_iam_principal_id", FieldKind::kStringList},  // read-only: the resolved unique ids
    {"bound_account_id", FieldKind::kStringList},
    {"bound_region", FieldKind::kStringList},
    {"bound_vpc_id", FieldKind::kStringList},
    {"bound_subnet_id", FieldKind::kStringList},
    {"bound_ami_id", FieldKind::kStringList},
    {"bound_iam_role_arn", FieldKind::kStringList},
    {"bound_iam_instance_profile_arn", FieldKind::kStringList},
    {"bound_ec2_instance_id", FieldKind::kStringList},
    {"inferred_entity_type", FieldKind::kString},
    {"inferred_aws_region", FieldKind::kString},
    {"resolve_aws_unique_ids", FieldKind::kBool},
    {"allow_instance_migration", FieldKind::kBool},
    {"disallow_reauthentication", FieldKind::kBool},
    {"role_tag", FieldKind::kString},
    {"role_id", FieldKind::kString},
};

const FieldTable kJwtFields = {
    {"role_type", FieldKind::kString},
    {"bound_audiences", FieldKind::kStringList},
    {"bound_subject", FieldKind::kString},
    {"bound_claims", FieldKind::kClaimMap},
    {"bound_claims_type", FieldKind::kString},
    {"user_claim", FieldKind::kString},
    {"user_claim_json_pointer", FieldKind::kBool},
    {"groups_claim", FieldKind::kString},
    {"claim_mappings", FieldKind::kStringMap},
    {"oidc_scopes", FieldKind::kStringList},
    {"allowed_redirect_uris", FieldKind::kStringList},
    {"verbose_oidc_logging", FieldKind::kBool},
    {"max_age", FieldKind::kDuration},
    {"expiration_leeway", FieldKind::kDuration},
    {"not_before_leeway", FieldKind::kDuration},
    {"clock_skew_leeway", FieldKind::kDuration},
};

const FieldTable kAppRoleFields = {
    {"bind_secret_id", FieldKind::kBool},
    {"secret_id_bound_cidrs", FieldKind::kStringList},
    {"bound_cidr_list", FieldKind::kStringList},
    {"secret_id_num_uses", FieldKind::kInt},
    {"secret_id_ttl", FieldKind::kDuration},
    {"local_secret_ids", FieldKind::kBool},
    {"role_id", FieldKind::kString},
};

const FieldTable kUserpassFields = {{"password", FieldKind::kString}, {"password_hash", FieldKind::kString}};

const FieldTable kGithubConfigFields = {
    {"organization", FieldKind::kString},
    {"organization_id", FieldKind::kInt},
    {"base_url", FieldKind::kString},
};

// auth/token/roles/<name>: no token_policies; policies come from allowed_policies.
const FieldTable kTokenRoleFields = {
    {"name", FieldKind::kString},
    {"allowed_policies", FieldKind::kStringList},
    {"disallowed_policies", FieldKind::kStringList},
    {"allowed_policies_glob", FieldKind::kStringList},
    {"disallowed_policies_glob", FieldKind::kStringList},
    {"orphan", FieldKind::kBool},
    {"renewable", FieldKind::kBool},
    {"path_suffix", FieldKind::kString},
    {"allowed_entity_aliases", FieldKind::kStringList},
    {"token_bound_cidrs", FieldKind::kStringList},
    {"token_explicit_max_ttl", FieldKind::kDuration},
    {"token_no_default_policy", FieldKind::kBool},
    {"token_num_uses", FieldKind::kInt},
    {"token_period", FieldKind::kDuration},
    {"token_type", FieldKind::kString},
    {"token_ttl", FieldKind::kDuration},
    {"token_max_ttl", FieldKind::kDuration},
    {"explicit_max_ttl", FieldKind::kDuration},
    {"period", FieldKind::kDuration},
    {"bound_cidrs", FieldKind::kStringList},
};

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) {
    s.remove_prefix(1);
  }
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) {
    s.remove_suffix(1);
  }
  return std::string(s);
}

std::vector<std::string> SplitComma(std::string_view s) {
  std::vector<std::string> out;
  if (Trim(s).empty()) {
    return out;
  }
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = s.find(',', start);
    out.push_back(Trim(s.substr(start, comma == std::string_view::npos ? s.npos : comma - start)));
    if (comma == std::string_view::npos) {
      return out;
    }
    start = comma + 1;
  }
}

// A short stable hex tag, for generated ids and accessors (FNV-1a).
std::string HexTag(std::string_view text) {
  std::uint32_t h = 2166136261u;
  for (unsigned char c : text) {
    h = (h ^ c) * 16777619u;
  }
  return fmt::format("{:08x}", h);
}

std::string StripSlashes(std::string s) {
  while (!s.empty() && s.front() == '/') {
    s.erase(0, 1);
  }
  while (!s.empty() && s.back() == '/') {
    s.pop_back();
  }
  if (s.rfind("auth/", 0) == 0) {
    s.erase(0, 5);
  }
  return s;
}

// A namespace path as written ("team-a/", "/team-a/dev", "root") without
// slashes at the ends; "" is the root namespace.
std::string NamespacePath(std::string path) {
  while (!path.empty() && path.front() == '/') {
    path.erase(0, 1);
  }
  while (!path.empty() && path.back() == '/') {
    path.pop_back();
  }
  return path == "root" ? std::string() : path;
}

class Reader {
 public:
  Reader(const SourceFile& source, Bindings& out, DiagnosticSink& sink)
      : source_(source), out_(out), sink_(sink) {}

  void Read(const YAML::Node& root);

 private:
  Span SpanOf(const YAML::Node& node) const;
  void Error(const YAML::Node& node, std::string message, std::string vault = {}) {
    sink_.Add(Severity::kError, SpanOf(node), "bindings", std::move(message), std::move(vault));
  }
  void ErrorAt(Span span, std::string message, std::string vault = {}) {
    sink_.Add(Severity::kError, span, "bindings", std::move(message), std::move(vault));
  }
  void Warn(Span span, std::string message) {
    sink_.Add(Severity::kWarning, span, "bindings", std::move(message));
  }
  // A second definition of one Vault object (same API path): Vault stores
  // one, so the first is kept and this one is dropped.
  void Duplicate(Span second, Span first, std::string_view what) {
    sink_.Add(Diagnostic{.severity = Severity::kError,
                         .span = second,
                         .message = fmt::format("{} is defined twice; Vault stores one object per path, polcheck "
                                                "keeps the first definition",
                                                what),
                         .code = "duplicate-binding",
                         .vault_message = {},
                         .related = {RelatedLocation{.span = first, .message = "first defined here"}}});
  }
  std::optional<std::string> Scalar(const YAML::Node& node, std::string_view what);
  std::vector<std::string> StringList(const YAML::Node& node, std::string_view what);
  std::map<std::string, std::string> StringMap(const YAML::Node& node, std::string_view what);
  bool CheckKeys(const YAML::Node& map, std::string_view where, std::initializer_list<std::string_view> allowed);
  // Reads `object` against the tables; unknown names are errors.
  Fields ReadFields(const YAML::Node& object, std::string_view where, std::initializer_list<const FieldTable*> tables);
  std::optional<Field> ReadField(const YAML::Node& value, std::string_view name, FieldKind kind);
  YAML::Node Unwrap(const YAML::Node& object) const;

  void ReadAuth(const YAML::Node& node);
  void ReadMount(const YAML::Node& key, const YAML::Node& spec);
  void ReadRoles(const YAML::Node& node, AuthMount& mount, bool users);
  void ReadGithubMap(const YAML::Node& node, AuthMount& mount);
  void ReadTokenRoles(const YAML::Node& node);
  void ReadIdentity(const YAML::Node& node);
  void ReadEntity(const YAML::Node& node, std::string name_from_key);
  void ReadGroup(const YAML::Node& node, std::string name_from_key);
  template <typename F>
  void ForEachObject(const YAML::Node& node, std::string_view what, F read);

  void CheckRole(const Role& role);
  void CheckAwsRole(const Role& role, const std::string& where);
  void CheckTokenTtls(const Fields& fields);
  void CheckCidrs(const Fields& fields);
  void CheckMountConfig(const AuthMount& mount);
  void CheckNamespaceSelector(const Field& selector, const std::string& where);

  const SourceFile& source_;
  Bindings& out_;
  DiagnosticSink& sink_;
};

Span Reader::SpanOf(const YAML::Node& node) const { return config::YamlSpan(source_, node); }

// A YAML plain (unquoted) scalar that is a boolean or a JSON-style number is
// typed; anything quoted, and every other plain scalar, is a string.
ClaimValueType PlainScalarType(const YAML::Node& node) {
  if (!node.IsScalar() || node.Tag() != "?") {
    return ClaimValueType::kString;
  }
  const std::string& text = node.Scalar();
  for (std::string_view b : {"true", "false", "True", "False", "TRUE", "FALSE"}) {
    if (text == b) {
      return ClaimValueType::kBool;
    }
  }
  static const RE2 kNumber(R"(-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?)");
  return RE2::FullMatch(text, kNumber) ? ClaimValueType::kNumber : ClaimValueType::kString;
}

std::optional<std::string> Reader::Scalar(const YAML::Node& node, std::string_view what) {
  if (node.IsNull()) {
    return std::string();
  }
  if (!node.IsScalar()) {
    Error(node, fmt::format("{} must be a single value", what));
    return std::nullopt;
  }
  return node.Scalar();
}

std::vector<std::string> Reader::StringList(const YAML::Node& node, std::string_view what) {
  std::vector<std::string> out;
  if (node.IsNull()) {
    return out;
  }
  if (node.IsScalar()) {
    return SplitComma(node.Scalar());  // TypeCommaStringSlice: "a,b" == ["a","b"]
  }
  if (!node.IsSequence()) {
    Error(node, fmt::format("{} must be a list of strings or a comma-separated string", what));
    return out;
  }
  for (const YAML::Node& item : node) {
    if (!item.IsScalar()) {
      Error(item, fmt::format("{} must hold only strings", what));
      continue;
    }
    out.push_back(item.Scalar());
  }
  return out;
}

std::map<std::string, std::string> Reader::StringMap(const YAML::Node& node, std::string_view what) {
  std::map<std::string, std::string> out;
  if (node.IsNull()) {
    return out;
  }
  if (!node.IsMap()) {
    Error(node, fmt::format("{} must map names to strings", what));
    return out;
  }
  for (const auto& kv : node) {
    if (std::optional<std::string> v = Scalar(kv.second, fmt::format("{} value", what))) {
      out[kv.first.as<std::string>("")] = *v;
    }
  }
  return out;
}

bool Reader::CheckKeys(const YAML::Node& map, std::string_view where,
                       std::initializer_list<std::string_view> allowed) {
  return config::CheckYamlKeys(source_, sink_, "bindings", map, where, allowed);
}

// `vault read -format=json` wraps the object: {"request_id": ..., "data": {...}}.
YAML::Node Reader::Unwrap(const YAML::Node& object) const {
  if (object.IsMap() && object["data"] && object["data"].IsMap() && object["request_id"]) {
    return object["data"];
  }
  return object;
}

std::optional<Field> Reader::ReadField(const YAML::Node& value, std::string_view name, FieldKind kind) {
  Field f;
  f.kind = kind;
  f.span = SpanOf(value);
  const std::string what = fmt::format("\"{}\"", name);
  switch (kind) {
    case FieldKind::kString: {
      std::optional<std::string> s = Scalar(value, what);
      if (!s) {
        return std::nullopt;
      }
      f.text = *s;
      return f;
    }
    case FieldKind::kAny:
      f.text = value.IsScalar() ? value.Scalar() : std::string();
      return f;
    case FieldKind::kYamlText:
      if (value.IsNull() || value.IsScalar()) {
        f.text = value.IsNull() ? std::string() : value.Scalar();
      } else {
        // Written inline as YAML: kept as its JSON text, the form Vault stores.
        YAML::Emitter json;
        json << YAML::DoubleQuoted << YAML::Flow << value;
        f.text = json.c_str();
      }
      return f;
    case FieldKind::kStringList:
      if (!value.IsNull() && !value.IsScalar() && !value.IsSequence()) {
        Error(value, fmt::format("{} must be a list of strings or a comma-separated string", what));
        return std::nullopt;
      }
      f.list = StringList(value, what);
      return f;
    case FieldKind::kBool: {
      std::optional<std::string> s = Scalar(value, what);
      if (!s) {
        return std::nullopt;
      }
      // Vault's TypeBool takes true/false and strconv.ParseBool's spellings.
      static const std::set<std::string> kTrue = {"true", "True", "TRUE", "1", "t", "T"};
      static const std::set<std::string> kFalse = {"false", "False", "FALSE", "0", "f", "F"};
      if (kTrue.count(*s) != 0 || kFalse.count(*s) != 0) {
        f.boolean = kTrue.count(*s) != 0;
        return f;
      }
      Error(value, fmt::format("{} must be a boolean, not \"{}\"", what, *s));
      return std::nullopt;
    }
    case FieldKind::kInt: {
      std::optional<std::string> s = Scalar(value, what);
      if (!s) {
        return std::nullopt;
      }
      try {
        std::size_t used = 0;
        f.number = std::stoll(*s, &used);
        if (used == s->size()) {
          return f;
        }
      } catch (const std::exception&) {
      }
      Error(value, fmt::format("{} must be an integer, not \"{}\"", what, *s));
      return std::nullopt;
    }
    case FieldKind::kDuration: {
      std::optional<std::string> s = Scalar(value, what);
      if (!s) {
        return std::nullopt;
      }
      if (s->empty()) {
        return f;
      }
      parser::DurationResult d = parser::ParseDurationString(*s);
      if (!d.seconds) {
        Error(value, fmt::format("{} must be a duration (seconds or \"1h30m\"), not \"{}\"", what, *s), d.error);
        return std::nullopt;
      }
      f.number = *d.seconds;
      return f;
    }
    case FieldKind::kStringMap:
      for (auto& [k, v] : StringMap(value, what)) {
        f.map[k] = {v};
      }
      return f;
    case FieldKind::kClaimMap:
      if (value.IsNull()) {
        return f;
      }
      if (!value.IsMap()) {
        Error(value, fmt::format("{} must map a claim to a value or a list of values", what));
        return std::nullopt;
      }
      for (const auto& kv : value) {
        const std::string claim = kv.first.as<std::string>("");
        if (kv.second.IsSequence()) {
          f.map[claim] = StringList(kv.second, what);
          for (const YAML::Node& item : kv.second) {
            f.claim_types[claim].push_back(PlainScalarType(item));
          }
          f.claim_types[claim].resize(f.map[claim].size(), ClaimValueType::kString);
        } else if (std::optional<std::string> v = Scalar(kv.second, what)) {
          f.map[claim] = {*v};
          f.claim_types[claim] = {PlainScalarType(kv.second)};
        }
      }
      return f;
  }
  return std::nullopt;
}

Fields Reader::ReadFields(const YAML::Node& object, std::string_view where,
                          std::initializer_list<const FieldTable*> tables) {
  Fields fields;
  if (!object.IsMap()) {
    if (!object.IsNull()) {
      Error(object, fmt::format("{} must be a mapping of Vault's field names to values", where));
    }
    return fields;
  }
  for (const auto& kv : object) {
    const std::string name = kv.first.as<std::string>("");
    std::optional<FieldKind> kind;
    for (const FieldTable* table : tables) {
      for (const auto& [n, k] : *table) {
        if (n == name) {
          kind = k;
        }
      }
    }
    if (!kind) {
      Error(kv.first, fmt::format("unknown field \"{}\" in {}", name, where));
      continue;
    }
    if (std::optional<Field> f = ReadField(kv.second, name, *kind)) {
      f->key_span = SpanOf(kv.first);
      fields.values[name] = *std::move(f);
    }
  }
  return fields;
}

template <typename F>
void Reader::ForEachObject(const YAML::Node& node, std::string_view what, F read) {
  if (node.IsNull()) {
    return;
  }
  if (node.IsSequence()) {
    for (const YAML::Node& item : node) {
      read(item, std::string());
    }
  } else if (node.IsMap()) {
    for (const auto& kv : node) {
      read(kv.second, kv.first.as<std::string>(""));
    }
  } else {
    Error(node, fmt::format("{} must be a list or a mapping by name", what));
  }
}

void Reader::Read(const YAML::Node& root) {
  if (root.IsNull()) {
    return;
  }
  if (!CheckKeys(root, "a bindings file", {"auth", "identity", "token_roles", "group_policy_application"})) {
    return;
  }
  if (const YAML::Node g = root["group_policy_application"]) {
    const YAML::Node config = Unwrap(g);
    if (CheckKeys(config, "group_policy_application", {"group_policy_application_mode"}) &&
        config["group_policy_application_mode"]) {
      const YAML::Node mode = config["group_policy_application_mode"];
      const std::string text = Scalar(mode, "group_policy_application_mode").value_or("");
      if (text != "within_namespace_hierarchy" && text != "any") {
        Error(mode, fmt::format("group_policy_application_mode \"{}\" is not within_namespace_hierarchy or any", text));
      } else {
        out_.group_policy_application_mode = text;
        out_.group_policy_application_span = SpanOf(mode);
      }
    }
  }
  if (const YAML::Node a = root["auth"]) {
    ReadAuth(a);
  }
  if (const YAML::Node t = root["token_roles"]) {
    ReadTokenRoles(t);
  }
  if (const YAML::Node i = root["identity"]) {
    ReadIdentity(i);
  }
}

void Reader::ReadAuth(const YAML::Node& node) {
  if (!node.IsMap()) {
    Error(node, "auth must map a mount path to its method, e.g. kubernetes: {roles: {...}}");
    return;
  }
  for (const auto& kv : node) {
    ReadMount(kv.first, kv.second);
  }
}

void Reader::ReadMount(const YAML::Node& key, const YAML::Node& spec) {
  const std::string path = StripSlashes(key.as<std::string>(""));
  if (!CheckKeys(spec, fmt::format("auth mount \"{}\"", path),
                 {"type", "accessor", "description", "roles", "users", "config", "map", "namespace"})) {
    return;
  }
  AuthMount* mount = nullptr;
  for (AuthMount& m : out_.mounts) {
    if (m.path == path) {
      mount = &m;  // the same mount continued in another file
    }
  }
  if (mount == nullptr) {
    AuthMount fresh;
    fresh.path = path;
    fresh.type_name = path;
    fresh.span = SpanOf(key);
    out_.mounts.push_back(std::move(fresh));
    mount = &out_.mounts.back();
  }
  if (const YAML::Node t = spec["type"]) {
    mount->type_name = Scalar(t, "type").value_or(mount->type_name);
  }
  mount->type = ParseAuthType(mount->type_name);
  if (mount->type == AuthType::kOther && !spec["type"]) {
    Warn(SpanOf(key), fmt::format("auth mount \"{}\": unknown method type \"{}\"; set `type:` (kubernetes, aws, "
                                  "jwt, oidc, approle, userpass, github) so its roles can be matched",
                                  path, mount->type_name));
  }
  if (const YAML::Node a = spec["accessor"]) {
    mount->accessor = Scalar(a, "accessor").value_or("");
  }
  if (const YAML::Node n = spec["namespace"]) {
    mount->namespace_path = NamespacePath(Scalar(n, "namespace").value_or(""));
  }
  if (mount->accessor.empty()) {
    mount->accessor = fmt::format("auth_{}_{}", mount->type_name, HexTag(path));
  }
  const bool users = mount->type == AuthType::kUserpass;
  if (const YAML::Node r = spec["roles"]) {
    if (users || mount->type == AuthType::kGithub) {
      Error(r, fmt::format("a {} mount has no roles; use `{}`", mount->type_name, users ? "users" : "map"));
    } else {
      ReadRoles(r, *mount, false);
    }
  }
  if (const YAML::Node u = spec["users"]) {
    if (!users) {
      Error(u, fmt::format("only userpass mounts have `users` (this one is {})", mount->type_name));
    } else {
      ReadRoles(u, *mount, true);
    }
  }
  if (const YAML::Node c = spec["config"]) {
    if (mount->type == AuthType::kGithub) {
      mount->github.fields = ReadFields(Unwrap(c), "github config", {&kGithubConfigFields, &kTokenFields});
      CheckTokenTtls(mount->github.fields);
    } else {
      // Method configuration (issuer, CA, keys, auth/aws/config/identity):
      // kept as text; the fields logins depend on are checked below.
      const YAML::Node config = Unwrap(c);
      if (!config.IsMap()) {
        Error(config, fmt::format("auth mount \"{}\": config must be a mapping of Vault's field names", path));
      }
      for (const auto& kv : config) {
        Field f;
        f.kind = FieldKind::kAny;
        f.text = kv.second.IsScalar() ? kv.second.Scalar() : "";
        f.span = SpanOf(kv.second);
        f.key_span = SpanOf(kv.first);
        if (kv.second.IsSequence()) {
          f.list = StringList(kv.second, kv.first.as<std::string>(""));
        }
        mount->config.values[kv.first.as<std::string>("")] = f;
      }
      CheckMountConfig(*mount);
    }
  }
  if (const YAML::Node m = spec["map"]) {
    if (mount->type != AuthType::kGithub) {
      Error(m, fmt::format("only github mounts have `map` (this one is {})", mount->type_name));
    } else {
      ReadGithubMap(m, *mount);
    }
  }
}

void Reader::ReadRoles(const YAML::Node& node, AuthMount& mount, bool users) {
  if (!node.IsMap()) {
    Error(node, fmt::format("{} must map a {} name to its fields", users ? "users" : "roles", users ? "user" : "role"));
    return;
  }
  const FieldTable* specific = nullptr;
  switch (mount.type) {
    case AuthType::kKubernetes:
      specific = &kKubernetesFields;
      break;
    case AuthType::kAws:
      specific = &kAwsFields;
      break;
    case AuthType::kJwt:
      specific = &kJwtFields;
      break;
    case AuthType::kAppRole:
      specific = &kAppRoleFields;
      break;
    case AuthType::kUserpass:
      specific = &kUserpassFields;
      break;
    case AuthType::kGithub:
    case AuthType::kOther:
      break;
  }
  for (const auto& kv : node) {
    Role role;
    role.mount = mount.path;
    role.type = mount.type;
    role.file = source_.id();
    role.name = kv.first.as<std::string>("");
    // AWS role names and userpass user names are lower-cased by Vault (§9.3, §9.4).
    if (mount.type == AuthType::kAws || mount.type == AuthType::kUserpass) {
      role.name = Lower(role.name);
    }
    role.name_span = SpanOf(kv.first);
    const std::string where = fmt::format("{} \"{}\" of auth/{}", users ? "user" : "role", role.name, mount.path);
    if (specific != nullptr) {
      role.fields = ReadFields(Unwrap(kv.second), where, {specific, &kTokenFields});
    } else {
      // Unknown method: keep every field, interpret only the token fields.
      const YAML::Node object = Unwrap(kv.second);
      role.fields = ReadFields(object, where, {&kTokenFields});
    }
    auto first = std::find_if(mount.roles.begin(), mount.roles.end(),
                              [&](const Role& existing) { return existing.name == role.name; });
    if (first != mount.roles.end()) {
      Duplicate(role.name_span, first->name_span, where);
      continue;
    }
    CheckRole(role);
    mount.roles.push_back(std::move(role));
  }
}

void Reader::ReadGithubMap(const YAML::Node& node, AuthMount& mount) {
  if (!CheckKeys(node, "github map", {"teams", "users"})) {
    return;
  }
  auto read = [&](const YAML::Node& m, std::map<std::string, std::vector<std::string>>& into,
                  std::map<std::string, Span>& spans, std::string_view what) {
    if (!m.IsMap()) {
      Error(m, fmt::format("map/{} must map a name to policies", what));
      return;
    }
    for (const auto& kv : m) {
      // `vault read auth/github/map/teams/x` prints {"key": "x", "value": "p1,p2"}.
      YAML::Node value = Unwrap(kv.second);
      if (value.IsMap() && value["value"]) {
        value = value["value"];
      }
      // Maps are case-insensitive (framework.PolicyMap stores lower-cased keys).
      const std::string key = Lower(kv.first.as<std::string>(""));
      if (auto first = spans.find(key); first != spans.end()) {
        Duplicate(SpanOf(kv.first), first->second, fmt::format("auth/{}/map/{}/{}", mount.path, what, key));
        continue;
      }
      into[key] = StringList(value, fmt::format("map/{}/{}", what, key));
      spans[key] = SpanOf(kv.first);
    }
  };
  if (const YAML::Node t = node["teams"]) {
    read(t, mount.github.teams, mount.github.team_spans, "teams");
  }
  if (const YAML::Node u = node["users"]) {
    read(u, mount.github.users, mount.github.user_spans, "users");
  }
}

void Reader::ReadTokenRoles(const YAML::Node& node) {
  if (!node.IsMap()) {
    Error(node, "token_roles must map a role name to its fields");
    return;
  }
  for (const auto& kv : node) {
    TokenRole role;
    role.name = kv.first.as<std::string>("");
    role.name_span = SpanOf(kv.first);
    role.fields = ReadFields(Unwrap(kv.second), fmt::format("token role \"{}\"", role.name), {&kTokenRoleFields});
    auto first = std::find_if(out_.token_roles.begin(), out_.token_roles.end(),
                              [&](const TokenRole& t) { return t.name == role.name; });
    if (first != out_.token_roles.end()) {
      Duplicate(role.name_span, first->name_span, fmt::format("token role \"{}\"", role.name));
      continue;
    }
    CheckTokenTtls(role.fields);
    CheckCidrs(role.fields);
    out_.token_roles.push_back(std::move(role));
  }
}

void Reader::ReadIdentity(const YAML::Node& node) {
  if (!CheckKeys(node, "identity", {"entities", "groups"})) {
    return;
  }
  if (const YAML::Node e = node["entities"]) {
    ForEachObject(e, "entities", [&](const YAML::Node& n, std::string key) { ReadEntity(Unwrap(n), std::move(key)); });
  }
  if (const YAML::Node g = node["groups"]) {
    ForEachObject(g, "groups", [&](const YAML::Node& n, std::string key) { ReadGroup(Unwrap(n), std::move(key)); });
  }
}

void Reader::ReadEntity(const YAML::Node& node, std::string name_from_key) {
  if (!CheckKeys(node, "an entity", {"id", "name", "policies", "metadata", "disabled", "aliases", "namespace"})) {
    return;
  }
  IdentityEntity e;
  e.span = SpanOf(node);
  e.name = node["name"] ? Scalar(node["name"], "name").value_or("") : name_from_key;
  e.id = node["id"] ? Scalar(node["id"], "id").value_or("") : "";
  if (e.name.empty()) {
    Error(node, "an entity needs a name");
    return;
  }
  for (const IdentityEntity& first : out_.entities) {
    if (first.name == e.name) {
      Duplicate(e.span, first.span, fmt::format("entity \"{}\"", e.name));
      return;
    }
  }
  if (e.id.empty()) {
    e.id = "entity-" + HexTag("entity/" + e.name);
  }
  if (const YAML::Node p = node["policies"]) {
    e.policies = StringList(p, "policies");
  }
  if (const YAML::Node m = node["metadata"]) {
    e.metadata = StringMap(m, "metadata");
  }
  if (const YAML::Node n = node["namespace"]) {
    e.namespace_path = NamespacePath(Scalar(n, "namespace").value_or(""));
  }
  if (const YAML::Node d = node["disabled"]) {
    if (std::optional<Field> f = ReadField(d, "disabled", FieldKind::kBool)) {
      e.disabled = f->boolean;
    }
  }
  if (const YAML::Node a = node["aliases"]) {
    ForEachObject(a, "aliases", [&](const YAML::Node& n, const std::string&) {
      if (!CheckKeys(n, "an entity alias",
                     {"id", "name", "mount", "mount_accessor", "mount_path", "mount_type", "metadata",
                      "custom_metadata", "canonical_id", "creation_time", "last_update_time", "local",
                      "merged_from_canonical_ids", "namespace_id"})) {
        return;
      }
      EntityAlias alias;
      alias.span = SpanOf(n);
      alias.name = Scalar(n["name"], "name").value_or("");
      alias.id = n["id"] ? Scalar(n["id"], "id").value_or("") : "";
      if (n["mount"]) {
        alias.mount = StripSlashes(Scalar(n["mount"], "mount").value_or(""));
      } else if (n["mount_path"]) {
        alias.mount = StripSlashes(Scalar(n["mount_path"], "mount_path").value_or(""));
      }
      alias.mount_accessor = n["mount_accessor"] ? Scalar(n["mount_accessor"], "mount_accessor").value_or("") : "";
      if (n["metadata"]) {
        alias.metadata = StringMap(n["metadata"], "metadata");
      }
      if (n["custom_metadata"]) {
        alias.custom_metadata = StringMap(n["custom_metadata"], "custom_metadata");
      }
      if (alias.name.empty() || (alias.mount.empty() && alias.mount_accessor.empty())) {
        Error(n, "an entity alias needs a name and a mount (or mount_accessor)");
        return;
      }
      e.aliases.push_back(std::move(alias));
    });
  }
  out_.entities.push_back(std::move(e));
}

void Reader::ReadGroup(const YAML::Node& node, std::string name_from_key) {
  if (!CheckKeys(node, "a group",
                 {"id", "name", "type", "policies", "metadata", "member_entity_ids", "member_group_ids",
                  "member_entity_names", "member_group_names", "aliases", "alias", "parent_group_ids",
                  "creation_time", "last_update_time", "modify_index", "namespace_id", "namespace"})) {
    return;
  }
  IdentityGroup g;
  g.span = SpanOf(node);
  g.name = node["name"] ? Scalar(node["name"], "name").value_or("") : name_from_key;
  g.id = node["id"] ? Scalar(node["id"], "id").value_or("") : "";
  if (g.name.empty()) {
    Error(node, "a group needs a name");
    return;
  }
  for (const IdentityGroup& first : out_.groups) {
    if (first.name == g.name) {
      Duplicate(g.span, first.span, fmt::format("group \"{}\"", g.name));
      return;
    }
  }
  if (g.id.empty()) {
    g.id = "group-" + HexTag("group/" + g.name);
  }
  if (const YAML::Node n = node["namespace"]) {
    g.namespace_path = NamespacePath(Scalar(n, "namespace").value_or(""));
  }
  if (const YAML::Node t = node["type"]) {
    const std::string type = Scalar(t, "type").value_or("internal");
    if (type != "internal" && type != "external") {
      Error(t, fmt::format("group type must be internal or external, not \"{}\"", type));
    }
    g.external = type == "external";
  }
  if (const YAML::Node p = node["policies"]) {
    g.policies = StringList(p, "policies");
  }
  if (const YAML::Node m = node["metadata"]) {
    g.metadata = StringMap(m, "metadata");
  }
  for (const char* key : {"member_entity_ids", "member_entity_names"}) {
    if (const YAML::Node n = node[key]) {
      for (std::string& v : StringList(n, key)) {
        g.member_entity_ids.push_back(std::move(v));
      }
    }
  }
  for (const char* key : {"member_group_ids", "member_group_names"}) {
    if (const YAML::Node n = node[key]) {
      for (std::string& v : StringList(n, key)) {
        g.member_group_ids.push_back(std::move(v));
      }
    }
  }
  auto read_alias = [&](const YAML::Node& n, const std::string&) {
    if (n.IsNull()) {
      return;
    }
    if (!CheckKeys(n, "a group alias",
                   {"id", "name", "mount", "mount_accessor", "mount_path", "mount_type", "canonical_id",
                    "creation_time", "last_update_time", "merged_from_canonical_ids", "metadata"})) {
      return;
    }
    GroupAlias alias;
    alias.span = SpanOf(n);
    alias.name = Scalar(n["name"], "name").value_or("");
    if (n["mount"]) {
      alias.mount = StripSlashes(Scalar(n["mount"], "mount").value_or(""));
    } else if (n["mount_path"]) {
      alias.mount = StripSlashes(Scalar(n["mount_path"], "mount_path").value_or(""));
    }
    alias.mount_accessor = n["mount_accessor"] ? Scalar(n["mount_accessor"], "mount_accessor").value_or("") : "";
    if (alias.name.empty() || (alias.mount.empty() && alias.mount_accessor.empty())) {
      Error(n, "a group alias needs a name and a mount (or mount_accessor)");
      return;
    }
    g.aliases.push_back(std::move(alias));
  };
  if (const YAML::Node a = node["aliases"]) {
    ForEachObject(a, "aliases", read_alias);
  }
  if (const YAML::Node a = node["alias"]) {
    if (!(a.IsMap() && a.size() == 0)) {  // group reads print "alias": {} when there is none
      read_alias(a, "");
    }
  }
  if (!g.aliases.empty() && !g.external) {
    ErrorAt(g.aliases.front().span, fmt::format("group \"{}\" has an alias but is not `type: external`", g.name),
            "group alias can't be created on an internal group");
  }
  if (g.external && !g.member_entity_ids.empty()) {
    Error(node, fmt::format("external group \"{}\" cannot list member entities", g.name),
          "member entities can't be set manually for external groups");
  }
  out_.groups.push_back(std::move(g));
}

void Reader::CheckTokenTtls(const Fields& fields) {
  const Field* ttl = fields.Find("token_ttl");
  const Field* max = fields.Find("token_max_ttl");
  for (const Field* f : {ttl, max, fields.Find("token_explicit_max_ttl"), fields.Find("token_period")}) {
    if (f != nullptr && f->number < 0) {
      ErrorAt(f->span, "a TTL must not be negative");
    }
  }
  if (ttl != nullptr && max != nullptr && ttl->number > 0 && max->number > 0 && ttl->number > max->number) {
    ErrorAt(ttl->span, "token_ttl is greater than token_max_ttl", "'token_ttl' cannot be greater than 'token_max_ttl'");
  }
  if (const Field* type = fields.Find("token_type")) {
    static const std::set<std::string> kTypes = {"", "default", "service", "batch", "default-service",
                                                 "default-batch"};
    if (kTypes.count(type->text) == 0) {
      ErrorAt(type->span, fmt::format("unknown token_type \"{}\"", type->text), "invalid 'token_type' value");
    }
  }
}

void Reader::CheckCidrs(const Fields& fields) {
  for (const char* name : {"token_bound_cidrs", "bound_cidrs", "secret_id_bound_cidrs", "bound_cidr_list"}) {
    const Field* f = fields.Find(name);
    if (f == nullptr) {
      continue;
    }
    for (const std::string& text : f->list) {
      if (!ParseCidr(text)) {
        ErrorAt(f->span, fmt::format("{}: \"{}\" is not an IP address or CIDR block (e.g. 10.0.0.0/8, 192.0.2.7)",
                                     name, text));
      }
    }
  }
}

// Vault's aws role write checks (builtin/credential/aws/path_role.go): EC2
// bindings need auth_type=ec2 or IAM with inferred_entity_type=ec2_instance
// (and then inferred_aws_region); bound_iam_principal_arn needs IAM; at least
// one binding; the ec2-only switches are refused on IAM roles.
void Reader::CheckAwsRole(const Role& role, const std::string& where) {
  const Fields& f = role.fields;
  const std::string auth_type = f.String("auth_type", "iam");
  if (auth_type != "iam" && auth_type != "ec2") {
    ErrorAt(f.Find("auth_type")->span, fmt::format("unknown auth_type \"{}\"", auth_type),
            fmt::format("unrecognized auth_type: {}", auth_type));
    return;
  }
  bool allow_ec2_binds = auth_type == "ec2";
  const std::string inferred = f.String("inferred_entity_type");
  if (!inferred.empty()) {
    const Field* at = f.Find("inferred_entity_type");
    if (auth_type != "iam") {
      ErrorAt(at->span, fmt::format("{}: inferred_entity_type needs auth_type iam", where),
              "specified inferred_entity_type but didn't allow iam auth_type");
    } else if (inferred != "ec2_instance") {
      ErrorAt(at->span, fmt::format("{}: unknown inferred_entity_type \"{}\" (expected ec2_instance)", where, inferred),
              fmt::format("specified invalid inferred_entity_type: {}", inferred));
    } else if (f.String("inferred_aws_region").empty()) {
      ErrorAt(at->span, fmt::format("{}: inferred_entity_type needs inferred_aws_region", where),
              "specified inferred_entity_type but not inferred_aws_region");
    }
    allow_ec2_binds = true;
  } else if (const Field* region = f.Find("inferred_aws_region"); region != nullptr && !region->text.empty()) {
    ErrorAt(region->span, fmt::format("{}: inferred_aws_region without inferred_entity_type", where),
            "specified inferred_aws_region but not inferred_entity_type");
  }
  int binds = 0;
  if (!f.List("bound_region").empty()) {
    ++binds;
    if (auth_type != "ec2") {  // unlike the other EC2 bindings, not allowed with inference
      ErrorAt(f.Find("bound_region")->span, fmt::format("{}: bound_region needs auth_type ec2", where),
              "specified bound_region but not specifying ec2 auth_type");
    }
  }
  for (const char* n : {"bound_account_id", "bound_vpc_id", "bound_subnet_id", "bound_ami_id", "bound_iam_role_arn",
                        "bound_iam_instance_profile_arn", "bound_ec2_instance_id"}) {
    if (f.List(n).empty()) {
      continue;
    }
    ++binds;
    if (!allow_ec2_binds) {
      ErrorAt(f.Find(n)->span,
              fmt::format("{}: {} is an EC2 binding: it needs auth_type ec2 or inferred_entity_type ec2_instance",
                          where, n),
              fmt::format("specified {} but not specifying ec2 auth_type or inferring ec2_instance", n));
    }
  }
  if (!f.List("bound_iam_principal_arn").empty()) {
    ++binds;
    if (auth_type != "iam") {
      ErrorAt(f.Find("bound_iam_principal_arn")->span, fmt::format("{}: bound_iam_principal_arn needs auth_type iam", where),
              "specified bound_iam_principal_arn but not specifying iam auth_type");
    }
  }
  if (binds == 0) {
    ErrorAt(role.name_span, fmt::format("{} has no bound_* constraint", where),
            "at least one bound parameter should be specified on the role");
  }
  if (f.Bool("allow_instance_migration", false) && f.Bool("disallow_reauthentication", false)) {
    ErrorAt(f.Find("allow_instance_migration")->span,
            fmt::format("{}: allow_instance_migration and disallow_reauthentication exclude each other", where),
            "cannot specify both disallow_reauthentication=true and allow_instance_migration=true");
  }
  if (f.String("role_tag").size() > 127) {
    ErrorAt(f.Find("role_tag")->span, fmt::format("{}: role_tag is longer than 127 characters", where),
            "length of role tag exceeds the EC2 key limit of 127 characters");
  }
  // A field Vault refuses on IAM roles only when it is switched on: `vault
  // read` prints them (false / "") for every role, and reads paste in.
  if (auth_type != "ec2") {
    for (const char* n : {"allow_instance_migration", "disallow_reauthentication"}) {
      if (f.Bool(n, false)) {
        ErrorAt(f.Find(n)->span, fmt::format("{}: {} applies to auth_type ec2 only", where, n),
                fmt::format("specified {} when not using ec2 auth type", n));
      }
    }
    if (!f.String("role_tag").empty()) {
      ErrorAt(f.Find("role_tag")->span, fmt::format("{}: role_tag applies to auth_type ec2 only", where),
              "tried to enable role_tag when not using ec2 auth method");
    }
  }
  for (const std::string& arn : f.List("bound_iam_principal_arn")) {
    if (arn == "*") {
      Warn(f.Find("bound_iam_principal_arn")->span,
           fmt::format("{}: a bare \"*\" in bound_iam_principal_arn matches no principal", where));
    }
  }
}

// auth/aws/config/identity: iam_alias and ec2_alias pick the entity alias
// name (path_config_identity.go); the JWT plugin's OIDC client id.
void Reader::CheckMountConfig(const AuthMount& mount) {
  auto one_of = [&](std::string_view name, std::initializer_list<std::string_view> allowed) {
    const Field* f = mount.config.Find(name);
    if (f == nullptr || f->text.empty() || std::find(allowed.begin(), allowed.end(), f->text) != allowed.end()) {
      return;
    }
    std::string list;
    for (std::string_view a : allowed) {
      list += (list.empty() ? "" : " ") + std::string(a);
    }
    ErrorAt(f->span, fmt::format("{} \"{}\" is not one of: {}", name, f->text, list),
            fmt::format("{} of \"{}\" not in set of allowed values: [{}]", name, f->text, list));
  };
  if (mount.type == AuthType::kAws) {
    one_of("iam_alias", {"role_id", "unique_id", "full_arn", "canonical_arn"});
    one_of("ec2_alias", {"role_id", "instance_id", "image_id"});
  }
}

// The kubernetes plugin's role write (path_role.go makeNsLabelSelector):
// the selector must decode, and current Vault refuses matchExpressions.
// Keys the decoder drops are accepted by Vault; they are warned about, as
// is a selector that matches every namespace.
void Reader::CheckNamespaceSelector(const Field& selector, const std::string& where) {
  const std::string vault = "invalid \"bound_service_account_namespace_selector\" configured";
  const ParsedSelector parsed = ParseLabelSelector(selector.text);
  if (!parsed.selector) {
    ErrorAt(selector.span, fmt::format("{}: bound_service_account_namespace_selector: {}", where, parsed.error), vault);
    return;
  }
  if (parsed.match_expressions) {
    ErrorAt(selector.span,
            fmt::format("{}: bound_service_account_namespace_selector: label selector match expressions are not "
                        "supported (use matchLabels)",
                        where),
            vault);
  }
  for (const std::string& key : parsed.ignored) {
    Warn(selector.span, fmt::format("{}: bound_service_account_namespace_selector: Vault ignores \"{}\" (it reads "
                                    "matchLabels and matchExpressions)",
                                    where, key));
  }
  if (parsed.selector->match_labels.empty() && parsed.selector->match_expressions.empty()) {
    Warn(selector.span, fmt::format("{}: bound_service_account_namespace_selector selects nothing in particular: "
                                    "every namespace matches",
                                    where));
  }
}

void Reader::CheckRole(const Role& role) {
  CheckTokenTtls(role.fields);
  CheckCidrs(role.fields);
  const Fields& f = role.fields;
  const std::string where = fmt::format("role \"{}\"", role.name);
  for (const std::string& p : RolePolicies(f)) {
    if (Lower(Trim(p)) == "root") {
      const Field* field = f.Find("token_policies") != nullptr ? f.Find("token_policies") : f.Find("policies");
      Warn(field->span, fmt::format("{} grants the root policy: every login fails", where));
    }
  }
  switch (role.type) {
    case AuthType::kKubernetes: {
      const Field* names = f.Find("bound_service_account_names");
      const Field* namespaces = f.Find("bound_service_account_namespaces");
      if (names == nullptr || names->list.empty()) {
        ErrorAt(role.name_span, fmt::format("{} needs bound_service_account_names", where),
                "\"bound_service_account_names\" can not be empty");
      }
      if ((namespaces == nullptr || namespaces->list.empty()) &&
          f.String("bound_service_account_namespace_selector").empty()) {
        ErrorAt(role.name_span, fmt::format("{} needs bound_service_account_namespaces or a namespace selector", where),
                "\"bound_service_account_namespaces\" can not be empty if \"bound_service_account_namespace_selector\" "
                "is not set");
      }
      for (const Field* list : {names, namespaces}) {
        if (list != nullptr && list->list.size() > 1 &&
            std::find(list->list.begin(), list->list.end(), "*") != list->list.end()) {
          ErrorAt(list->span, fmt::format("{}: \"*\" cannot be mixed with other values", where),
                  "can not mix \"*\" with values");
        }
      }
      if (const Field* selector = f.Find("bound_service_account_namespace_selector");
          selector != nullptr && !selector->text.empty()) {
        CheckNamespaceSelector(*selector, where);
      }
      const std::string source = f.String("alias_name_source", "serviceaccount_uid");
      if (source != "serviceaccount_uid" && source != "serviceaccount_name") {
        ErrorAt(f.Find("alias_name_source")->span, fmt::format("unknown alias_name_source \"{}\"", source),
                fmt::format("invalid alias_name_source: {}", source));
      }
      break;
    }
    case AuthType::kAws:
      CheckAwsRole(role, where);
      break;
    case AuthType::kJwt: {
      const std::string type = f.String("role_type", "oidc");
      if (type != "oidc" && type != "jwt") {
        ErrorAt(f.Find("role_type")->span, fmt::format("unknown role_type \"{}\"", type), "invalid 'role_type': " + type);
        break;
      }
      if (f.String("user_claim").empty()) {
        ErrorAt(role.name_span, fmt::format("{} needs user_claim", where), "a user claim must be defined on the role");
      }
      if (type == "oidc" && f.List("allowed_redirect_uris").empty()) {
        ErrorAt(role.name_span, fmt::format("{} is an oidc role (the default role_type) without allowed_redirect_uris",
                                            where),
                "'allowed_redirect_uris' must be set if 'role_type' is 'oidc' or unspecified.");
      }
      const bool bound = !f.List("bound_audiences").empty() || !f.String("bound_subject").empty() ||
                         (f.Map("bound_claims") != nullptr && !f.Map("bound_claims")->empty()) ||
                         !f.List("bound_cidrs").empty() || !f.List("token_bound_cidrs").empty();
      if (type == "jwt" && !bound) {
        ErrorAt(role.name_span, fmt::format("{} has no bound constraint", where),
                "must have at least one bound constraint when creating/updating a role");
      }
      const std::string claims_type = f.String("bound_claims_type", "string");
      if (claims_type != "string" && claims_type != "glob") {
        ErrorAt(f.Find("bound_claims_type")->span, fmt::format("unknown bound_claims_type \"{}\"", claims_type),
                fmt::format("invalid 'bound_claims_type': {}", claims_type));
      }
      break;
    }
    case AuthType::kAppRole:
      if (!f.Bool("bind_secret_id", true) && f.List("secret_id_bound_cidrs").empty() &&
          f.List("bound_cidr_list").empty() && f.List("token_bound_cidrs").empty()) {
        ErrorAt(role.name_span, fmt::format("{} has neither bind_secret_id nor a CIDR binding", where),
                "at least one constraint should be enabled on the role");
      }
      break;
    case AuthType::kUserpass:
    case AuthType::kGithub:
    case AuthType::kOther:
      break;
  }
}

}  // namespace

const Field* Fields::Find(std::string_view name) const {
  auto it = values.find(name);
  return it == values.end() ? nullptr : &it->second;
}

std::string Fields::String(std::string_view name, std::string_view fallback) const {
  const Field* f = Find(name);
  return f == nullptr || f->text.empty() ? std::string(fallback) : f->text;
}

std::vector<std::string> Fields::List(std::string_view name) const {
  const Field* f = Find(name);
  return f == nullptr ? std::vector<std::string>{} : f->list;
}

bool Fields::Bool(std::string_view name, bool fallback) const {
  const Field* f = Find(name);
  return f == nullptr ? fallback : f->boolean;
}

std::int64_t Fields::Number(std::string_view name, std::int64_t fallback) const {
  const Field* f = Find(name);
  return f == nullptr ? fallback : f->number;
}

const std::map<std::string, std::vector<std::string>>* Fields::Map(std::string_view name) const {
  const Field* f = Find(name);
  return f == nullptr ? nullptr : &f->map;
}

std::string_view AuthTypeName(AuthType type) {
  switch (type) {
    case AuthType::kKubernetes:
      return "kubernetes";
    case AuthType::kAws:
      return "aws";
    case AuthType::kJwt:
      return "jwt";
    case AuthType::kAppRole:
      return "approle";
    case AuthType::kUserpass:
      return "userpass";
    case AuthType::kGithub:
      return "github";
    case AuthType::kOther:
      return "other";
  }
  return "other";
}

AuthType ParseAuthType(std::string_view type) {
  if (type == "kubernetes") {
    return AuthType::kKubernetes;
  }
  if (type == "aws") {
    return AuthType::kAws;
  }
  if (type == "jwt" || type == "oidc") {
    return AuthType::kJwt;
  }
  if (type == "approle") {
    return AuthType::kAppRole;
  }
  if (type == "userpass") {
    return AuthType::kUserpass;
  }
  if (type == "github") {
    return AuthType::kGithub;
  }
  return AuthType::kOther;
}

const AuthMount* Bindings::FindMount(std::string_view path) const {
  for (const AuthMount& m : mounts) {
    if (m.path == path) {
      return &m;
    }
  }
  return nullptr;
}

const IdentityEntity* Bindings::FindEntity(std::string_view id_or_name) const {
  for (const IdentityEntity& e : entities) {
    if (e.id == id_or_name || e.name == id_or_name) {
      return &e;
    }
  }
  return nullptr;
}

const IdentityGroup* Bindings::FindGroup(std::string_view id_or_name) const {
  for (const IdentityGroup& g : groups) {
    if (g.id == id_or_name || g.name == id_or_name) {
      return &g;
    }
  }
  return nullptr;
}

void LoadBindings(const SourceFile& source, Bindings& out, DiagnosticSink& sink) {
  std::optional<YAML::Node> root = config::ParseYaml(source, sink, "bindings-syntax", "YAML/JSON");
  if (!root) {
    return;
  }
  try {
    Reader(source, out, sink).Read(*root);
  } catch (const YAML::Exception& e) {
    sink.Add(Severity::kError, Span{source.id(), 0, 0}, "bindings", fmt::format("unreadable bindings: {}", e.msg));
  }
}

void ValidateBindings(const Bindings& b, const std::vector<std::string>& known_policies, DiagnosticSink& sink) {
  const std::set<std::string> known(known_policies.begin(), known_policies.end());
  auto check_policies = [&](const std::vector<std::string>& names, Span span, std::string_view who) {
    for (const std::string& p : SanitizePolicies(names, false)) {
      if (p != "root" && known.count(p) == 0) {
        sink.Add(Severity::kWarning, span, "unknown-policy",
                 fmt::format("{} names policy \"{}\", which no file in policies/ defines (Vault ignores it)", who, p));
      }
    }
  };
  for (const AuthMount& m : b.mounts) {
    const bool no_client_id =
        m.type == AuthType::kJwt && !m.config.values.empty() && m.config.String("oidc_client_id").empty();
    for (const Role& r : m.roles) {
      if (no_client_id && r.fields.String("role_type", "oidc") == "oidc") {
        sink.Add(Severity::kWarning, r.name_span, "bindings",
                 fmt::format("role \"{}\" is an oidc role but auth/{}/config has no oidc_client_id: its logins fail",
                             r.name, m.path),
                 "OIDC login is not configured for this mount");
      }
      const Field* f = r.fields.Find("token_policies") != nullptr ? r.fields.Find("token_policies")
                                                                   : r.fields.Find("policies");
      check_policies(RolePolicies(r.fields), f != nullptr ? f->span : r.name_span,
                     fmt::format("auth/{} role \"{}\"", m.path, r.name));
    }
    check_policies(RolePolicies(m.github.fields), m.span, fmt::format("auth/{} config", m.path));
    for (const auto& [team, policies] : m.github.teams) {
      check_policies(policies, m.github.team_spans.at(team), fmt::format("auth/{} team \"{}\"", m.path, team));
    }
    for (const auto& [user, policies] : m.github.users) {
      check_policies(policies, m.github.user_spans.at(user), fmt::format("auth/{} user \"{}\"", m.path, user));
    }
  }
  for (const TokenRole& t : b.token_roles) {
    check_policies(t.fields.List("allowed_policies"), t.name_span, fmt::format("token role \"{}\"", t.name));
  }
  for (const IdentityEntity& e : b.entities) {
    check_policies(e.policies, e.span, fmt::format("entity \"{}\"", e.name));
    for (const EntityAlias& a : e.aliases) {
      if (!a.mount.empty() && b.FindMount(a.mount) == nullptr) {
        sink.Add(Severity::kError, a.span, "bindings",
                 fmt::format("entity \"{}\": alias mount \"{}\" is not an auth mount in bindings", e.name, a.mount));
      }
    }
  }
  for (const IdentityGroup& g : b.groups) {
    check_policies(g.policies, g.span, fmt::format("group \"{}\"", g.name));
    for (const std::string& m : g.member_entity_ids) {
      if (b.FindEntity(m) == nullptr) {
        sink.Add(Severity::kWarning, g.span, "bindings",
                 fmt::format("group \"{}\": member entity \"{}\" is not defined", g.name, m));
      }
    }
    for (const std::string& m : g.member_group_ids) {
      if (b.FindGroup(m) == nullptr) {
        sink.Add(Severity::kError, g.span, "bindings",
                 fmt::format("group \"{}\": member group \"{}\" is not defined", g.name, m),
                 fmt::format("group {} does not exist", m));
      }
    }
    for (const GroupAlias& a : g.aliases) {
      if (!a.mount.empty() && b.FindMount(a.mount) == nullptr) {
        sink.Add(Severity::kError, a.span, "bindings",
                 fmt::format("group \"{}\": alias mount \"{}\" is not an auth mount in bindings", g.name, a.mount));
      }
    }
  }
}

std::vector<std::string> SanitizePolicies(const std::vector<std::string>& policies, bool add_default) {
  std::set<std::string> out;
  for (const std::string& p : policies) {
    std::string s = Lower(Trim(p));
    if (!s.empty()) {
      out.insert(std::move(s));
    }
  }
  if (out.count("root") != 0) {
    return {"root"};
  }
  if (add_default) {
    out.insert("default");
  }
  return {out.begin(), out.end()};
}

std::vector<std::string> RolePolicies(const Fields& fields) {
  if (const Field* f = fields.Find("token_policies"); f != nullptr && !f->list.empty()) {
    return f->list;
  }
  return fields.List("policies");
}

bool GlobbedStringsMatch(std::string_view item, std::string_view value) {
  if (item.size() < 2) {
    return item == value;
  }
  const bool prefix_star = item.front() == '*';
  const bool suffix_star = item.back() == '*';
  if (prefix_star && suffix_star) {
    return value.find(item.substr(1, item.size() - 2)) != std::string_view::npos;
  }
  if (prefix_star) {
    const std::string_view tail = item.substr(1);
    return value.size() >= tail.size() && value.substr(value.size() - tail.size()) == tail;
  }
  if (suffix_star) {
    const std::string_view head = item.substr(0, item.size() - 1);
    return value.substr(0, head.size()) == head;
  }
  return item == value;
}

bool GlobMatch(std::string_view pattern, std::string_view value) {
  // go-glob: split on '*'; the first part is a prefix, the last a suffix, the
  // middle parts must appear in order.
  if (pattern == "*") {
    return true;
  }
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t star = pattern.find('*', start);
    parts.push_back(pattern.substr(start, star == std::string_view::npos ? pattern.npos : star - start));
    if (star == std::string_view::npos) {
      break;
    }
    start = star + 1;
  }
  if (parts.size() == 1) {
    return pattern == value;
  }
  if (value.substr(0, parts.front().size()) != parts.front()) {
    return false;
  }
  std::size_t at = parts.front().size();
  for (std::size_t i = 1; i + 1 < parts.size(); ++i) {
    const std::size_t found = value.find(parts[i], at);
    if (found == std::string_view::npos) {
      return false;
    }
    at = found + parts[i].size();
  }
  const std::string_view last = parts.back();
  return value.size() >= at + last.size() && value.substr(value.size() - last.size()) == last;
}

}  // namespace polcheck::analysis

namespace polcheck::analysis {

bool LabelSelector::Matches(const std::map<std::string, std::string>& labels) const {
  for (const auto& [key, value] : match_labels) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) {
      return false;
    }
  }
  for (const Requirement& r : match_expressions) {
    auto it = labels.find(r.key);
    const bool listed = it != labels.end() && std::find(r.values.begin(), r.values.end(), it->second) != r.values.end();
    if ((r.op == "In" && !listed) || (r.op == "NotIn" && listed) || (r.op == "Exists" && it == labels.end()) ||
        (r.op == "DoesNotExist" && it != labels.end())) {
      return false;
    }
  }
  return true;
}

namespace {

// The scalar strings of a YAML sequence, or why not.
std::optional<std::vector<std::string>> ScalarList(const YAML::Node& node) {
  std::vector<std::string> out;
  if (node.IsNull()) {
    return out;
  }
  if (!node.IsSequence()) {
    return std::nullopt;
  }
  for (const YAML::Node& item : node) {
    if (!item.IsScalar()) {
      return std::nullopt;
    }
    out.push_back(item.Scalar());
  }
  return out;
}

std::string ReadRequirement(const YAML::Node& node, LabelSelector::Requirement& r) {
  if (!node.IsMap()) {
    return "a matchExpressions entry must be a mapping with key, operator and values";
  }
  for (const auto& kv : node) {
    const std::string key = kv.first.as<std::string>("");
    if (key == "key" && kv.second.IsScalar()) {
      r.key = kv.second.Scalar();
    } else if (key == "operator" && kv.second.IsScalar()) {
      r.op = kv.second.Scalar();
    } else if (key == "values") {
      std::optional<std::vector<std::string>> values = ScalarList(kv.second);
      if (!values) {
        return "matchExpressions values must be a list of strings";
      }
      r.values = *std::move(values);
    } else {
      return fmt::format("unexpected \"{}\" in a matchExpressions entry (expected key, operator, values)", key);
    }
  }
  if (r.key.empty()) {
    return "a matchExpressions entry needs a key";
  }
  if (r.op == "In" || r.op == "NotIn") {
    return r.values.empty() ? fmt::format("operator {} on \"{}\" needs values", r.op, r.key) : "";
  }
  if (r.op == "Exists" || r.op == "DoesNotExist") {
    return r.values.empty() ? "" : fmt::format("operator {} on \"{}\" takes no values", r.op, r.key);
  }
  return fmt::format("unknown operator \"{}\" (expected In, NotIn, Exists or DoesNotExist)", r.op);
}

}  // namespace

ParsedSelector ParseLabelSelector(std::string_view text) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return {std::nullopt, fmt::format("not YAML or JSON: {}", e.msg)};
  }
  ParsedSelector parsed;
  LabelSelector out;
  if (root.IsNull()) {
    parsed.selector = out;
    return parsed;
  }
  if (!root.IsMap()) {
    parsed.error = "a label selector must be a mapping with matchLabels and/or matchExpressions";
    return parsed;
  }
  for (const auto& kv : root) {
    const std::string key = kv.first.as<std::string>("");
    if (key == "matchLabels") {
      if (!kv.second.IsMap() && !kv.second.IsNull()) {
        return {std::nullopt, "matchLabels must map label names to values"};
      }
      for (const auto& label : kv.second) {
        if (!label.second.IsScalar()) {
          return {std::nullopt, "matchLabels values must be strings"};
        }
        out.match_labels[label.first.as<std::string>("")] = label.second.Scalar();
      }
    } else if (key == "matchExpressions") {
      if (!kv.second.IsSequence() && !kv.second.IsNull()) {
        return {std::nullopt, "matchExpressions must be a list"};
      }
      parsed.match_expressions |= !kv.second.IsNull();
      for (const YAML::Node& item : kv.second) {
        LabelSelector::Requirement r;
        if (std::string error = ReadRequirement(item, r); !error.empty()) {
          return {std::nullopt, error};
        }
        out.match_expressions.push_back(std::move(r));
      }
    } else {
      parsed.ignored.push_back(key);
    }
  }
  parsed.selector = std::move(out);
  return parsed;
}

std::optional<Cidr> ParseIp(std::string_view text) {
  boost::system::error_code ec;
  const boost::asio::ip::address address = boost::asio::ip::make_address(std::string(text), ec);
  if (ec) {
    return std::nullopt;
  }
  Cidr out;
  out.text = std::string(text);
  out.v6 = address.is_v6();
  if (out.v6) {
    const auto bytes = address.to_v6().to_bytes();
    std::copy(bytes.begin(), bytes.end(), out.bytes.begin());
    out.prefix = 128;
  } else {
    const auto bytes = address.to_v4().to_bytes();
    std::copy(bytes.begin(), bytes.end(), out.bytes.begin());
    out.prefix = 32;
  }
  return out;
}

std::optional<Cidr> ParseCidr(std::string_view text) {
  const std::size_t slash = text.find('/');
  std::optional<Cidr> out = ParseIp(Trim(text.substr(0, slash)));
  if (!out || slash == std::string_view::npos) {
    if (out) {
      out->text = std::string(text);
    }
    return out;
  }
  const std::string_view bits = text.substr(slash + 1);
  unsigned prefix = 0;
  if (bits.empty() || bits.size() > 3 ||
      !std::all_of(bits.begin(), bits.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    return std::nullopt;
  }
  for (char c : bits) {
    prefix = prefix * 10 + static_cast<unsigned>(c - '0');
  }
  if (prefix > (out->v6 ? 128u : 32u)) {
    return std::nullopt;
  }
  out->prefix = prefix;
  out->text = std::string(text);
  return out;
}

bool CidrContains(const Cidr& block, const Cidr& ip) {
  if (block.v6 != ip.v6) {
    return false;
  }
  unsigned bits = block.prefix;
  for (std::size_t i = 0; bits > 0; ++i) {
    const unsigned take = std::min(bits, 8u);
    const auto mask = static_cast<std::uint8_t>(0xffu << (8 - take));
    if ((block.bytes[i] & mask) != (ip.bytes[i] & mask)) {
      return false;
    }
    bits -= take;
  }
  return true;
}

}  // namespace polcheck::analysis
