#include "evaluator/batch.h"

#include <istream>
#include <nlohmann/json.hpp>
#include <ostream>
#include <unordered_map>

#include "base/diagnostic.h"
#include "evaluator/go_text.h"
#include "parser/parser.h"

namespace polcheck::evaluator {
namespace {

using json = nlohmann::json;
using parser::Value;

Error Invalid(std::string message) { return Error{Error::Code::kInvalidArgument, std::move(message)}; }

Value ToValue(const json& j) {
  switch (j.type()) {
    case json::value_t::null:
    case json::value_t::discarded:
      return Value();
    case json::value_t::boolean:
      return Value::Bool(j.get<bool>());
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return Value::Number(j.dump());
    case json::value_t::string:
      return Value::String(j.get<std::string>());
    case json::value_t::array: {
      Value::List items;
      for (const json& e : j) {
        items.push_back(ToValue(e));
      }
      return Value::MakeList(std::move(items));
    }
    case json::value_t::object: {
      Value::Object members;
      for (const auto& [k, v] : j.items()) {
        members[k] = ToValue(v);
      }
      return Value::MakeObject(std::move(members));
    }
    case json::value_t::binary:
      return Value();
  }
  return Value();
}

Expected<Params> ParamsFromJson(const json& j) {
  if (!j.is_object()) {
    return Unexpected(Invalid("params must be a JSON object"));
  }
  return ToValue(j).object();
}

Expected<StringMap> StringMapFromJson(const json& j, std::string_view what) {
  StringMap out;
  if (j.is_null()) {
    return out;
  }
  if (!j.is_object()) {
    return Unexpected(Invalid(std::string(what) + " must be an object of strings"));
  }
  for (const auto& [k, v] : j.items()) {
    if (!v.is_string()) {
      return Unexpected(Invalid(std::string(what) + "." + k + " must be a string"));
    }
    out[k] = v.get<std::string>();
  }
  return out;
}

Expected<std::string> StringField(const json& j, const char* key) {
  if (!j.contains(key) || j[key].is_null()) {
    return std::string();
  }
  if (!j[key].is_string()) {
    return Unexpected(Invalid(std::string(key) + " must be a string"));
  }
  return j[key].get<std::string>();
}

Expected<Alias> AliasFromJson(const json& j) {
  if (!j.is_object()) {
    return Unexpected(Invalid("entity.aliases[] must be objects"));
  }
  Alias alias;
  Expected<std::string> id = StringField(j, "id");
  Expected<std::string> name = StringField(j, "name");
  Expected<std::string> accessor = StringField(j, "mount_accessor");
  Expected<StringMap> metadata = StringMapFromJson(j.value("metadata", json()), "alias metadata");
  Expected<StringMap> custom = StringMapFromJson(j.value("custom_metadata", json()), "alias custom_metadata");
  for (const Error* e : {id ? nullptr : &id.error(), name ? nullptr : &name.error(),
                         accessor ? nullptr : &accessor.error(), metadata ? nullptr : &metadata.error(),
                         custom ? nullptr : &custom.error()}) {
    if (e != nullptr) {
      return Unexpected(*e);
    }
  }
  return Alias{*id, *name, *accessor, *metadata, *custom};
}

Expected<Group> GroupFromJson(const json& j) {
  if (!j.is_object()) {
    return Unexpected(Invalid("entity.groups[] must be objects"));
  }
  Expected<std::string> id = StringField(j, "id");
  Expected<std::string> name = StringField(j, "name");
  Expected<std::string> ns = StringField(j, "namespace");
  Expected<StringMap> metadata = StringMapFromJson(j.value("metadata", json()), "group metadata");
  for (const Error* e : {id ? nullptr : &id.error(), name ? nullptr : &name.error(), ns ? nullptr : &ns.error(),
                         metadata ? nullptr : &metadata.error()}) {
    if (e != nullptr) {
      return Unexpected(*e);
    }
  }
  return Group{*id, *name, *metadata, *ns};
}

Expected<Identity> IdentityFromJson(const json& j) {
  if (!j.is_object()) {
    return Unexpected(Invalid("entity must be a JSON object"));
  }
  Expected<std::string> id = StringField(j, "id");
  Expected<std::string> name = StringField(j, "name");
  Expected<StringMap> metadata = StringMapFromJson(j.value("metadata", json()), "entity metadata");
  for (const Error* e : {id ? nullptr : &id.error(), name ? nullptr : &name.error(),
                         metadata ? nullptr : &metadata.error()}) {
    if (e != nullptr) {
      return Unexpected(*e);
    }
  }
  Identity identity;
  identity.entity = Entity{*id, *name, *metadata, {}};
  for (const char* list : {"aliases", "groups"}) {
    if (j.contains(list) && !j[list].is_null() && !j[list].is_array()) {
      return Unexpected(Invalid(std::string("entity.") + list + " must be an array"));
    }
  }
  for (const json& a : j.value("aliases", json::array())) {
    Expected<Alias> alias = AliasFromJson(a);
    if (!alias) {
      return Unexpected(alias.error());
    }
    identity.entity->aliases.push_back(*alias);
  }
  for (const json& g : j.value("groups", json::array())) {
    Expected<Group> group = GroupFromJson(g);
    if (!group) {
      return Unexpected(group.error());
    }
    identity.groups.push_back(*group);
  }
  return identity;
}

Expected<json> ParseJson(std::string_view text) {
  json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded()) {
    return Unexpected(Invalid("invalid JSON"));
  }
  return j;
}

Expected<std::chrono::nanoseconds> WrapTtlFromJson(const json& j) {
  if (j.is_number_integer() || j.is_number_unsigned()) {
    return ParseWrapTtl(j.dump());
  }
  if (j.is_string()) {
    return ParseWrapTtl(j.get<std::string>());
  }
  return Unexpected(Invalid("wrap_ttl must be integer seconds or a duration string"));
}

// Length of the valid UTF-8 sequence at s[i], or 0 when it is not one.
std::size_t Utf8Length(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  const std::size_t width = c >= 0xF5 ? 0 : (c >= 0xF0 ? 4 : (c >= 0xE0 ? 3 : (c >= 0xC2 ? 2 : 0)));
  if (width == 0 || i + width > s.size()) {
    return 0;
  }
  const auto second = static_cast<unsigned char>(s[i + 1]);
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  if (c == 0xE0) {
    lo = 0xA0;
  } else if (c == 0xED) {
    hi = 0x9F;
  } else if (c == 0xF0) {
    lo = 0x90;
  } else if (c == 0xF4) {
    hi = 0x8F;
  }
  if (second < lo || second > hi) {
    return 0;
  }
  for (std::size_t k = 2; k < width; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) {
      return 0;
    }
  }
  return width;
}

