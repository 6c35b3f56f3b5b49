// polcheck fmt: the canonical layout `vault policy fmt` writes (the hcl v1
// printer: two-space indent, `=` aligned across adjacent one-line attributes,
// blank lines around multi-line items, comments and heredocs kept, order kept).
//
//   FormatResult r = parser::FormatPolicy(file, source);
//   if (r.status == FormatResult::Status::kOk && r.text != source.text()) { /* would change */ }
//
// Every successful result is checked before it is returned: the formatted text
// parses to the same normalised policy (SameMeaning) and formats to itself.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/source.h"
#include "parser/parser.h"
#include "parser/policy.h"

namespace polcheck::parser {

struct FormatOptions {
  // JSON policies: convert them to HCL (`path "..." { ... }` blocks) instead of
  // refusing them, as newer Vault's `vault policy fmt` does.
  bool json_to_hcl = false;
};

struct FormatResult {
  enum class Status {
    kOk,               // `text` holds the formatted policy
    kNotParsed,        // the policy has errors (see the parse diagnostics); nothing to format
    kJsonUnsupported,  // a JSON policy and !json_to_hcl
    kUnsafe,           // formatting would change the policy's meaning or is not stable (a bug)
  };
  Status status = Status::kOk;
  std::string text;     // the formatted text (kOk)
  std::string message;  // why there is no text (other statuses)
};

// Formats `file`, parsed from `source` by ParsePolicy. The re-parse that checks
// the result uses the file's dialect and name. Never throws.
FormatResult FormatPolicy(const PolicyFile& file, const SourceFile& source,
                          const FormatOptions& options = {});

// True when `vault policy fmt` would leave the file as it is: false only when
// FormatPolicy succeeds and its text differs. JSON policies and policies that
// do not parse count as formatted (there is nothing the formatter can do).
bool IsFormatted(const PolicyFile& file, const SourceFile& source);

// The hcl v1 printer applied to HCL text (hcl's printer.Format: CRLF line
// endings become LF, the result ends in a newline). nullopt when `text` is not
// syntactically valid HCL. Does not check meaning; FormatPolicy does.
std::optional<std::string> FormatHclText(std::string_view text);

// True when two normalised policies mean the same: every field of every rule
// (spans and the file id aside) is equal.
bool SameMeaning(const Policy& a, const Policy& b);

// A unified diff (`diff -u` layout, 3 lines of context) from `before` to
// `after`, headed `--- old_name` / `+++ new_name`; "" when the texts are equal.
std::string UnifiedDiff(std::string_view before, std::string_view after, std::string_view old_name,
                        std::string_view new_name);

}  // namespace polcheck::parser
