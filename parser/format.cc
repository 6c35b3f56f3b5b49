// The hcl v1 printer's layout, reproduced from its observable behaviour.
//
// hcl's printer decides where comments go from how hcl's *parser* attached them
// (lead and line comments of items and list literals; the rest are
// "standalone" and printed by position between items). polcheck's reader keeps
// comments as a flat list, so this file re-reads the tokens with a small
// simulation of hcl's parser that only tracks that attachment, then prints the
// tree the way hcl's printer does, including its use of source line numbers to
// decide alignment and blank lines.
//
// Deliberate departures from hcl (each pinned by a test in format_test.cc):
//  * continuation lines of multi-line /* */ lead and line comments are kept as
//    written (hcl indents them again on every run, so it is not idempotent);
//  * a one-line list whose element carries a lead comment is printed multi-line
//    (hcl drops that comment);
//  * a line comment of an aligned attribute whose value starts on a later line
//    is printed above it (hcl drops that comment).
#include "parser/format.h"

#include <algorithm>
#include <cstdint>
#include <deque>
#include <memory>
#include <utility>
#include <vector>

#include "base/diagnostic.h"
#include "parser/hcl_scanner.h"

namespace polcheck::parser {
namespace {

using ast::Position;
using ast::TokenType;

// ---------------------------------------------------------------------------
// Positions, compared as hcl's token.Pos does.

bool After(const Position& u, const Position& p) { return u.offset > p.offset || u.line > p.line; }
bool Before(const Position& u, const Position& p) { return u.offset < p.offset || u.line < p.line; }
bool SamePos(const Position& a, const Position& b) {
  return a.offset == b.offset && a.line == b.line && a.column == b.column;
}
std::int64_t LineOf(const Position& p) { return static_cast<std::int64_t>(p.line); }

constexpr Position kInfinity{1u << 30, 1u << 30, 0};

// ---------------------------------------------------------------------------
// The printer's tree: hcl's ast with the comment attachment hcl's parser makes.

struct Comment {
  Position pos;
  std::string text;
};

struct CommentGroup {
  std::vector<Comment> list;
};

struct PNode;

struct PItem {
  std::vector<Token> keys;
  Position assign;  // line 0: no '='
  std::unique_ptr<PNode> value;
  const CommentGroup* lead = nullptr;
  const CommentGroup* line = nullptr;

  Position pos() const { return keys.empty() ? Position{} : keys.front().pos; }
};

struct PNode {
  enum class Kind { kLiteral, kObject, kList };
  Kind kind = Kind::kLiteral;
  Token token;                          // kLiteral
  const CommentGroup* lead = nullptr;   // kLiteral inside a list
  const CommentGroup* line = nullptr;   // kLiteral inside a list
  Position open;                        // '{' or '['
  Position close;                       // '}' or ']'
  std::vector<PItem> items;             // kObject
  std::vector<PNode> elements;          // kList

  Position pos() const { return kind == Kind::kLiteral ? token.pos : open; }
  bool is_literal(TokenType type) const { return kind == Kind::kLiteral && token.type == type; }
};

struct PFile {
  std::vector<PItem> items;
  std::deque<CommentGroup> groups;  // every comment group, in source order
};

// ---------------------------------------------------------------------------
// hcl's parser, reduced to what decides comment attachment. It only runs on
// text the real reader accepted; any surprise makes it give up.

enum class Step { kOk, kEof, kError };

class HclSim {
 public:
  HclSim(std::string_view src, PFile& out)
      : scanner_(src, [this](Position, std::string_view, std::uint32_t) { failed_ = true; }), out_(out) {}

  bool Parse() {
    const Step step = ObjectList(false, out_.items);
    return step != Step::kError && !failed_;
  }

 private:
  Token Scan();
  void Unscan() { buffered_ = true; }
  std::pair<CommentGroup*, std::int64_t> ConsumeGroup(std::int64_t n);
  Step ObjectList(bool in_object, std::vector<PItem>& items);
  Step ObjectItem(PItem& item);
  Step ObjectKey(std::vector<Token>& keys);
  Step Value(PNode& node);
  Step ObjectType(PNode& node);
  Step ListType(PNode& node);
  Step ListElement(const Token& t, PNode& list, bool& need_comma);
  void Literal(PNode& node) const {
    node.kind = PNode::Kind::kLiteral;
    node.token = tok_;
  }