// Appends `s` as a JSON string; invalid UTF-8 becomes U+FFFD.
void AppendJsonString(std::string& out, std::string_view s) {
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const std::size_t width = Utf8Length(s, i);
      out.append(width == 0 ? std::string_view("\xEF\xBF\xBD") : s.substr(i, width));
      i += width == 0 ? 1 : width;
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  out += '"';
}

void AppendDecidedBy(std::string& out, const Acl& acl, const Request& request, const Result& result,
                     const SourceSet* sources) {
  const RuleSource* source = acl.DecidingSource(result, request.operation);
  if (source == nullptr) {
    return;
  }
  out += ",\"decided_by\":{\"policy\":";
  AppendJsonString(out, acl.policy_name(source->policy));
  out += ",\"pattern\":";
  AppendJsonString(out, acl.rule(result.rule).pattern());
  std::string_view file;
  std::uint32_t line = 0;
  if (sources != nullptr && source->block_span.file < sources->size()) {
    const SourceFile& f = sources->file(source->block_span.file);
    file = f.name();
    line = f.Locate(source->block_span.begin).line;
  }
  out += ",\"file\":";
  AppendJsonString(out, file);
  out += ",\"line\":" + std::to_string(line) + "}";
}

// The fields of one decision, without the surrounding braces.
void AppendDecisionFields(std::string& out, const Acl& acl, const Request& request, const Result& result,
                          const SourceSet* sources, const Explanation* explanation) {
  out += result.allowed ? "\"allowed\":true" : "\"allowed\":false";
  out += result.root_privs ? ",\"root_privs\":true" : ",\"root_privs\":false";
  out += ",\"capabilities\":[";
  bool first = true;
  for (std::string_view c : acl.Capabilities(request.path, request.namespace_path)) {
    out += first ? "\"" : ",\"";
    out += c;
    out += '"';
    first = false;
  }
  out += "],\"error\":\"\",\"reason\":\"";
  out += ReasonCode(result.reason);
  out += "\",\"granting_policies\":[";
  first = true;
  for (std::uint32_t p : result.granting_policies) {
    out += first ? "" : ",";
    AppendJsonString(out, acl.policy_name(p));
    first = false;
  }
  out += ']';
  AppendDecidedBy(out, acl, request, result, sources);
  if (explanation != nullptr) {
    out += ",\"explanation\":";
    AppendJsonString(out, RenderExplanation(acl, *explanation, sources));
  }
}

