// The normalised policy model: what Vault keeps of a policy after parsing
// (SEMANTICS.md §1.3-§1.4). The evaluator compiles these into an Acl.
//
//   const parser::Policy& p = file.policy;
//   for (const parser::PathRule& rule : p.rules) {
//     if (rule.kind == parser::PatternKind::kPrefix && rule.capabilities.Has(Capability::kSudo)) ...
//   }
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/dialect.h"
#include "base/source.h"
#include "parser/value.h"

namespace polcheck::parser {

// Every capability of every dialect. Which names a dialect accepts is decided by
// ParseCapability(); the numbering here is polcheck's own.
enum class Capability : std::uint8_t {
  kDeny,
  kCreate,
  kRead,
  kUpdate,
  kDelete,
  kList,
  kSudo,
  kPatch,
  kSubscribe,  // Vault >= 1.16
  kRecover,    // Vault >= 1.20
  kScan,       // OpenBao
};
inline constexpr int kCapabilityCount = 11;

// "deny", "create", ...
std::string_view CapabilityName(Capability capability);
// The capability `name` names in `dialect`; nullopt when that dialect rejects it
// (names are case-sensitive, as in Vault).
std::optional<Capability> ParseCapability(std::string_view name, Dialect dialect);

class CapabilitySet {
 public:
  constexpr CapabilitySet() = default;
  constexpr explicit CapabilitySet(std::uint16_t bits) : bits_(bits) {}

  constexpr bool Has(Capability c) const { return (bits_ & Bit(c)) != 0; }
  constexpr void Add(Capability c) { bits_ |= Bit(c); }
  constexpr void AddAll(CapabilitySet other) { bits_ |= other.bits_; }
  constexpr bool empty() const { return bits_ == 0; }
  constexpr bool is_deny() const { return Has(Capability::kDeny); }
  constexpr std::uint16_t bits() const { return bits_; }
  constexpr bool operator==(const CapabilitySet&) const = default;

  static constexpr CapabilitySet Deny() { return CapabilitySet(Bit(Capability::kDeny)); }

  // Names in Vault's API order: sorted alphabetically, as sys/capabilities returns them.
  std::vector<std::string_view> SortedNames() const;

 private:
  static constexpr std::uint16_t Bit(Capability c) {
    return static_cast<std::uint16_t>(1u << static_cast<unsigned>(c));
  }
  std::uint16_t bits_ = 0;
};

// How a normalised key matches request paths (SEMANTICS.md §3.1).
enum class PatternKind {
  kExact,    // byte-equal match
  kPrefix,   // key had a trailing '*' (dropped from `key`): string-prefix match
  kSegment,  // has a '+' segment; `key` keeps any trailing '*' (§3.4)
};
std::string_view PatternKindName(PatternKind kind);

struct Pattern {
  std::string key;  // normalised: one leading '/' stripped, prefix '*' dropped
  PatternKind kind = PatternKind::kExact;
};

// Classifies a label exactly as Vault's parsePaths does after templating
// (§1.4 steps 5-8). Returns nullopt when the key contains "+*" (rejected).
// `namespace_path` is "" for the root namespace, else "ns1/".
std::optional<Pattern> NormalizePattern(std::string_view label, std::string_view namespace_path = "");

// allowed_parameters / denied_parameters after normalisation: keys lower-cased.
// The outer optional distinguishes "absent" (nullopt) from "{}" (empty map);
// both mean "no restriction" but they merge differently (§4).
using ParameterMap = std::map<std::string, std::vector<Value>>;

// Go's strings.ToLower, which Vault applies to parameter names: ASCII bytes are
// lowered directly; any other text is lowered rune by rune with Unicode's simple
// case mapping (so "PÄSSWORD" -> "pässword", "\u0130" -> "i", Kelvin sign -> "k",
// "Σ" -> "σ" everywhere), and each invalid UTF-8 byte becomes U+FFFD.
std::string GoToLower(std::string_view s);

struct PathRule {
  std::string label;  // the label as written (before templating/normalisation)
  Pattern pattern;    // for templated rules: the pattern of the *unrendered* label
  bool templated = false;  // label contains {{...}}: re-normalised per identity (§7)

  CapabilitySet capabilities;  // deny-only when `deny` appeared (§1.4 step 10)
  // Capability names after `policy` expansion and the deny short-circuit,
  // in source order (duplicates kept), e.g. ["read", "list"] or ["deny"].
  std::vector<std::string> capability_names;

  std::optional<ParameterMap> allowed_parameters;
  std::optional<ParameterMap> denied_parameters;
  std::vector<std::string> required_parameters;  // verbatim, not lower-cased
  std::int64_t min_wrapping_ttl = 0;  // seconds; 0 = unset
  std::int64_t max_wrapping_ttl = 0;
  std::vector<std::string> mfa_methods;
  std::vector<std::string> subscribe_event_types;  // Vault
  bool has_control_group = false;
  // OpenBao only.
  std::optional<std::int64_t> pagination_limit;
  std::string list_scan_response_keys_filter_path;
  std::string expiration;  // RFC 3339 as written; empty = none

  Span block_span;  // the whole `path "..." { ... }` item
  Span label_span;  // the label token (or the `path` keyword when unlabelled)
};

struct Policy {
  std::string name;  // file stem, trimmed and lower-cased (as Vault stores names)
  Dialect dialect = Dialect::kVault;
  bool templated = false;  // any rule label contains {{...}}
  std::vector<PathRule> rules;  // in source order
  FileId file = 0;
};

}  // namespace polcheck::parser