  HclScanner scanner_;
  PFile& out_;
  Token tok_;
  bool buffered_ = false;
  bool failed_ = false;
  const CommentGroup* lead_ = nullptr;
  const CommentGroup* line_ = nullptr;
};

// Like hcl's Parser.scan: skips comments, grouping them, and remembers the last
// group that ends on the line of the previous token (a line comment) and the
// last group directly above the next token (a lead comment).
Token HclSim::Scan() {
  if (buffered_) {
    buffered_ = false;
    return tok_;
  }
  const Token prev = tok_;
  tok_ = scanner_.Scan();
  if (tok_.type != TokenType::kComment) {
    return tok_;
  }
  if (tok_.pos.line == prev.pos.line) {
    auto [group, endline] = ConsumeGroup(0);
    if (LineOf(tok_.pos) != endline) {
      line_ = group;
    }
  }
  std::int64_t endline = -1;
  const CommentGroup* group = nullptr;
  while (tok_.type == TokenType::kComment) {
    std::tie(group, endline) = ConsumeGroup(1);
  }
  if (endline + 1 == LineOf(tok_.pos) && tok_.type != TokenType::kRbrace && tok_.type != TokenType::kRbrack) {
    lead_ = group;
  }
  return tok_;
}

std::pair<CommentGroup*, std::int64_t> HclSim::ConsumeGroup(std::int64_t n) {
  CommentGroup& group = out_.groups.emplace_back();
  std::int64_t endline = LineOf(tok_.pos);
  while (tok_.type == TokenType::kComment && LineOf(tok_.pos) <= endline + n) {
    endline = LineOf(tok_.pos);
    if (tok_.text.size() > 1 && tok_.text[1] == '*') {
      endline += std::count(tok_.text.begin(), tok_.text.end(), '\n');
    }
    group.list.push_back(Comment{tok_.pos, std::string(tok_.text)});
    tok_ = scanner_.Scan();
  }
  return {&group, endline};
}

Step HclSim::ObjectList(bool in_object, std::vector<PItem>& items) {
  for (;;) {
    if (in_object) {
      const Token t = Scan();
      Unscan();
      if (t.type == TokenType::kRbrace) {
        return Step::kOk;
      }
    }
    PItem item;
    const Step step = ObjectItem(item);
    if (step == Step::kEof) {
      return Step::kOk;
    }
    if (step == Step::kError) {
      return step;
    }
    items.push_back(std::move(item));
    if (Scan().type != TokenType::kComma) {
      Unscan();
    }
  }
}

Step HclSim::ObjectItem(PItem& item) {
  const Step step = ObjectKey(item.keys);
  if (step != Step::kOk) {
    return item.keys.empty() ? step : Step::kError;
  }
  item.lead = std::exchange(lead_, nullptr);
  item.value = std::make_unique<PNode>();
  Step value_step = Step::kError;
  if (tok_.type == TokenType::kAssign) {
    item.assign = tok_.pos;
    value_step = Value(*item.value);
  } else if (tok_.type == TokenType::kLbrace) {
    value_step = ObjectType(*item.value);
  }
  if (value_step != Step::kOk) {
    return Step::kError;
  }
  if (line_ != nullptr) {  // key = # comment \n value
    item.line = std::exchange(line_, nullptr);
  }
  Scan();  // hcl looks one token ahead for a line comment
  if (item.value->pos().line == item.keys.front().pos.line && line_ != nullptr) {
    item.line = std::exchange(line_, nullptr);
  }
  Unscan();
  return Step::kOk;
}

Step HclSim::ObjectKey(std::vector<Token>& keys) {
  for (;;) {
    const Token t = Scan();
    switch (t.type) {
      case TokenType::kEof:
        return Step::kEof;
      case TokenType::kAssign:
        return keys.size() == 1 ? Step::kOk : Step::kError;
      case TokenType::kLbrace:
        return keys.empty() ? Step::kError : Step::kOk;
      case TokenType::kIdent:
      case TokenType::kString:
        keys.push_back(t);
        break;
      default:
        return Step::kError;
    }
  }
}

Step HclSim::Value(PNode& node) {
  const Token t = Scan();
  switch (t.type) {
    case TokenType::kNumber:
    case TokenType::kFloat:
    case TokenType::kBool:
    case TokenType::kString:
    case TokenType::kHeredoc:
      Literal(node);
      return Step::kOk;
    case TokenType::kLbrace:
      return ObjectType(node);
    case TokenType::kLbrack:
      return ListType(node);
    default:
      return Step::kError;
  }
}

Step HclSim::ObjectType(PNode& node) {
  node.kind = PNode::Kind::kObject;
  node.open = tok_.pos;
  if (ObjectList(true, node.items) != Step::kOk || Scan().type != TokenType::kRbrace) {
    return Step::kError;
  }
  node.close = tok_.pos;
  return Step::kOk;
}

Step HclSim::ListType(PNode& node) {
  node.kind = PNode::Kind::kList;
  node.open = tok_.pos;
  bool need_comma = false;
  for (;;) {
    const Token t = Scan();
    if (need_comma && t.type != TokenType::kComma && t.type != TokenType::kRbrack) {
      return Step::kError;
    }
    if (t.type == TokenType::kRbrack) {
      node.close = t.pos;
      return Step::kOk;
    }
    if (ListElement(t, node, need_comma) != Step::kOk) {
      return Step::kError;
    }
  }
}

Step HclSim::ListElement(const Token& t, PNode& list, bool& need_comma) {
  switch (t.type) {
    case TokenType::kBool:
    case TokenType::kNumber:
    case TokenType::kFloat:
    case TokenType::kString:
    case TokenType::kHeredoc: {
      PNode& element = list.elements.emplace_back();
      Literal(element);
      element.lead = std::exchange(lead_, nullptr);
      need_comma = true;
      return Step::kOk;
    }
    case TokenType::kComma:
      Scan();  // a line comment after the comma belongs to the previous literal
      if (line_ != nullptr && !list.elements.empty() && list.elements.back().kind == PNode::Kind::kLiteral) {
        list.elements.back().line = std::exchange(line_, nullptr);
      }
      Unscan();
      need_comma = false;
      return Step::kOk;
    case TokenType::kLbrace:
      need_comma = true;
      return ObjectType(list.elements.emplace_back());
    case TokenType::kLbrack:
      return ListType(list.elements.emplace_back());  // hcl does not require a comma after a nested list
    default:
      return Step::kError;
  }
}

// ---------------------------------------------------------------------------
// hcl's printer.

std::size_t Lines(std::string_view text) { return 1 + static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')); }

std::string Spaces(std::int64_t n) { return n > 0 ? std::string(static_cast<std::size_t>(n), ' ') : std::string(); }

class Printer {
 public:
  Printer(const PFile& file, char marker) : file_(file), marker_(marker) { CollectStandalone(); }

  std::string Print() { return Unindent(TopLevel()) + "\n"; }

 private:
  void CollectStandalone();
  std::string TopLevel();
  bool TopLevelComments(const Position& next, std::size_t index, std::string& buf);
  std::string Item(const PItem& item);
  std::string Value(const PNode& node);
  std::string Literal(const PNode& node) const;
  std::string Object(const PNode& node);
  void ObjectComments(const PNode& node, const Position& next, std::size_t index, bool& newline_printed,
                      bool& commented, std::string& buf);
  std::vector<const PItem*> AlignedRun(const std::vector<PItem>& items, std::size_t& index);
  std::string Aligned(const std::vector<const PItem*>& items);
  std::string List(const PNode& node);
  std::string MultiLineList(const PNode& node);
  static bool IsSingleLineList(const PNode& node);
  static bool IsSingleLineObject(const PItem& item);
  std::string CommentLines(const CommentGroup& group) const;

  std::string Indent(std::string_view text) const;
  std::string KeepIndent(std::string_view text) const;
  std::string Unindent(std::string_view text) const;

  const PFile& file_;
  const char marker_;  // marks lines the final pass must not indent
  std::vector<const CommentGroup*> standalone_;
  Position prev_;
};

void Printer::CollectStandalone() {
  std::vector<const CommentGroup*> attached;
  const auto walk = [&attached](const auto& self, const PNode& node) -> void {
    attached.push_back(node.lead);
    attached.push_back(node.line);
    for (const PItem& item : node.items) {
      attached.push_back(item.lead);
      attached.push_back(item.line);
      self(self, *item.value);
    }
    for (const PNode& element : node.elements) {
      self(self, element);
    }
  };
  for (const PItem& item : file_.items) {
    attached.push_back(item.lead);
    attached.push_back(item.line);
    walk(walk, *item.value);
  }
  for (const CommentGroup& group : file_.groups) {
    if (!group.list.empty() && std::find(attached.begin(), attached.end(), &group) == attached.end()) {
      standalone_.push_back(&group);
    }
  }
}

std::string Printer::TopLevel() {
  const std::vector<PItem>& items = file_.items;
  std::string buf;
  for (std::size_t index = 0;; ++index) {
    const Position next = index != items.size() ? items[index].pos() : kInfinity;
    TopLevelComments(next, index, buf);
    if (index == items.size()) {
      return buf;
    }
    prev_ = items[index].pos();
    buf += Item(items[index]);
    if (index + 1 == items.size()) {
      continue;
    }
    buf += '\n';
    const PItem& cur = items[index];
    const PItem& following = items[index + 1];
    if (LineOf(following.pos()) != LineOf(cur.pos()) + 1 || !IsSingleLineObject(following) ||
        !IsSingleLineObject(cur)) {
      buf += '\n';
    }
  }
}

bool Printer::TopLevelComments(const Position& next, std::size_t index, std::string& buf) {
  const bool at_end = index == file_.items.size();
  bool any = false;
  for (const CommentGroup* group : standalone_) {
    bool printed = false;
    bool newline_printed = false;
    for (const Comment& comment : group->list) {
      if (!After(comment.pos, prev_) || !Before(comment.pos, next)) {
        continue;
      }
      if (!newline_printed && prev_.line > 0 && at_end) {
        buf += "\n\n";
        newline_printed = true;
      }
      buf += comment.text;
      buf += '\n';
      printed = true;
    }
    if (printed && !at_end) {
      buf += '\n';
    }
    any = any || printed;
  }
  return any;
}

std::string Printer::CommentLines(const CommentGroup& group) const {
  std::string out;
  for (const Comment& comment : group.list) {
    out += KeepIndent(comment.text);
    out += '\n';
  }
  return out;
}

std::string Printer::Item(const PItem& item) {
  std::string buf;
  const bool value_on_key_line = item.value->pos().line == item.keys.front().pos.line;
  if (item.lead != nullptr) {
    buf += CommentLines(*item.lead);
  }
  if (item.line != nullptr && !value_on_key_line) {
    buf += CommentLines(*item.line);
  }
  for (std::size_t i = 0; i < item.keys.size(); ++i) {
    buf += item.keys[i].text;
    buf += ' ';
    if (item.assign.line > 0 && item.keys.size() == 1) {
      buf += "= ";
    }
  }
  buf += Value(*item.value);
  if (item.line != nullptr && value_on_key_line) {
    buf += ' ';
    for (const Comment& comment : item.line->list) {
      buf += KeepIndent(comment.text);
    }
  }
  return buf;
}

std::string Printer::Value(const PNode& node) {
  switch (node.kind) {
    case PNode::Kind::kLiteral:
      return Literal(node);
    case PNode::Kind::kObject:
      return Object(node);
    case PNode::Kind::kList:
      return List(node);
  }
  return {};
}

std::string Printer::Literal(const PNode& node) const {
  std::string_view text = node.token.text;
  if (node.token.type == TokenType::kHeredoc) {
    if (!text.empty() && text.back() == '\n') {
      text.remove_suffix(1);
    }
    return KeepIndent(text);
  }
  if (node.token.type == TokenType::kString && text.find('\n') != std::string_view::npos) {
    return KeepIndent(text);
  }
  return std::string(text);
}

std::string Printer::Object(const PNode& node) {
  const std::vector<PItem>& items = node.items;
  std::string buf = "{";
  std::size_t index = 0;
  bool commented = false;
  bool newline_printed = false;
  for (;;) {
    const Position next = index != items.size() ? items[index].pos() : node.close;
    ObjectComments(node, next, index, newline_printed, commented, buf);
    if (index == items.size()) {
      prev_ = node.close;
      break;
    }
    if (!newline_printed) {
      buf += '\n';
      newline_printed = true;
    }
    const std::vector<const PItem*> aligned = AlignedRun(items, index);
    // A blank line before a run that does not start the block, unless a
    // standalone comment already put one (hcl never resets that flag).
    if (!commented && index != aligned.size()) {
      buf += '\n';
    }
    if (!aligned.empty()) {
      prev_ = aligned.back()->pos();
      buf += Indent(Aligned(aligned));
    } else {
      prev_ = items[index].pos();
      buf += Indent(Item(items[index]));
      ++index;
    }
    buf += '\n';
  }
  buf += '}';
  return buf;
}

void Printer::ObjectComments(const PNode& node, const Position& next, std::size_t index, bool& newline_printed,
                             bool& commented, std::string& buf) {
  for (const CommentGroup* group : standalone_) {
    bool printed = false;
    Position last;
    for (const Comment& comment : group->list) {
      if (!After(comment.pos, prev_) || !Before(comment.pos, next)) {
        continue;
      }
      if (!newline_printed) {
        newline_printed = true;
        buf += '\n';
      }
      if (index > 0) {
        commented = true;
        buf += '\n';
      }
      last = comment.pos;
      buf += Indent(KeepIndent(comment.text));
      printed = true;
    }
    if (!printed) {
      continue;
    }
    buf += '\n';
    if (!SamePos(next, node.close) && LineOf(next) != LineOf(last) + 1) {
      buf += '\n';
    }
  }
}

// The run of adjacent one-line items starting at `index` whose `=` hcl aligns;
// advances `index` past it. Empty when the item at `index` stands alone.
std::vector<const PItem*> Printer::AlignedRun(const std::vector<PItem>& items, std::size_t& index) {
  std::vector<const PItem*> aligned;
  while (index < items.size() && items.size() != 1) {
    const PItem& item = items[index];
    if (Lines(Item(item)) > 2) {
      break;
    }
    const std::int64_t cur = LineOf(item.pos());
    const std::int64_t next = index + 1 != items.size() ? LineOf(items[index + 1].pos()) : 0;
    const std::int64_t prev = index != 0 ? LineOf(items[index - 1].pos()) : 0;
    if (cur + 1 == next) {
      aligned.push_back(&item);
      ++index;
      continue;
    }
    if (cur - 1 != prev) {
      break;
    }
    aligned.push_back(&item);
    ++index;
    if (cur + 1 != next) {
      break;
    }
  }
  return aligned;
}

std::string Printer::Aligned(const std::vector<const PItem*>& items) {
  std::int64_t longest_key = 0;
  std::int64_t longest_value = 0;
  for (const PItem* item : items) {
    longest_key = std::max(longest_key, static_cast<std::int64_t>(item->keys.front().text.size()));
    longest_value = std::max(longest_value, static_cast<std::int64_t>(Value(*item->value).size()));
  }
  std::string buf;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const PItem& item = *items[i];
    const bool value_on_key_line = item.value->pos().line == item.keys.front().pos.line;
    if (item.lead != nullptr) {
      buf += CommentLines(*item.lead);
    }
    if (item.line != nullptr && !value_on_key_line) {
      buf += CommentLines(*item.line);  // hcl drops this comment; polcheck keeps it
    }
    for (std::size_t k = 0; k < item.keys.size(); ++k) {
      buf += item.keys[k].text;
      buf += Spaces(longest_key - static_cast<std::int64_t>(item.keys[k].text.size()) + 1);
      if (k + 1 == item.keys.size() && item.keys.size() == 1) {
        buf += "= ";  // hcl writes '=' here even for `key {}`
      }
    }
    const std::string value = Value(*item.value);
    buf += value;
    if (item.line != nullptr && value_on_key_line) {
      buf += Spaces(longest_value - static_cast<std::int64_t>(value.size()) + 1);
      for (const Comment& comment : item.line->list) {
        buf += KeepIndent(comment.text);
      }
    }
    if (i + 1 != items.size()) {
      buf += '\n';
    }
  }
  return buf;
}

bool Printer::IsSingleLineList(const PNode& node) {
  for (const PNode& element : node.elements) {
    if (element.pos().line != node.open.line || element.kind != PNode::Kind::kLiteral) {
      return false;
    }
    if (element.token.type == TokenType::kHeredoc && node.elements.size() != 1) {
      return false;
    }
    if (element.line != nullptr || element.lead != nullptr) {  // lead: polcheck keeps the comment
      return false;
    }
  }
  return true;
}

std::string Printer::List(const PNode& node) {
  if (!IsSingleLineList(node)) {
    return MultiLineList(node);
  }
  std::string buf = "[";
  for (std::size_t i = 0; i < node.elements.size(); ++i) {
    if (i != 0) {
      buf += ", ";
    }
    buf += Value(node.elements[i]);
    if (node.elements[i].is_literal(TokenType::kHeredoc)) {
      buf += '\n';
    }
  }
  buf += ']';
  return buf;
}

std::string Printer::MultiLineList(const PNode& node) {
  std::int64_t longest = 0;
  for (const PNode& element : node.elements) {
    if (element.kind == PNode::Kind::kLiteral) {
      longest = std::max(longest, static_cast<std::int64_t>(element.token.text.size()));
    }
  }
  std::string buf = "[\n";
  bool have_empty_line = false;
  for (std::size_t i = 0; i < node.elements.size(); ++i) {
    const PNode& element = node.elements[i];
    const bool lead = element.kind == PNode::Kind::kLiteral && element.lead != nullptr;
    if (lead) {
      if (!have_empty_line && i != 0) {
        buf += '\n';
      }
      buf += Indent(CommentLines(*element.lead));
    }
    const std::string value = Value(element);
    buf += Indent(value);
    if (element.is_literal(TokenType::kHeredoc)) {
      buf += "\n" + Indent(",");
    } else {
      buf += ',';
    }
    if (element.kind == PNode::Kind::kLiteral && element.line != nullptr) {
      buf += ' ' + Spaces(longest - static_cast<std::int64_t>(value.size()));
      for (const Comment& comment : element.line->list) {
        buf += KeepIndent(comment.text);
      }
    }
    buf += '\n';
    have_empty_line = lead && i + 1 != node.elements.size();
    if (have_empty_line) {
      buf += '\n';
    }
  }
  buf += ']';
  return buf;
}

bool Printer::IsSingleLineObject(const PItem& item) {
  return item.lead == nullptr && item.assign.line == 0 && item.value->kind == PNode::Kind::kObject &&
         item.value->items.empty();
}

std::string Printer::Indent(std::string_view text) const {
  std::string out;
  bool bol = true;
  for (const char c : text) {
    if (bol && c != '\n') {
      out += "  ";
    }
    out += c;
    bol = c == '\n';
  }
  return out;
}

// hcl's heredocIndent: marks lines 2+ so that Unindent strips whatever
// indentation later passes put in front of them.
std::string Printer::KeepIndent(std::string_view text) const {
  std::string out;
  bool bol = false;
  for (const char c : text) {
    if (bol && c != '\n') {
      out += marker_;
    }
    out += c;
    bol = c == '\n';
  }
  return out;
}

std::string Printer::Unindent(std::string_view text) const {
  std::string out;
  for (const char c : text) {
    if (c != marker_) {
      out += c;
      continue;
    }
    const std::size_t line_start = out.rfind('\n');
    out.resize(line_start == std::string::npos ? 0 : line_start + 1);
  }
  return out;
}

// A byte the text does not contain, to mark unindentable lines.
std::optional<char> PickMarker(std::string_view text) {
  for (char c = 1; c < 32; ++c) {
    if (c != '\t' && c != '\n' && c != '\r' && text.find(c) == std::string_view::npos) {
      return c;
    }
  }
  return std::nullopt;
}

std::string ReplaceCrlf(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      continue;
    }
    out += text[i];
  }
  return out;
}