std::string ErrorLine(std::string_view id_json, std::string_view error) {
  std::string out = "{\"id\":";
  out += id_json;
  out += ",\"allowed\":false,\"root_privs\":false,\"capabilities\":[],\"error\":";
  AppendJsonString(out, error);
  out += '}';
  return out;
}

// Everything a line needs, parsed and validated.
struct LineInput {
  std::string path;
  Operation operation = Operation::kRead;
  std::optional<Params> params;
  std::optional<std::chrono::nanoseconds> wrap_ttl;
  Dialect dialect = Dialect::kVault;
  bool root = false;
  bool explain = false;
  std::optional<Identity> identity;
  std::vector<std::string> policies;
  std::vector<std::string> names;
  std::string cache_key;
};

Expected<std::vector<std::string>> StringArray(const json& in, const char* key) {
  std::vector<std::string> out;
  if (!in.contains(key) || in[key].is_null()) {
    return out;
  }
  if (!in[key].is_array()) {
    return Unexpected(Invalid(std::string(key) + " must be an array of strings"));
  }
  for (const json& e : in[key]) {
    if (!e.is_string()) {
      return Unexpected(Invalid(std::string(key) + " must be an array of strings"));
    }
    out.push_back(e.get<std::string>());
  }
  return out;
}

Expected<void> ReadRequestFields(const json& in, LineInput& line) {
  if (!in.contains("path") || !in["path"].is_string()) {
    return Unexpected(Invalid("path must be a string"));
  }
  line.path = in["path"].get<std::string>();
  if (!in.contains("operation") || !in["operation"].is_string()) {
    return Unexpected(Invalid("operation must be a string"));
  }
  const std::string op = in["operation"].get<std::string>();
  const std::optional<Operation> parsed = ParseOperation(op);
  if (!parsed) {
    return Unexpected(Invalid("unknown operation \"" + op + "\""));
  }
  line.operation = *parsed;
  if (in.contains("params") && !in["params"].is_null()) {
    Expected<Params> params = ParamsFromJson(in["params"]);
    if (!params) {
      return Unexpected(params.error());
    }
    line.params = std::move(*params);
  }
  if (in.contains("wrap_ttl") && !in["wrap_ttl"].is_null()) {
    Expected<std::chrono::nanoseconds> ttl = WrapTtlFromJson(in["wrap_ttl"]);
    if (!ttl) {
      return Unexpected(ttl.error());
    }
    line.wrap_ttl = *ttl;
  }
  return {};
}

