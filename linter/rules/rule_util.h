// Small helpers shared by lint rules (internal to the linter).
#pragma once

#include <string_view>
#include <vector>

#include "linter/linter.h"
#include "parser/policy.h"

namespace polcheck::linter {

// The path block's attribute item named `key` (first one), or nullptr.
const parser::ast::Item* FindAttribute(const parser::PolicyFile& file, const parser::PathRule& rule,
                                       std::string_view key);

// The top-level syntax item of a rule's path block, or nullptr.
const parser::ast::Item* BlockItem(const parser::PolicyFile& file, const parser::PathRule& rule);

// True when the rule grants any of the capabilities (never for deny rules).
bool GrantsAny(const parser::PathRule& rule, std::initializer_list<parser::Capability> caps);

// True when the pattern can match more than one path (prefix or '+' segment).
inline bool IsGlob(const parser::PathRule& rule) { return rule.pattern.kind != parser::PatternKind::kExact; }

// The text a glob pattern covers, as written after normalisation ("sys/*", "auth/+/role/*").
std::string PatternText(const parser::PathRule& rule);

// Whether some path matched by `rule` starts with `prefix` (conservative: true
// when the pattern's fixed part and `prefix` agree up to the first wildcard).
bool MayMatchUnder(const parser::PathRule& rule, std::string_view prefix);

}  // namespace polcheck::linter
