// The identity a templated policy is rendered against (SEMANTICS.md §7): the
// token's entity, its aliases and every group it belongs to.
//
//   evaluator::Identity who;
//   who.entity = evaluator::Entity{.id = "e-123", .name = "alice", .metadata = {{"team", "ops"}}};
//   who.groups.push_back({.id = "g-1", .name = "admins"});
//   AclOptions options{.identity = &who};
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace polcheck::evaluator {

using StringMap = std::map<std::string, std::string>;

struct Alias {
  std::string id;
  std::string name;
  std::string mount_accessor;  // the key of identity.entity.aliases.<accessor>
  StringMap metadata;
  StringMap custom_metadata;
};

struct Entity {
  std::string id;
  std::string name;
  StringMap metadata;
  std::vector<Alias> aliases;
};

struct Group {
  std::string id;
  std::string name;
  StringMap metadata;
  // Namespace the group lives in ("" = root). identity.groups.names.<n> only
  // resolves groups of the policy's own namespace (§7).
  std::string namespace_path;
};

struct Identity {
  // nullopt: the token has no entity, so every identity.entity.* placeholder fails.
  std::optional<Entity> entity;
  // Direct and inherited groups of the entity.
  std::vector<Group> groups;
};

}  // namespace polcheck::evaluator
