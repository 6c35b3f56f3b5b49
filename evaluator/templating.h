// Rendering of templated path labels (SEMANTICS.md §7), as Vault's
// identitytpl.PopulateString in ACL mode plus each dialect's output filter.
// Internal to the evaluator.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "evaluator/identity.h"

namespace polcheck::evaluator {

struct TemplateOptions {
  // Reject a substituted value containing '+' or '*' (Vault >= 1.19.17 / 1.20.11
  // / 1.21.6 / 2.0.1 and OpenBao 2.6 by default).
  bool reject_wildcards = false;
  // Reject a substituted value containing '/' (Vault: deny_slash_in_templated_paths;
  // OpenBao 2.6: by default).
  bool reject_slashes = false;
  // OpenBao words its filter error differently.
  bool openbao_messages = false;
  std::string_view policy_namespace{};  // "" = root; scopes identity.groups.names
  std::int64_t now_unix = 0;          // time.now
};

struct RenderResult {
  bool ok = false;
  std::string text;   // the rendered label when ok
  std::string error;  // Vault's reason when !ok
};

// Substitutes every {{ selector }} in `label`. A label without "{{" renders to
// itself. `identity` may be null (a token without an entity).
RenderResult RenderTemplate(std::string_view label, const Identity* identity,
                            const TemplateOptions& options);

}  // namespace polcheck::evaluator
