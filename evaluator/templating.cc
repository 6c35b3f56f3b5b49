#include "evaluator/templating.h"

#include <optional>
#include <vector>

#include "evaluator/go_text.h"

namespace polcheck::evaluator {
namespace {

constexpr std::string_view kNotFound = "no value could be found for one of the template directives";
constexpr std::string_view kNoEntity =
    "string contains entity template directives but no entity was provided";
constexpr std::string_view kNoGroups =
    "string contains groups template directives but no groups were provided";

struct Value {
  bool ok = false;
  std::string text;
  std::string error;
};

Value Ok(std::string text) { return {true, std::move(text), {}}; }
Value Fail(std::string_view error) { return {false, {}, std::string(error)}; }

// aclTemplateHandler for a plain string: empty means "not found".
Value FromString(const std::string& s) { return s.empty() ? Fail(kNotFound) : Ok(s); }

// aclTemplateHandler for a map with a key: a present key renders even when empty.
Value FromMap(const StringMap& map, std::string_view key) {
  auto it = map.find(std::string(key));
  return it == map.end() ? Fail(kNotFound) : Ok(it->second);
}

std::vector<std::string_view> SplitN(std::string_view s, char sep, std::size_t n) {
  std::vector<std::string_view> out;
  while (out.size() + 1 < n) {
    const std::size_t at = s.find(sep);
    if (at == std::string_view::npos) {
      break;
    }
    out.push_back(s.substr(0, at));
    s.remove_prefix(at + 1);
  }
  out.push_back(s);
  return out;
}

Value AliasValue(std::string_view selector, const Alias& alias) {
  if (selector == "id") {
    return FromString(alias.id);
  }
  if (selector == "name") {
    return FromString(alias.name);
  }
  if (selector.starts_with("metadata.")) {
    return FromMap(alias.metadata, selector.substr(9));
  }
  if (selector.starts_with("custom_metadata.")) {
    return FromMap(alias.custom_metadata, selector.substr(16));
  }
  return Fail(kNotFound);  // bare metadata maps and unknown selectors
}

Value EntityValue(std::string_view selector, const Entity& entity) {
  if (selector == "id") {
    return FromString(entity.id);
  }
  if (selector == "name") {
    return FromString(entity.name);
  }
  if (selector.starts_with("metadata.")) {
    return FromMap(entity.metadata, selector.substr(9));
  }
  if (selector.starts_with("aliases.")) {
    const std::vector<std::string_view> split = SplitN(selector.substr(8), '.', 2);
    if (split.size() != 2) {
      return Fail("invalid alias selector");
    }
    for (const Alias& alias : entity.aliases) {
      if (alias.mount_accessor == split[0]) {
        return AliasValue(split[1], alias);
      }
    }
    return Fail("alias not found");
  }
  // "metadata", "groups.names", "groups.ids" are maps/lists: not usable in ACLs.
  return Fail(kNotFound);
}

const Group* FindGroup(const std::vector<Group>& groups, bool by_id, std::string_view key,
                       std::string_view policy_namespace) {
  for (const Group& group : groups) {
    if (by_id && group.id == key) {
      return &group;
    }
    if (!by_id && group.namespace_path == policy_namespace && group.name == key) {
      return &group;
    }
  }
  return nullptr;
}

Value GroupValue(std::string_view selector, const std::vector<Group>& groups,
                 std::string_view policy_namespace) {
  const std::vector<std::string_view> kind = SplitN(selector, '.', 2);
  if (kind.size() != 2 || (kind[0] != "ids" && kind[0] != "names")) {
    return Fail("invalid groups selector");
  }
  const std::vector<std::string_view> accessor = SplitN(kind[1], '.', 2);
  if (accessor.size() != 2) {
    return Fail("invalid groups accessor");
  }
  const Group* found = FindGroup(groups, kind[0] == "ids", accessor[0], policy_namespace);
  if (found == nullptr) {
    return Fail("entity is not a member of group \"" + std::string(accessor[0]) + "\"");
  }
  const std::string_view field = accessor[1];
  if (field == "id") {
    return Ok(found->id);  // Vault does not reject an empty group id
  }
  if (field == "name") {
    return FromString(found->name);
  }
  if (field.starts_with("metadata.")) {
    return FromMap(found->metadata, field.substr(9));
  }
  return Fail(kNotFound);
}

std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) {
    --q;
  }
  return q;
}

