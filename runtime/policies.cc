#include "runtime/policies.h"

#include <algorithm>
#include <cctype>

#include "base/diagnostic.h"
#include "evaluator/builtin_policies.h"
#include "parser/parser.h"

namespace polcheck::runtime {
namespace {

constexpr const char* kPrefix = "policy/acl/";

parser::PolicyFile ParseText(SourceSet& sources, const std::string& name, const std::string& text,
                             Dialect dialect) {
  DiagnosticSink sink;
  const SourceFile& src = sources.file(sources.Add("policy/" + name, text));
  return parser::ParsePolicy(src, {.dialect = dialect, .name = name}, sink);
}

}  // namespace

PolicyStore::PolicyStore(Barrier& barrier, Dialect dialect) : barrier_(barrier), dialect_(dialect) {}

std::string PolicyStore::NormalizeName(std::string_view name) {
  while (!name.empty() && std::isspace(static_cast<unsigned char>(name.front()))) {
    name.remove_prefix(1);
  }
  while (!name.empty() && std::isspace(static_cast<unsigned char>(name.back()))) {
    name.remove_suffix(1);
  }
  std::string out;
  for (char c : name) {
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string PolicyStore::Validate(const std::string& name, const std::string& text) const {
  SourceSet sources;
  parser::PolicyFile file = ParseText(sources, name, text, dialect_);
  if (file.ok) {
    return "";
  }
  return file.vault_error.empty() ? "failed to parse policy" : file.vault_error;
}

Expected<std::optional<std::string>> PolicyStore::Get(const std::string& name) {
  return barrier_.Get(kPrefix + name);
}

Expected<void> PolicyStore::Put(const std::string& name, const std::string& text) {
  Expected<void> put = barrier_.Put(kPrefix + name, text);
  std::lock_guard lock(mu_);
  cache_.clear();
  ++generation_;
  return put;
}

Expected<void> PolicyStore::Delete(const std::string& name) {
  Expected<void> deleted = barrier_.Delete(kPrefix + name);
  std::lock_guard lock(mu_);
  cache_.clear();
  ++generation_;
  return deleted;
}

Expected<std::vector<std::string>> PolicyStore::List() {
  Expected<std::vector<std::string>> names = barrier_.List(kPrefix);
  if (!names) {
    return names;
  }
  names->push_back("root");
  std::sort(names->begin(), names->end());
  return names;
}

Expected<void> PolicyStore::InstallDefault() {
  return Put("default", evaluator::DefaultPolicyText(dialect_));
}

namespace {

// Everything of an identity a template can read, as one string.
std::string IdentityKey(const evaluator::Identity& who) {
  std::string key;
  auto add_map = [&key](const evaluator::StringMap& map) {
    for (const auto& [k, v] : map) {
      key.append(k).append("=").append(v).append(";");
    }
    key.append("}");
  };
  if (who.entity) {
    key.append(who.entity->id).append("/").append(who.entity->name).append("{");
    add_map(who.entity->metadata);
    for (const evaluator::Alias& alias : who.entity->aliases) {
      key.append(alias.id).append("/").append(alias.name).append("/").append(alias.mount_accessor).append("{");
      add_map(alias.metadata);
      key.append("{");
      add_map(alias.custom_metadata);
    }
  }
  for (const evaluator::Group& group : who.groups) {
    key.append(group.id).append("/").append(group.name).append("/").append(group.namespace_path).append("{");
    add_map(group.metadata);
  }
  return key;
}

}  // namespace

Expected<std::shared_ptr<const CompiledAcl>> PolicyStore::AclFor(const std::vector<std::string>& names,
                                                                  const evaluator::Identity* identity,
                                                                  std::int64_t now_unix) {
  std::string key;
  for (const std::string& name : names) {
    key.append(name).append(",");
  }
  if (identity != nullptr) {  // templated paths render per identity: it is part of the key
    key.append("|").append(IdentityKey(*identity));
  }
  std::uint64_t generation = 0;
  {
    std::lock_guard lock(mu_);
    if (auto it = cache_.find(key); now_unix == 0 && it != cache_.end()) {
      return it->second;
    }
    generation = generation_;
  }
  auto compiled = std::make_shared<CompiledAcl>();
  const bool root = std::find(names.begin(), names.end(), "root") != names.end();
  for (const std::string& name : names) {
    if (root) {
      break;  // the root policy discards every other one
    }
    Expected<std::optional<std::string>> text = Get(name);
    if (!text) {
      return Unexpected(text.error());
    }
    if (!*text && name == "response-wrapping") {
      *text = evaluator::ResponseWrappingPolicyText();  // built in, never stored
    }
    if (*text) {
      compiled->policies.push_back(ParseText(compiled->sources, name, **text, dialect_).policy);
    }
  }
  std::vector<const parser::Policy*> pointers;
  for (const parser::Policy& policy : compiled->policies) {
    pointers.push_back(&policy);
  }
  Expected<evaluator::Acl> acl = evaluator::Acl::Build(pointers, {.dialect = dialect_, .identity = identity, .now_unix = now_unix, .root = root});
  if (!acl) {
    return Unexpected(acl.error());
  }
  compiled->acl = std::make_unique<evaluator::Acl>(*std::move(acl));
  std::lock_guard lock(mu_);
  if (generation == generation_ && now_unix == 0) {
    if (cache_.size() >= 4096) {
      cache_.clear();  // many distinct identities: start over rather than grow without bound
    }
    cache_.emplace(key, compiled);
  }
  return std::shared_ptr<const CompiledAcl>(compiled);
}

}  // namespace polcheck::runtime
