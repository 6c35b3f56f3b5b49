// The lossless HCL v1 syntax tree, shared by the HCL and JSON readers.
//
// The shape mirrors hashicorp/hcl v1's ast package (ObjectList, ObjectItem with
// several keys, ObjectType, ListType, LiteralType), because Vault's policy
// semantics are defined on that shape (e.g. "invalid key on line 0" for block
// items, JSON object flattening). Every node keeps its span; comments are kept
// in source order so the formatter can put them back.
#pragma once

#include <cstdint>
#include <string>
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

struct Position {
  std::uint32_t offset = 0;
  std::uint32_t line = 0;    // 1-based; 0 = no position (as hcl's zero Pos)
  std::uint32_t column = 0;  // 1-based, in code points
};

struct Key {
  TokenType type = TokenType::kIdent;  // kIdent or kString
  std::string text;   // the raw token text, quotes included
  std::string value;  // the decoded key
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
  std::string text;   // raw token text
  std::string value;  // decoded string (kString, kHeredoc), else == text

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
};

}  // namespace polcheck::parser::ast
