// The database secrets engine (internal; RUNTIME-API.md §5.3): connection
// configs, dynamic roles whose creds are leased users, static roles whose
// password the engine rotates. SQL runs through the Core's SqlExecutor
// (runtime/db_executor.h); this header also exposes the pure pieces (username
// and password generation, statement splitting and templating) for tests.
//
//   std::shared_ptr<Backend> db = MakeDatabaseBackend(core, mount);  // mounts.cc, type "database"
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/core.h"
#include "runtime/db_executor.h"

namespace polcheck::runtime {

// Registers the mount's lease revoker and renewer with core.leases() and returns the backend.
std::shared_ptr<Backend> MakeDatabaseBackend(Core& core, const MountEntry& mount);

namespace database {

// A builtin plugin: its dialect and default username template's lengths.
struct Plugin {
  std::string_view name;
  SqlDialect dialect = SqlDialect::kPostgres;
  std::size_t display_len = 0;  // 0: the template has no display name (legacy MySQL)
  std::size_t role_len = 0;
  std::size_t username_len = 0;
};
// nullptr when `name` is not a builtin plugin.
const Plugin* FindPlugin(std::string_view name);

// The plugin's default username: "v-<display>-<role>-<20 base62>-<unix>" cut to
// the plugin's lengths, or "v-<role≤4>-<20 base62>" cut to 16 for legacy MySQL.
std::string DefaultUsername(const Plugin& plugin, std::string_view display_name, std::string_view role,
                            std::int64_t unix_time);
// What a username template sees: {{.DisplayName}}, {{.RoleName}}, and the time for unix_time.
struct UsernameInput {
  std::string display_name;
  std::string role_name;
  std::int64_t unix_time = 0;
};
// Renders a custom `username_template` (runtime/database_template.cc lists the
// Go-template subset and functions); kInvalidArgument naming what is wrong.
[[nodiscard]] Expected<std::string> RenderUsernameTemplate(std::string_view text, const UsernameInput& input);

// Vault's default password policy: 20 chars of [A-Za-z0-9-] with at least one
// upper, lower, digit and dash, from OpenSSL's CSPRNG.
std::string GeneratePassword();
bool MeetsDefaultPasswordPolicy(std::string_view password);

// The statements of a role list: each element split on ';' and trimmed, empty
// pieces dropped; a Postgres element with the word END outside quotes (a
// DO $$ ... END $$ block) runs whole, as Vault's containsMultilineStatement decides.
std::vector<std::string> SplitStatements(const std::vector<std::string>& elements, SqlDialect dialect);
// Replaces every "{{key}}" (Vault's dbutil.QueryHelper).
std::string Render(std::string text, const std::map<std::string, std::string>& values);
// Go's "2006-01-02 15:04:05-0700" in UTC: "2025-01-31 12:00:00+0000".
std::string ExpirationText(std::int64_t unix_seconds);
// Go's url.PathEscape.
std::string PathEscape(std::string_view text);
// Postgres identifier quoting (lib/pq QuoteIdentifier): "a""b".
std::string QuoteIdentifier(std::string_view name);

}  // namespace database
}  // namespace polcheck::runtime