Expected<void> ReadPolicyFields(const json& in, LineInput& line) {
  if (in.contains("target") && !in["target"].is_null()) {
    const std::optional<Dialect> d = in["target"].is_string() ? ParseDialect(in["target"].get<std::string>())
                                                              : std::nullopt;
    if (!d) {
      return Unexpected(Invalid("target must be one of vault, vault-legacy, openbao"));
    }
    line.dialect = *d;
  }
  for (const char* flag : {"root", "explain"}) {
    if (in.contains(flag) && !in[flag].is_null() && !in[flag].is_boolean()) {
      return Unexpected(Invalid(std::string(flag) + " must be a boolean"));
    }
  }
  line.root = in.value("root", false);
  line.explain = in.value("explain", false);
  Expected<std::vector<std::string>> policies = StringArray(in, "policies");
  Expected<std::vector<std::string>> names = StringArray(in, "names");
  if (!policies || !names) {
    return Unexpected(policies ? names.error() : policies.error());
  }
  if (!names->empty() && names->size() != policies->size()) {
    return Unexpected(Invalid("names must be parallel to policies"));
  }
  line.policies = std::move(*policies);
  line.names = std::move(*names);
  for (std::size_t i = line.names.size(); i < line.policies.size(); ++i) {
    std::string name = "p";
    name += std::to_string(i);
    line.names.push_back(std::move(name));
  }
  if (in.contains("entity") && !in["entity"].is_null()) {
    Expected<Identity> identity = IdentityFromJson(in["entity"]);
    if (!identity) {
      return Unexpected(identity.error());
    }
    line.identity = std::move(*identity);
  }
  // Length-prefixed, so no two different inputs share a key.
  line.cache_key = std::string(DialectName(line.dialect)) + (line.root ? "|root|" : "|-|") +
                   (line.identity ? in["entity"].dump() : "") + "|";
  for (std::size_t i = 0; i < line.policies.size(); ++i) {
    line.cache_key += std::to_string(line.names[i].size()) + ":" + line.names[i] +
                      std::to_string(line.policies[i].size()) + ":" + line.policies[i];
  }
  return {};
}

}  // namespace

// A compiled policy set, shared by every line that names the same one.
struct CompiledSet {
  SourceSet sources;
  std::vector<parser::Policy> policies;
  std::optional<Acl> acl;
  std::string error;
};

struct BatchEvaluator::Cache {
  std::unordered_map<std::string, std::shared_ptr<const CompiledSet>> entries;
};

namespace {

std::shared_ptr<const CompiledSet> Compile(const LineInput& line) {
  auto set = std::make_shared<CompiledSet>();
  for (std::size_t i = 0; i < line.policies.size(); ++i) {
    const FileId id = set->sources.Add(line.names[i], line.policies[i]);
    DiagnosticSink sink;
    parser::ParseOptions options;
    options.dialect = line.dialect;
    options.name = line.names[i];
    parser::PolicyFile file = parser::ParsePolicy(set->sources.file(id), options, sink);
    if (!file.ok) {
      set->error = "policy \"" + line.names[i] + "\" does not parse: " +
                   (file.vault_error.empty() ? "invalid policy" : file.vault_error);
      return set;
    }
    set->policies.push_back(std::move(file.policy));
  }
  std::vector<const parser::Policy*> pointers;
  for (const parser::Policy& p : set->policies) {
    pointers.push_back(&p);
  }
  const AclOptions options{.dialect = line.dialect,
                           .identity = line.identity ? &*line.identity : nullptr,
                           .root = line.root};
  Expected<Acl> acl = Acl::Build(pointers, options);
  if (!acl) {
    set->error = acl.error().message;
    return set;
  }
  set->acl.emplace(std::move(*acl));
  return set;
}

}  // namespace

Expected<Params> ParseParamsJson(std::string_view text) {
  Expected<json> j = ParseJson(text);
  if (!j) {
    return Unexpected(Invalid("params: invalid JSON"));
  }
  return ParamsFromJson(*j);
}

Expected<Params> ParseKeyValueParams(const std::vector<std::string>& args) {
  Params out;
  for (const std::string& arg : args) {
    const std::size_t eq = arg.find('=');
    if (eq == std::string::npos) {
      return Unexpected(Invalid("parameter \"" + arg + "\" is not NAME=VALUE"));
    }
    if (eq == 0) {
      return Unexpected(Invalid("parameter \"" + arg + "\" has an empty name (expected NAME=VALUE)"));
    }
    const std::string key = arg.substr(0, eq);
    Value value = Value::String(arg.substr(eq + 1));
    auto it = out.find(key);
    if (it == out.end()) {
      out.emplace(key, std::move(value));
      continue;
    }
    Value::List list = it->second.kind() == Value::Kind::kList ? it->second.list() : Value::List{it->second};
    list.push_back(std::move(value));
    it->second = Value::MakeList(std::move(list));
  }
  return out;
}

Expected<Identity> ParseIdentityJson(std::string_view text) {
  Expected<json> j = ParseJson(text);
  if (!j) {
    return Unexpected(Invalid("entity: invalid JSON"));
  }
  return IdentityFromJson(*j);
}

