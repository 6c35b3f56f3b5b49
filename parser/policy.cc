#include "parser/policy.h"

#include <algorithm>

namespace polcheck::parser {

std::string_view CapabilityName(Capability capability) {
  switch (capability) {
    case Capability::kDeny: return "deny";
    case Capability::kCreate: return "create";
    case Capability::kRead: return "read";
    case Capability::kUpdate: return "update";
    case Capability::kDelete: return "delete";
    case Capability::kList: return "list";
    case Capability::kSudo: return "sudo";
    case Capability::kPatch: return "patch";
    case Capability::kSubscribe: return "subscribe";
    case Capability::kRecover: return "recover";
    case Capability::kScan: return "scan";
  }
  return "deny";
}

std::optional<Capability> ParseCapability(std::string_view name, Dialect dialect) {
  for (int i = 0; i < kCapabilityCount; ++i) {
    const auto c = static_cast<Capability>(i);
    if (CapabilityName(c) != name) {
      continue;
    }
    switch (c) {
      case Capability::kSubscribe:
      case Capability::kRecover:
        return dialect == Dialect::kOpenBao ? std::nullopt : std::optional<Capability>(c);
      case Capability::kScan:
        return dialect == Dialect::kOpenBao ? std::optional<Capability>(c) : std::nullopt;
      default:
        return c;
    }
  }
  return std::nullopt;
}

std::vector<std::string_view> CapabilitySet::SortedNames() const {
  std::vector<std::string_view> names;
  for (int i = 0; i < kCapabilityCount; ++i) {
    const auto c = static_cast<Capability>(i);
    if (Has(c)) {
      names.push_back(CapabilityName(c));
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string_view PatternKindName(PatternKind kind) {
  switch (kind) {
    case PatternKind::kExact: return "exact";
    case PatternKind::kPrefix: return "prefix";
    case PatternKind::kSegment: return "segment";
  }
  return "exact";
}

std::optional<Pattern> NormalizePattern(std::string_view label, std::string_view namespace_path) {
  std::string key(label);
  if (!key.empty() && key.front() == '/') {
    key.erase(0, 1);
  }
  key.insert(0, namespace_path);
  if (key.find("+*") != std::string::npos) {
    return std::nullopt;
  }
  Pattern pattern;
  const bool segment = key == "+" || key.find("/+") != std::string::npos || key.rfind("+/", 0) == 0;
  if (segment) {
    pattern.kind = PatternKind::kSegment;
  } else if (!key.empty() && key.back() == '*') {
    key.pop_back();
    pattern.kind = PatternKind::kPrefix;
  }
  pattern.key = std::move(key);
  return pattern;
}

}  // namespace polcheck::parser
