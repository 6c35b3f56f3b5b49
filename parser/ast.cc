#include "parser/ast.h"

namespace polcheck::parser::ast {

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
