#include "linter/rules/rule_util.h"

namespace polcheck::linter {

const parser::ast::Item* BlockItem(const parser::PolicyFile& file, const parser::PathRule& rule) {
  if (!file.syntax) {
    return nullptr;
  }
  for (const parser::ast::Item& item : file.syntax->items) {
    if (item.span == rule.block_span) {
      return &item;
    }
  }
  return nullptr;
}

const parser::ast::Item* FindAttribute(const parser::PolicyFile& file, const parser::PathRule& rule,
                                       std::string_view key) {
  const parser::ast::Item* block = BlockItem(file, rule);
  if (block == nullptr || block->value.kind != parser::ast::Node::Kind::kObject) {
    return nullptr;
  }
  for (const parser::ast::Item& attr : block->value.items) {
    if (!attr.keys.empty() && attr.keys.front().value == key) {
      return &attr;
    }
  }
  return nullptr;
}

bool GrantsAny(const parser::PathRule& rule, std::initializer_list<parser::Capability> caps) {
  if (rule.capabilities.is_deny()) {
    return false;
  }
  for (parser::Capability c : caps) {
    if (rule.capabilities.Has(c)) {
      return true;
    }
  }
  return false;
}

std::string PatternText(const parser::PathRule& rule) {
  return rule.pattern.kind == parser::PatternKind::kPrefix ? rule.pattern.key + "*" : rule.pattern.key;
}

bool MayMatchUnder(const parser::PathRule& rule, std::string_view prefix) {
  const std::string& key = rule.pattern.key;
  std::size_t fixed = key.size();
  if (rule.pattern.kind == parser::PatternKind::kSegment) {
    const std::size_t plus = key.find('+');
    fixed = plus == std::string::npos ? key.size() : plus;
  }
  const std::size_t n = std::min(fixed, prefix.size());
  if (key.compare(0, n, prefix, 0, n) != 0) {
    return false;
  }
  if (rule.pattern.kind == parser::PatternKind::kExact && key.size() < prefix.size()) {
    return false;
  }
  return true;
}

}  // namespace polcheck::linter