// ---------------------------------------------------------------------------
// JSON -> HCL: a plain HCL rendering of the JSON syntax tree, which the printer
// then lays out. Lists keep being one-line or multi-line as in the JSON.

bool IsHclIdentifier(std::string_view s) {
  if (s.empty() || s == "true" || s == "false") {
    return false;
  }
  const auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (!letter(s.front())) {
    return false;
  }
  return std::all_of(s.begin(), s.end(),
                     [&](char c) { return letter(c) || (c >= '0' && c <= '9') || c == '-' || c == '.'; });
}

std::string QuoteHcl(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (u < 0x20 || u == 0x7f) {
      out += "\\u00";
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

class JsonToHcl {
 public:
  std::optional<std::string> Convert(const ast::File& file) {
    for (const ast::Item& item : file.items) {
      EmitItem(item);
    }
    return ok_ ? std::optional<std::string>(std::move(out_)) : std::nullopt;
  }

 private:
  void EmitItem(const ast::Item& item) {
    for (std::size_t i = 0; i < item.keys.size(); ++i) {
      const std::string_view key = item.keys[i].value;
      out_ += i == 0 ? "" : " ";
      out_ += i == 0 && IsHclIdentifier(key) ? key : QuoteHcl(key);
    }
    const bool block = item.value.kind == ast::Node::Kind::kObject && (item.keys.size() > 1 || !item.has_assign);
    out_ += block ? " " : " = ";
    EmitValue(item.value);
    out_ += '\n';
  }

  void EmitValue(const ast::Node& node) {
    switch (node.kind) {
      case ast::Node::Kind::kLiteral:
        EmitLiteral(node);
        return;
      case ast::Node::Kind::kObject:
        out_ += node.items.empty() ? "{" : "{\n";
        for (const ast::Item& item : node.items) {
          EmitItem(item);
        }
        out_ += '}';
        return;
      case ast::Node::Kind::kList:
        EmitList(node);
        return;
    }
  }

  void EmitList(const ast::Node& node) {
    const bool one_line = std::all_of(node.elements.begin(), node.elements.end(),
                                      [&](const ast::Node& e) { return e.pos.line == node.pos.line; });
    out_ += one_line ? "[" : "[\n";
    for (std::size_t i = 0; i < node.elements.size(); ++i) {
      if (one_line && i != 0) {
        out_ += ", ";
      }
      EmitValue(node.elements[i]);
      out_ += one_line ? "" : ",\n";
    }
    out_ += ']';
  }

  void EmitLiteral(const ast::Node& node) {
    switch (node.token) {
      case TokenType::kString:
        out_ += QuoteHcl(node.value);
        return;
      case TokenType::kNumber:
      case TokenType::kFloat:
      case TokenType::kBool:
        out_ += node.text;
        return;
      default:
        ok_ = false;  // null has no HCL spelling
        return;
    }
  }

  std::string out_;
  bool ok_ = true;
};

// ---------------------------------------------------------------------------
// Checks.

struct Reparsed {
  bool ok = false;
  Policy policy;
};

Reparsed Reparse(std::string text, const PolicyFile& like, std::string name_for_source) {
  SourceSet sources;
  DiagnosticSink sink;
  const SourceFile& source = sources.file(sources.Add(std::move(name_for_source), std::move(text)));
  ParseOptions options;
  options.dialect = like.policy.dialect;
  options.name = like.policy.name;
  PolicyFile file = ParsePolicy(source, options, sink);
  return {file.ok, std::move(file.policy)};
}

bool SameRule(const PathRule& a, const PathRule& b) {
  return a.label == b.label && a.pattern.key == b.pattern.key && a.pattern.kind == b.pattern.kind &&
         a.templated == b.templated && a.capabilities == b.capabilities &&
         a.capability_names == b.capability_names && a.allowed_parameters == b.allowed_parameters &&
         a.denied_parameters == b.denied_parameters && a.required_parameters == b.required_parameters &&
         a.min_wrapping_ttl == b.min_wrapping_ttl && a.max_wrapping_ttl == b.max_wrapping_ttl &&
         a.mfa_methods == b.mfa_methods && a.subscribe_event_types == b.subscribe_event_types &&
         a.has_control_group == b.has_control_group && a.pagination_limit == b.pagination_limit &&
         a.list_scan_response_keys_filter_path == b.list_scan_response_keys_filter_path &&
         a.expiration == b.expiration;
}

FormatResult Fail(FormatResult::Status status, std::string message) {
  FormatResult r;
  r.status = status;
  r.message = std::move(message);
  return r;
}

}  // namespace

std::optional<std::string> FormatHclText(std::string_view text) {
  const std::string src = ReplaceCrlf(text);
  const std::optional<char> marker = PickMarker(src);
  PFile file;
  if (!marker || !HclSim(src, file).Parse()) {
    return std::nullopt;
  }
  return Printer(file, *marker).Print();
}

bool SameMeaning(const Policy& a, const Policy& b) {
  if (a.name != b.name || a.dialect != b.dialect || a.templated != b.templated ||
      a.rules.size() != b.rules.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.rules.size(); ++i) {
    if (!SameRule(a.rules[i], b.rules[i])) {
      return false;
    }
  }
  return true;
}

FormatResult FormatPolicy(const PolicyFile& file, const SourceFile& source, const FormatOptions& options) {
  if (!file.ok || file.syntax == nullptr) {
    return Fail(FormatResult::Status::kNotParsed,
                file.vault_error.empty() ? "the policy does not parse" : file.vault_error);
  }
  std::string hcl = source.text();
  if (file.is_json) {
    if (!options.json_to_hcl) {
      return Fail(FormatResult::Status::kJsonUnsupported,
                  "vault policy fmt cannot format JSON policies (use --to-hcl to convert it to HCL)");
    }
    std::optional<std::string> converted = JsonToHcl().Convert(*file.syntax);
    if (!converted) {
      return Fail(FormatResult::Status::kUnsafe, "the JSON policy holds a null value, which HCL cannot express");
    }
    hcl = std::move(*converted);
  }
  std::optional<std::string> formatted = FormatHclText(hcl);
  if (!formatted) {
    return Fail(FormatResult::Status::kUnsafe, "the formatter could not read the policy (a polcheck bug)");
  }
  const Reparsed before = Reparse(source.text(), file, source.name());
  const Reparsed after = Reparse(*formatted, file, source.name());
  if (!after.ok || !before.ok || !SameMeaning(before.policy, after.policy)) {
    return Fail(FormatResult::Status::kUnsafe,
                "formatting would change what the policy means (a polcheck bug); the file is left as it is");
  }
  if (FormatHclText(*formatted) != formatted) {
    return Fail(FormatResult::Status::kUnsafe, "the formatted text is not stable (a polcheck bug)");
  }
  FormatResult r;
  r.text = std::move(*formatted);
  return r;
}

namespace {

// Lines with their '\n' (the last one may lack it).
std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    const std::size_t size = end == std::string_view::npos ? text.size() : end + 1;
    lines.push_back(text.substr(0, size));
    text.remove_prefix(size);
  }
  return lines;
}

