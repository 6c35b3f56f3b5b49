#include "parser/ast.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace polcheck::parser::ast {

static_assert(std::is_trivially_copyable_v<Item> && std::is_trivially_destructible_v<Item>,
              "the arena copies nodes with memcpy and never destroys them");

void Arena::NewChunk(std::size_t size) {
  chunks_.push_back(std::make_unique_for_overwrite<char[]>(size));
  next_ = chunks_.back().get();  // aligned for any node (operator new[])
  left_ = size;
  last_chunk_ = size;
}

void Arena::Reserve(std::size_t bytes) {
  if (bytes > left_) {
    NewChunk(std::max(bytes, std::size_t{512}));
  }
}

void* Arena::Allocate(std::size_t size, std::size_t align) {
  std::size_t pad = (align - reinterpret_cast<std::uintptr_t>(next_) % align) % align;
  if (next_ == nullptr || size + pad > left_) {
    // Each chunk is at least twice the last, so a tree takes a handful of chunks.
    NewChunk(std::max({size * 2, last_chunk_ * 2, std::size_t{512}}));
    pad = 0;
  }
  void* at = next_ + pad;
  next_ += pad + size;
  left_ -= pad + size;
  return at;
}

Text Arena::Copy(std::string_view bytes) {
  if (bytes.empty()) {
    return Text();
  }
  char* at = static_cast<char*>(Allocate(bytes.size(), 1));
  std::memcpy(at, bytes.data(), bytes.size());
  return Text(std::string_view(at, bytes.size()));
}

const char* TokenTypeName(TokenType type) {
  switch (type) {
    case TokenType::kIllegal: return "ILLEGAL";
    case TokenType::kEof: return "EOF";
    case TokenType::kComment: return "COMMENT";
    case TokenType::kIdent: return "IDENT";
    case TokenType::kNumber: return "NUMBER";
    case TokenType::kFloat: return "FLOAT";
    case TokenType::kBool: return "BOOL";
    case TokenType::kString: return "STRING";
    case TokenType::kHeredoc: return "HEREDOC";
    case TokenType::kLbrack: return "LBRACK";
    case TokenType::kLbrace: return "LBRACE";
    case TokenType::kComma: return "COMMA";
    case TokenType::kPeriod: return "PERIOD";
    case TokenType::kRbrack: return "RBRACK";
    case TokenType::kRbrace: return "RBRACE";
    case TokenType::kAssign: return "ASSIGN";
    case TokenType::kAdd: return "ADD";
    case TokenType::kSub: return "SUB";
    case TokenType::kColon: return "COLON";
    case TokenType::kNull: return "NULL";
  }
  return "ILLEGAL";
}

}  // namespace polcheck::parser::ast
