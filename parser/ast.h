// The lossless HCL v1 syntax tree, shared by the HCL and JSON readers.
//
// The shape mirrors hashicorp/hcl v1's ast package (ObjectList, ObjectItem with
// several keys, ObjectType, ListType, LiteralType), because Vault's policy
// semantics are defined on that shape (e.g. "invalid key on line 0" for block
// items, JSON object flattening). Every node keeps its span; comments are kept
// in source order so the formatter can put them back.
//
// Token texts and decoded strings are `Text` views into bytes the File owns
// (File::text: a copy of the source plus the decoded strings), so reading a
// file allocates once for all its strings. A view lives as long as its File
// (or any copy of it: copies share the bytes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/source.h"

namespace polcheck::parser::ast {

enum class TokenType {
  kIllegal,
  kEof,
  kComment,
  kIdent,
  kNumber,
  kFloat,
  kBool,
  kString,
  kHeredoc,
  kLbrack,
  kLbrace,
  kComma,
  kPeriod,
  kRbrack,
  kRbrace,
  kAssign,
  kAdd,
  kSub,
  kColon,  // JSON only
  kNull,   // JSON only
};

// HCL's own spelling ("IDENT", "LBRACE", ...), used in Vault-exact messages.
const char* TokenTypeName(TokenType type);

// A view of bytes owned by a File's TextArena. It is a std::string_view and
// also converts to std::string, so code written for the former std::string
// fields (`const std::string& k = key.value;`, `"a" + key.value`) still works.
class Text : public std::string_view {
 public:
  constexpr Text() = default;
  constexpr explicit(false) Text(std::string_view bytes) : std::string_view(bytes) {}
  Text(const std::string&) = delete;  // would point into a string the tree does not own
  explicit(false) operator std::string() const { return std::string(data(), size()); }
};
inline std::string operator+(const std::string& a, Text b) { return std::string(a).append(b); }
inline std::string operator+(std::string&& a, Text b) { return std::move(a.append(b)); }
inline std::string operator+(const char* a, Text b) { return std::string(a).append(b); }
inline std::string operator+(Text a, const std::string& b) { return std::string(a).append(b); }
inline std::string operator+(Text a, const char* b) { return std::string(a).append(b); }

// Owns the bytes of a syntax tree's Text views: chunks that never move, filled
// front to back. Not thread-safe while a reader fills it; read-only afterwards.
class TextArena {
 public:
  // A view of a copy of `bytes` that lives as long as the arena.
  Text Copy(std::string_view bytes);

 private:
  std::vector<std::unique_ptr<char[]>> chunks_;
  char* next_ = nullptr;
  std::size_t left_ = 0;
};

struct Position {
  std::uint32_t offset = 0;
  std::uint32_t line = 0;    // 1-based; 0 = no position (as hcl's zero Pos)
  std::uint32_t column = 0;  // 1-based, in code points
};

struct Key {
  TokenType type = TokenType::kIdent;  // kIdent or kString
  Text text;   // the raw token text, quotes included
  Text value;  // the decoded key
  Span span;
  Position pos;
};

struct Item;

struct Node {
  enum class Kind { kLiteral, kObject, kList };
  Kind kind = Kind::kLiteral;
  Span span;
  Position pos;  // of the first token (hcl's node.Pos())

  // kLiteral
  TokenType token = TokenType::kString;
  Text text;   // raw token text
  Text value;  // decoded string (kString, kHeredoc), else == text

  // kObject: items in source order.
  std::vector<Item> items;
  // kList: elements in source order.
  std::vector<Node> elements;
};

struct Item {
  std::vector<Key> keys;
  bool has_assign = false;
  Position assign;  // position of '=' (or ':' in JSON); line 0 for blocks
  Node value;
  Span span;  // first key through the end of the value
};

struct Comment {
  Span span;
  bool block = false;  // /* ... */
};

struct File {
  std::vector<Item> items;  // the root object list
  std::vector<Comment> comments;
  bool json = false;
  // The bytes every Text of the tree points into (shared by copies of the
  // File); set by the reader that built the tree.
  std::shared_ptr<const TextArena> text;
};

}  // namespace polcheck::parser::ast
