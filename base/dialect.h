// The server flavour whose behaviour polcheck reproduces (`--target`), see
// ../shared/SEMANTICS.md "Dialects polcheck supports".
#pragma once

#include <optional>
#include <string_view>

namespace polcheck {

enum class Dialect {
  kVault,        // current Vault (2.x line): the default
  kVaultLegacy,  // Vault 1.14-1.20
  kOpenBao,      // OpenBao 2.6
};

// "vault", "vault-legacy", "openbao".
std::string_view DialectName(Dialect dialect);
// Parses a --target value; nullopt for an unknown name.
std::optional<Dialect> ParseDialect(std::string_view name);

}  // namespace polcheck