enum class Op : char { kKeep = ' ', kDelete = '-', kInsert = '+' };
struct Edit {
  Op op;
  std::size_t a;  // index into before (kKeep, kDelete)
  std::size_t b;  // index into after (kKeep, kInsert)
};

// An edit script: common prefix and suffix kept, the middle by longest common
// subsequence (or replaced wholesale when it is too large for the table).
std::vector<Edit> EditScript(const std::vector<std::string_view>& a, const std::vector<std::string_view>& b) {
  std::size_t pre = 0;
  while (pre < a.size() && pre < b.size() && a[pre] == b[pre]) {
    ++pre;
  }
  std::size_t suf = 0;
  while (suf < a.size() - pre && suf < b.size() - pre && a[a.size() - 1 - suf] == b[b.size() - 1 - suf]) {
    ++suf;
  }
  const std::size_t n = a.size() - pre - suf;
  const std::size_t m = b.size() - pre - suf;
  std::vector<Edit> edits;
  for (std::size_t i = 0; i < pre; ++i) {
    edits.push_back({Op::kKeep, i, i});
  }
  constexpr std::size_t kMaxCells = 16u << 20;
  if (n != 0 && m != 0 && (n + 1) * (m + 1) <= kMaxCells) {
    std::vector<std::uint32_t> lcs((n + 1) * (m + 1), 0);  // lcs[i][j]: of a[pre+i..], b[pre+j..]
    const auto at = [&](std::size_t i, std::size_t j) -> std::uint32_t& { return lcs[i * (m + 1) + j]; };
    for (std::size_t i = n; i-- > 0;) {
      for (std::size_t j = m; j-- > 0;) {
        at(i, j) = a[pre + i] == b[pre + j] ? at(i + 1, j + 1) + 1 : std::max(at(i + 1, j), at(i, j + 1));
      }
    }
    std::size_t i = 0;
    std::size_t j = 0;
    while (i < n && j < m) {
      if (a[pre + i] == b[pre + j]) {
        edits.push_back({Op::kKeep, pre + i++, pre + j++});
      } else if (at(i + 1, j) >= at(i, j + 1)) {
        edits.push_back({Op::kDelete, pre + i++, 0});
      } else {
        edits.push_back({Op::kInsert, 0, pre + j++});
      }
    }
    for (; i < n; ++i) {
      edits.push_back({Op::kDelete, pre + i, 0});
    }
    for (; j < m; ++j) {
      edits.push_back({Op::kInsert, 0, pre + j});
    }
  } else {
    for (std::size_t i = 0; i < n; ++i) {
      edits.push_back({Op::kDelete, pre + i, 0});
    }
    for (std::size_t j = 0; j < m; ++j) {
      edits.push_back({Op::kInsert, 0, pre + j});
    }
  }
  for (std::size_t k = 0; k < suf; ++k) {
    edits.push_back({Op::kKeep, a.size() - suf + k, b.size() - suf + k});
  }
  return edits;
}

