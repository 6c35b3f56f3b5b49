// Syntax readers (internal to the parser): HCL v1 and hcl's JSON dialect, both
// producing the same ast::File.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/diagnostic.h"
#include "base/source.h"
#include "parser/ast.h"
#include "parser/parser.h"

namespace polcheck::parser {

struct ReadResult {
  ast::File file;
  // What hcl.Parse returns to Vault, e.g. "At 3:1: object expected closing
  // RBRACE got: EOF"; empty when Vault's parse succeeds.
  std::string vault_error;
};

// Reads HCL. Every syntax problem goes to `sink`; after an error the reader
// resynchronises at the next top-level item so later blocks are still read.
ReadResult ReadHcl(const SourceFile& source, DiagnosticSink& sink);

// Reads JSON the way hcl v1's JSON parser does, quirks included (they are
// recorded in `quirks`).
ReadResult ReadJson(const SourceFile& source, DiagnosticSink& sink, std::vector<JsonQuirk>& quirks);

// Starts a reader's arena: one chunk with room for the source and an estimate
// of the tree read from it (3 bytes per source byte: 2 to 4 measured the same
// on BM_Parser_Corpus), and the source copied in. Returns the copy, which the
// reader scans.
inline std::string_view ReserveAndCopy(ast::Arena& arena, std::string_view source) {
  constexpr std::size_t kTreeBytesPerSourceByte = 3;
  arena.Reserve(source.size() * (1 + kTreeBytesPerSourceByte) + 256);
  return arena.Copy(source);
}

// hcl's lexMode: JSON when the first non-whitespace character is '{'.
bool LooksLikeJson(std::string_view text);

}  // namespace polcheck::parser
