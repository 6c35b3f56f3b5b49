#include "parser/ast.h"

#include <algorithm>
#include <cstring>

namespace polcheck::parser::ast {

Text TextArena::Copy(std::string_view bytes) {
  if (bytes.empty()) {
    return Text();
  }
  if (bytes.size() > left_) {
    // The first chunk holds the source copy and usually every decoded string after it.
    const std::size_t size = std::max<std::size_t>(bytes.size() * 2, 256);
    chunks_.push_back(std::make_unique_for_overwrite<char[]>(size));
    next_ = chunks_.back().get();
    left_ = size;
  }
  std::memcpy(next_, bytes.data(), bytes.size());
  const Text out(std::string_view(next_, bytes.size()));
  next_ += bytes.size();
  left_ -= bytes.size();
  return out;
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
