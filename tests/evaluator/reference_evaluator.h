// A deliberately simple evaluator used only to cross-check the compiled Acl:
// std::map stores, every rule scanned for every request, candidates sorted with
// Vault's less function, parameters checked by a line-by-line translation of
// acl.go. Nothing here is shared with evaluator/ except template rendering and
// the parser's NormalizePattern.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/dialect.h"
#include "evaluator/acl.h"
#include "evaluator/identity.h"
#include "parser/policy.h"

namespace polcheck::evaluator::reference {

struct Perms {
  std::uint16_t bits = 0;
  std::map<int, std::vector<std::string>> granting;  // capability -> policy names
  std::int64_t min_wrapping_ttl = 0;
  std::int64_t max_wrapping_ttl = 0;
  std::optional<parser::ParameterMap> allowed;
  std::optional<parser::ParameterMap> denied;
  std::vector<std::string> required;
  std::optional<std::int64_t> pagination_limit;
};

struct Answer {
  bool allowed = false;
  bool root_privs = false;
  bool is_root = false;
  std::uint16_t bits = 0;            // of the selected rule
  std::string key;                   // selected rule's stored key ("" and !matched when none)
  bool matched = false;
  parser::PatternKind kind = parser::PatternKind::kExact;
  std::vector<std::string> granting; // names, when the capability check passed
};

struct Options {
  Dialect dialect = Dialect::kVault;
  const Identity* identity = nullptr;
  std::string namespace_path{};  // where the ACL is built
  std::int64_t now_unix = 1700000000;
  bool root = false;
};

class ReferenceAcl {
 public:
  // nullopt where Vault's NewACL / templated parsing fails.
  static std::optional<ReferenceAcl> Build(const std::vector<const parser::Policy*>& policies,
                                           const Options& options);

  Answer Check(const Request& request) const;
  // sys/capabilities: sorted names, ["root"] or ["deny"].
  std::vector<std::string> Capabilities(const std::string& path) const;

 private:
  struct Descr {
    int first_wc = 0;
    int wildcards = 0;
    bool is_prefix = false;
    std::string wc_path;
    const Perms* perms = nullptr;
    std::string stored_key;
    parser::PatternKind kind = parser::PatternKind::kPrefix;
  };
  struct Selected {
    const Perms* perms = nullptr;
    std::string key;
    parser::PatternKind kind = parser::PatternKind::kExact;
  };

  std::vector<Descr> Candidates(const std::string& path) const;
  std::optional<Selected> NonExact(const std::string& path) const;
  std::optional<Selected> Lookup(const std::string& path, Operation op) const;
  Answer Evaluate(const Selected& selected, const Request& request) const;

  Options options_;
  bool root_ = false;
  std::map<std::string, Perms> exact_;
  std::map<std::string, Perms> prefix_;
  std::map<std::string, Perms> segment_;
};

}  // namespace polcheck::evaluator::reference
