#include "base/dialect.h"

namespace polcheck {

std::string_view DialectName(Dialect dialect) {
  switch (dialect) {
    case Dialect::kVault:
      return "vault";
    case Dialect::kVaultLegacy:
      return "vault-legacy";
    case Dialect::kOpenBao:
      return "openbao";
  }
  return "vault";
}

std::optional<Dialect> ParseDialect(std::string_view name) {
  if (name == "vault") {
    return Dialect::kVault;
  }
  if (name == "vault-legacy") {
    return Dialect::kVaultLegacy;
  }
  if (name == "openbao") {
    return Dialect::kOpenBao;
  }
  return std::nullopt;
}

}  // namespace polcheck
