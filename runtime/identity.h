// The identity store (internal; RUNTIME-API.md §4.7, SEMANTICS.md §9.0, §9.8):
// entities, their aliases (one per auth mount accessor + alias name), groups
// (internal with member entities/groups, external bound by group aliases).
// Logins find or create the entity of their alias; every request re-resolves
// the entity's policies and groups so edits apply to existing tokens at once.
//
//   Expected<std::string> entity = core.identity().Login({.mount_accessor = acc, .alias_name = "bob", ...});
//   Expected<ResolvedIdentity> who = core.identity().Resolve(*entity);  // policies, template identity
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/expected.h"
#include "evaluator/identity.h"
#include "runtime/barrier.h"
#include "runtime/clock.h"

namespace polcheck::runtime {

struct ResolvedIdentity {
  bool disabled = false;
  std::vector<std::string> policies;            // entity + every (transitive) group, sorted, deduplicated
  std::optional<evaluator::Identity> identity;  // nullopt: no entity
  std::vector<std::string> direct_group_ids;
  std::vector<std::string> inherited_group_ids;
};

struct LoginAlias {
  std::string mount_accessor;
  std::string mount_path;  // "auth/userpass/"
  std::string mount_type;  // "userpass"
  std::string alias_name;
  std::map<std::string, std::string> alias_metadata;
  std::vector<std::string> group_alias_names;  // external groups (JWT groups claim)
  // auth/token/create/:role with entity_alias (Vault's CreateOrFetchEntity): an existing
  // alias and its entity are used as they are; only a missing one is created.
  bool fetch_only = false;
};

class IdentityStore {
 public:
  IdentityStore(Barrier& barrier, const Clock& clock);
  ~IdentityStore();

  // The entity ID for a login: the alias's entity, or a new entity + alias.
  // Refreshes alias metadata and external group memberships. Fails on storage errors.
  [[nodiscard]] Expected<std::string> Login(const LoginAlias& login);
  // Policies and template identity of `entity_id`; "" or an unknown ID resolve to nothing.
  [[nodiscard]] Expected<ResolvedIdentity> Resolve(const std::string& entity_id);
  // Deletes every alias (entity and group) bound to `mount_accessor` (mount disabled).
  [[nodiscard]] Expected<void> ForgetMount(const std::string& mount_accessor);

  // Raw records for the identity/ backend (identity.cc).
  [[nodiscard]] Expected<std::optional<nlohmann::json>> Get(const std::string& kind, const std::string& id);
  [[nodiscard]] Expected<void> Put(const std::string& kind, const nlohmann::json& record);
  [[nodiscard]] Expected<void> Delete(const std::string& kind, const std::string& id);
  [[nodiscard]] Expected<std::vector<nlohmann::json>> All(const std::string& kind);
  [[nodiscard]] Expected<std::optional<nlohmann::json>> ByName(const std::string& kind,
                                                               const std::string& name);

  std::mutex& mutex() { return mu_; }  // held by the identity/ backend while it edits records
  const Clock& clock() const { return clock_; }

 private:
  // Calls `visit` for every cached record of `kind` (loading it first) without copying.
  [[nodiscard]] Expected<void> Visit(const std::string& kind,
                                     const std::function<void(const nlohmann::json&)>& visit);
  [[nodiscard]] Expected<std::optional<nlohmann::json>> FindAlias(const std::string& kind,
                                                                  const std::string& accessor,
                                                                  const std::string& name);

  Barrier& barrier_;
  const Clock& clock_;
  std::mutex mu_;
  // Write-through cache of whole kinds: every request resolves identity, and
  // decrypting every alias and group record each time cost ~0.7 ms at 500 entities.
  struct Cache;
  std::mutex cache_mu_;
  std::unique_ptr<Cache> cache_;
};

}  // namespace polcheck::runtime
