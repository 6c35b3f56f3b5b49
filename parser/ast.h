// The lossless HCL v1 syntax tree, shared by the HCL and JSON readers.
//
// The shape mirrors hashicorp/hcl v1's ast package (ObjectList, ObjectItem with
// several keys, ObjectType, ListType, LiteralType), because Vault's policy
// semantics are defined on that shape (e.g. "invalid key on line 0" for block
// items, JSON object flattening). Every node keeps its span; comments are kept
// in source order so the formatter can put them back.
//
// The whole tree lives in its File's Arena: token texts and decoded strings are
// `Text` views, and the children of an object, list or item are `Seq` runs of
// nodes copied in once each is complete. Reading a file therefore allocates a
// few arena chunks instead of one block per node, and freeing a tree frees the
// chunks. A view lives as long as its File (or any copy of it: copies share
// the arena).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <type_traits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/check.h"
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

// A view of bytes owned by a File's Arena. It is a std::string_view and
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

// An immutable run of `T`s in a File's Arena, used like a const std::vector.
template <typename T>
class Seq {
 public:
  using value_type = T;
  using const_iterator = const T*;
  using iterator = const T*;

  constexpr Seq() = default;
  constexpr Seq(const T* data, std::uint32_t size) : data_(data), size_(size) {}

  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }
  const T* data() const { return data_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const T& operator[](std::size_t i) const {
    Check(i < size_);
    return data_[i];
  }
  const T& front() const { return (*this)[0]; }
  const T& back() const { return (*this)[size_ - 1]; }

 private:
  // Bounds are checked where std::vector's are (the dev and ci builds).
  static void Check([[maybe_unused]] bool in_bounds) {
#ifdef _GLIBCXX_ASSERTIONS
    POLCHECK_CHECK(in_bounds);
#endif
  }

  const T* data_ = nullptr;
  std::uint32_t size_ = 0;
};

// Owns the bytes of a syntax tree: chunks that never move, filled front to
// back. Not thread-safe while a reader fills it; read-only afterwards.
class Arena {
 public:
  // A view of a copy of `bytes` that lives as long as the arena.
  Text Copy(std::string_view bytes);

  // A copy of `count` items at `items` that lives as long as the arena. Tree
  // nodes are trivially copyable (their strings and children are views), so
  // the copy is a memcpy and the arena never runs destructors.
  template <typename T>
  Seq<T> Copy(const T* items, std::size_t count) {
    static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);
    if (count == 0) {
      return Seq<T>();
    }
    void* at = Allocate(count * sizeof(T), alignof(T));
    std::memcpy(at, items, count * sizeof(T));
    return Seq<T>(static_cast<const T*>(at), static_cast<std::uint32_t>(count));
  }
  template <typename T>
  Seq<T> Copy(const std::vector<T>& items) {
    return Copy(items.data(), items.size());
  }

  // Makes room for `bytes` more in one chunk (a reader calls it with its
  // estimate of the whole tree, so most files take one chunk).
  void Reserve(std::size_t bytes);

 private:
  void* Allocate(std::size_t size, std::size_t align);
  void NewChunk(std::size_t size);

  std::vector<std::unique_ptr<char[]>> chunks_;
  char* next_ = nullptr;
  std::size_t left_ = 0;
  std::size_t last_chunk_ = 0;
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
  Seq<Item> items;
  // kList: elements in source order.
  Seq<Node> elements;
};

struct Item {
  Seq<Key> keys;
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
  Seq<Item> items;  // the root object list
  Seq<Comment> comments;
  bool json = false;
  // What every view of the tree points into (shared by copies of the File);
  // set by the reader that built the tree.
  std::shared_ptr<const Arena> arena;
};

}  // namespace polcheck::parser::ast