Value TimeValue(std::string_view selector, std::int64_t now_unix) {
  const std::vector<std::string_view> ops = SplitN(selector, '.', 3);
  if (ops[0] != "now") {
    return Fail("invalid time selector \"" + std::string(ops[0]) + "\"");
  }
  if (ops.size() == 1) {
    return Ok(std::to_string(now_unix));
  }
  if (ops.size() == 2) {
    return Fail("missing time operand");
  }
  const std::optional<std::int64_t> nanos = ParseDurationNanos(ops[2]);
  if (!nanos) {
    return Fail("invalid duration: " + std::string(ops[2]));
  }
  if (ops[1] != "plus" && ops[1] != "minus") {
    return Fail("invalid time operator \"" + std::string(ops[1]) + "\"");
  }
  const std::int64_t delta = ops[1] == "plus" ? *nanos : -*nanos;
  return Ok(std::to_string(now_unix + FloorDiv(delta, 1000000000)));
}

Value Perform(std::string_view input, const Identity* identity, const TemplateOptions& options) {
  if (input.starts_with("identity.entity.")) {
    if (identity == nullptr || !identity->entity) {
      return Fail(kNoEntity);
    }
    return EntityValue(input.substr(16), *identity->entity);
  }
  if (input.starts_with("identity.groups.")) {
    if (identity == nullptr || identity->groups.empty()) {
      return Fail(kNoGroups);
    }
    return GroupValue(input.substr(16), identity->groups, options.policy_namespace);
  }
  if (input.starts_with("time.")) {
    return TimeValue(input.substr(5), options.now_unix);
  }
  return Fail(kNotFound);
}

// The dialect's filter on one substituted value; empty when it passes.
std::string FilterError(std::string_view value, const TemplateOptions& options) {
  for (char c : value) {
    const bool wildcard = c == '+' || c == '*';
    if (options.openbao_messages && ((wildcard && options.reject_wildcards) ||
                                     (c == '/' && options.reject_slashes))) {
      return "template substitution contains forbidden value \"" + std::string(1, c) + "\"";
    }
  }
  if (options.openbao_messages) {
    return {};
  }
  if (options.reject_wildcards && value.find_first_of("*+") != std::string_view::npos) {
    return "globs and wildcards are not allowed in template result";
  }
  if (options.reject_slashes && value.find('/') != std::string_view::npos) {
    return "templated policy paths cannot contain '/' when denied via configuration";
  }
  return {};
}

}  // namespace

RenderResult RenderTemplate(std::string_view label, const Identity* identity,
                            const TemplateOptions& options) {
  constexpr std::string_view kUnbalanced = "unbalanced templating characters";
  std::vector<std::string_view> chunks;
  for (std::size_t start = 0;;) {
    const std::size_t at = label.find("{{", start);
    chunks.push_back(label.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) {
      break;
    }
    start = at + 2;
  }
  if (chunks[0].find("}}") != std::string_view::npos) {
    return {false, {}, std::string(kUnbalanced)};
  }
  std::string out(chunks[0]);
  for (std::size_t i = 1; i < chunks.size(); ++i) {
    const std::size_t close = chunks[i].find("}}");
    if (close == std::string_view::npos || chunks[i].find("}}", close + 2) != std::string_view::npos) {
      return {false, {}, std::string(kUnbalanced)};
    }
    Value v = Perform(GoTrimSpace(chunks[i].substr(0, close)), identity, options);
    if (!v.ok) {
      return {false, {}, std::move(v.error)};
    }
    if (std::string error = FilterError(v.text, options); !error.empty()) {
      return {false, {}, std::move(error)};
    }
    out += v.text;
    out += chunks[i].substr(close + 2);
  }
  return {true, std::move(out), {}};
}

}  // namespace polcheck::evaluator
