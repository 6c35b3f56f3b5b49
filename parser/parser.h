// polcheck::parser — reads Vault/OpenBao policy files (HCL v1 and JSON) exactly
// as the server does (SEMANTICS.md §1) and normalises them (§1.4).
//
//   SourceSet sources;
//   DiagnosticSink sink;
//   const SourceFile& src = sources.file(sources.Add("policies/ops.hcl", text));
//   parser::PolicyFile file = parser::ParsePolicy(src, {.dialect = Dialect::kVault}, sink);
//   if (!file.ok) { /* sink holds every problem; file.vault_error what Vault says */ }
//   for (const parser::PathRule& rule : file.policy.rules) { ... }
//
// Problems never throw: every one is a Diagnostic with a span, and parsing
// recovers so that one bad block does not hide errors in the next.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/diagnostic.h"
#include "base/dialect.h"
#include "base/source.h"
#include "parser/ast.h"
#include "parser/policy.h"

namespace polcheck::parser {

struct ParseOptions {
  Dialect dialect = Dialect::kVault;
  // Policy name; empty = derived from the file name (PolicyNameFromPath).
  std::string name;
  // Namespace the policy is written in: "" (root) or "ns1/" (§1.4 step 5).
  std::string namespace_path;
};

// A place where Vault's JSON reader silently departs from what the text says
// (SEMANTICS.md §1.2 quirks), recorded so the linter can warn about it.
struct JsonQuirk {
  enum class Kind {
    kDroppedBool,     // true/false inside a list is dropped (hcl#740)
    kFlattenedBody,   // a path body of only objects is flattened one level too far
    kTrailingText,    // text after the top-level object is ignored
    kMissingBrace,    // an unclosed object is accepted
    kNestedList,      // '[' inside a list is skipped; the first ']' ends the list
  };
  Kind kind;
  Span span;
  std::string detail;
};

struct PolicyFile {
  FileId file = 0;
  bool ok = false;  // Vault would accept the policy
  bool is_json = false;
  // The normalised policy. When !ok it holds the rules that did normalise.
  Policy policy;
  // The full error text Vault returns for this policy, e.g.
  // "failed to parse policy: path \"a\": invalid capability \"x\"", or "".
  std::string vault_error;
  std::vector<JsonQuirk> json_quirks;
  // Lossless syntax tree (every item, value and comment with its span).
  std::shared_ptr<const ast::File> syntax;
};

// Parses and normalises one policy. Adds every problem to `sink`.
PolicyFile ParsePolicy(const SourceFile& source, const ParseOptions& options,
                       DiagnosticSink& sink);

// Vault's stored name for a policy file: the file stem, trimmed, lower-cased
// ("policies/Ops.hcl" -> "ops").
std::string PolicyNameFromPath(std::string_view path);

}  // namespace polcheck::parser
