// ACL policy storage and the compiled-ACL cache (internal). Policies are stored
// as their text (in the barrier) and parsed with the shared parser; ACLs are
// compiled by the shared evaluator once per distinct policy set and dropped
// whenever a policy changes.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/source.h"
#include "evaluator/acl.h"
#include "parser/policy.h"
#include "runtime/barrier.h"

namespace polcheck::runtime {

struct CompiledAcl {
  SourceSet sources;
  std::vector<parser::Policy> policies;
  std::unique_ptr<evaluator::Acl> acl;
};

class PolicyStore {
 public:
  PolicyStore(Barrier& barrier, Dialect dialect);

  // Names are trimmed and lower-cased by the caller (NormalizeName).
  static std::string NormalizeName(std::string_view name);
  // "" when Vault would accept the text, else Vault's error ("failed to parse policy: ...").
  std::string Validate(const std::string& name, const std::string& text) const;

  [[nodiscard]] Expected<std::optional<std::string>> Get(const std::string& name);
  [[nodiscard]] Expected<void> Put(const std::string& name, const std::string& text);
  [[nodiscard]] Expected<void> Delete(const std::string& name);
  // Stored names plus "root", sorted.
  [[nodiscard]] Expected<std::vector<std::string>> List();
  // Writes the built-in default policy (at initialisation).
  [[nodiscard]] Expected<void> InstallDefault();

  // The compiled ACL for a token's policy set (missing policies are skipped, as Vault does).
  // With an identity, templated paths are rendered against it and the result is not cached.
  [[nodiscard]] Expected<std::shared_ptr<const CompiledAcl>> AclFor(const std::vector<std::string>& names,
                                                                    const evaluator::Identity* identity = nullptr,
                                                                    std::int64_t now_unix = 0);

 private:
  Barrier& barrier_;
  Dialect dialect_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<const CompiledAcl>> cache_;  // key: names joined by ','
  std::uint64_t generation_ = 0;  // bumped on every change, so a racing build is not cached
};

}  // namespace polcheck::runtime