// "3,2", "3" (one line) or "2,0" (empty: the line before), as diff -u writes.
std::string HunkRange(std::size_t first, std::size_t count) {
  if (count == 1) {
    return std::to_string(first + 1);
  }
  return std::to_string(count == 0 ? first : first + 1) + "," + std::to_string(count);
}

void AppendLine(std::string& out, char prefix, std::string_view line) {
  out += prefix;
  out += line;
  if (line.empty() || line.back() != '\n') {
    out += "\n\\ No newline at end of file\n";
  }
}

}  // namespace

std::string UnifiedDiff(std::string_view before, std::string_view after, std::string_view old_name,
                        std::string_view new_name) {
  if (before == after) {
    return {};
  }
  constexpr std::size_t kContext = 3;
  const std::vector<std::string_view> a = SplitLines(before);
  const std::vector<std::string_view> b = SplitLines(after);
  const std::vector<Edit> edits = EditScript(a, b);
  std::string out = "--- " + std::string(old_name) + "\n+++ " + std::string(new_name) + "\n";
  std::size_t k = 0;
  while (k < edits.size()) {
    if (edits[k].op == Op::kKeep) {
      ++k;
      continue;
    }
    // A hunk: from kContext lines before this change to kContext lines after
    // the last change that is at most 2*kContext kept lines further on.
    const std::size_t start = k >= kContext ? k - kContext : 0;
    std::size_t end = k;
    std::size_t keeps = 0;
    for (std::size_t j = k; j < edits.size() && keeps <= 2 * kContext; ++j) {
      keeps = edits[j].op == Op::kKeep ? keeps + 1 : 0;
      if (edits[j].op != Op::kKeep) {
        end = j;
      }
    }
    const std::size_t stop = std::min(edits.size(), end + 1 + kContext);
    std::size_t a_first = a.size();
    std::size_t b_first = b.size();
    std::size_t a_count = 0;
    std::size_t b_count = 0;
    std::string body;
    for (std::size_t j = start; j < stop; ++j) {
      const Edit& e = edits[j];
      if (e.op != Op::kInsert) {
        a_first = std::min(a_first, e.a);
        ++a_count;
      }
      if (e.op != Op::kDelete) {
        b_first = std::min(b_first, e.b);
        ++b_count;
      }
      AppendLine(body, static_cast<char>(e.op), e.op == Op::kInsert ? b[e.b] : a[e.a]);
    }
    // An empty side starts after the lines that precede the hunk on that side.
    if (a_count == 0) {
      a_first = 0;
      for (std::size_t j = 0; j < start; ++j) {
        a_first += edits[j].op != Op::kInsert ? 1 : 0;
      }
    }
    if (b_count == 0) {
      b_first = 0;
      for (std::size_t j = 0; j < start; ++j) {
        b_first += edits[j].op != Op::kDelete ? 1 : 0;
      }
    }
    out += "@@ -" + HunkRange(a_first, a_count) + " +" + HunkRange(b_first, b_count) + " @@\n" + body;
    k = stop;
  }
  return out;
}

bool IsFormatted(const PolicyFile& file, const SourceFile& source) {
  const FormatResult r = FormatPolicy(file, source);
  return r.status != FormatResult::Status::kOk || r.text == source.text();
}

}  // namespace polcheck::parser