Expected<std::chrono::nanoseconds> ParseWrapTtl(std::string_view text) {
  const std::optional<std::int64_t> nanos = ParseDurationNanos(text);
  if (!nanos || text.empty()) {
    return Unexpected(Invalid("wrap TTL \"" + std::string(text) + "\" is not seconds or a duration"));
  }
  if (*nanos < 0) {
    return Unexpected(Invalid("wrap TTL must not be negative"));
  }
  return std::chrono::nanoseconds(*nanos);
}

std::string DecisionJson(const Acl& acl, const Request& request, const Result& result, const SourceSet* sources,
                         const Explanation* explanation) {
  std::string out = "{";
  AppendDecisionFields(out, acl, request, result, sources, explanation);
  out += '}';
  return out;
}

std::string DecisionText(const Acl& acl, const Request& request, const Result& result, const SourceSet* sources,
                         const Explanation* explanation) {
  const std::string caps = acl.Capabilities(request.path, request.namespace_path).Join();
  if (explanation != nullptr) {
    return RenderExplanation(acl, *explanation, sources) + "capabilities of the path: " + caps + "\n";
  }
  std::string out = std::string(result.allowed ? "allowed" : "denied") + (result.root_privs ? " (root_privs)" : "") +
                    "\n";
  if (!result.allowed) {
    out += "reason: " + std::string(ReasonText(result.reason));
    out += result.parameter.empty() ? "\n" : " (" + std::string(result.parameter) + ")\n";
  }
  if (const RuleSource* source = acl.DecidingSource(result, request.operation)) {
    out += "decided by: policy \"" + std::string(acl.policy_name(source->policy)) + "\", rule \"" +
           acl.rule(result.rule).pattern() + "\"";
    if (sources != nullptr && source->block_span.file < sources->size()) {
      const SourceFile& file = sources->file(source->block_span.file);
      out += " at " + file.name() + ":" + std::to_string(file.Locate(source->block_span.begin).line);
    }
    out += "\n";
  }
  return out + "capabilities of the path: " + caps + "\n";
}

BatchEvaluator::BatchEvaluator(BatchOptions options) : options_(options), cache_(std::make_unique<Cache>()) {}
BatchEvaluator::~BatchEvaluator() = default;

std::string BatchEvaluator::ProcessLine(std::string_view text) {
  Expected<json> parsed = ParseJson(text);
  if (!parsed) {
    return ErrorLine("null", "invalid JSON input line");
  }
  const json& in = *parsed;
  if (!in.is_object()) {
    return ErrorLine("null", "input line must be a JSON object");
  }
  const std::string id =
      in.contains("id") ? in["id"].dump(-1, ' ', false, json::error_handler_t::replace) : std::string("null");
  LineInput line;
  line.dialect = options_.default_dialect;
  for (Expected<void> step : {ReadRequestFields(in, line), ReadPolicyFields(in, line)}) {
    if (!step) {
      return ErrorLine(id, step.error().message);
    }
  }
  auto it = cache_->entries.find(line.cache_key);
  if (it == cache_->entries.end()) {
    if (cache_->entries.size() >= options_.cache_entries) {
      cache_->entries.clear();
    }
    it = cache_->entries.emplace(line.cache_key, Compile(line)).first;
  }
  const CompiledSet& set = *it->second;
  if (!set.acl) {
    return ErrorLine(id, set.error);
  }
  const Request request{.path = line.path,
                        .operation = line.operation,
                        .params = line.params ? &*line.params : nullptr,
                        .wrap_ttl = line.wrap_ttl};
  const Result result = set.acl->Check(request);
  std::optional<Explanation> explanation;
  if (line.explain) {
    explanation = set.acl->Explain(request);
  }
  std::string out = "{\"id\":" + id + ",";
  AppendDecisionFields(out, *set.acl, request, result, &set.sources, explanation ? &*explanation : nullptr);
  out += '}';
  return out;
}

std::size_t BatchEvaluator::Run(std::istream& in, std::ostream& out) {
  std::size_t count = 0;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    out << ProcessLine(line) << '\n';
    out.flush();
    ++count;
  }
  return count;
}

}  // namespace polcheck::evaluator
