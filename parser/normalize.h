// AST -> normalised Policy, reproducing Vault's ParseACLPolicy / parsePaths /
// hcl DecodeObject (internal to the parser).
#pragma once

#include "base/diagnostic.h"
#include "base/source.h"
#include "parser/ast.h"
#include "parser/parser.h"

namespace polcheck::parser {

// Fills out.policy and, when Vault would reject the policy and out.vault_error
// is still empty, out.vault_error. Every problem goes to `sink`.
void Normalize(const SourceFile& source, const ast::File& file, const ParseOptions& options,
               DiagnosticSink& sink, PolicyFile& out);

// Vault's identitytpl brace check (ValidityCheckOnly): returns false for
// unbalanced braces; sets `templated` when a {{...}} placeholder occurs.
bool CheckTemplateBraces(std::string_view text, bool& templated);

}  // namespace polcheck::parser
