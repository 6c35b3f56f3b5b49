// A reader for the subset of HCL2 (Terraform's language) that the Terraform
// import needs: blocks with labels, attributes, literals, lists, objects,
// template strings with ${...}, heredocs (<<EOT, <<-EOT), function calls and
// references. Everything else that is valid HCL2 (operators, conditionals,
// for expressions, splats, template directives) is read, kept as an
// kUnsupported expression with its span and a description, and never guessed.
//
// No HCL2 library exists for C++ in Debian (only Go's hashicorp/hcl), hence
// this small hand-written reader.
//
//   hcl::Body body = hcl::ParseConfig(source, sink);   // syntax errors -> sink
//   for (const hcl::Block& b : body.blocks) { ... b.type, b.labels, b.body.Find("name") ... }
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/diagnostic.h"
#include "base/source.h"

namespace polcheck::analysis::hcl {

enum class ExprKind : std::uint8_t {
  kNull,
  kString,       // a template with no interpolation; `text` is its value
  kNumber,       // `text` as written
  kBool,
  kTemplate,     // parts: kString literals and interpolated expressions
  kList,         // items
  kObject,       // keys[i] = items[i]
  kCall,         // name(items...)
  kReference,    // name.attr[...]: `name` is the root, `path` the steps
  kUnsupported,  // `text` says what it is ("for expression", "operator '+'", ...)
};

struct Expr {
  ExprKind kind = ExprKind::kNull;
  Span span;
  std::string text;
  bool boolean = false;
  std::string name;
  std::vector<std::string> path;  // reference steps: attribute names, or "[0]" / "[\"k\"]" for indexes
  std::vector<Expr> items;
  std::vector<Expr> keys;
  // kString: true when the value is exactly the source text in `content`
  // (no escapes, no heredoc indentation stripped), so diagnostics about the
  // value can point into the file.
  bool verbatim = false;
  bool heredoc = false;
  Span content;
};

struct Attribute {
  std::string name;
  Span name_span;
  Expr value;
};

struct Block;

struct Body {
  std::vector<Attribute> attributes;
  std::vector<Block> blocks;

  const Attribute* Find(std::string_view name) const;
};

struct Block {
  std::string type;
  std::vector<std::string> labels;
  Span span;  // the block type keyword through the last label
  Body body;
};

// Reads one .tf file. The first syntax error goes to `sink` (code
// "terraform-syntax") and ends the file; what was read before it is returned.
Body ParseConfig(const SourceFile& source, DiagnosticSink& sink);

// A whole file read as a template (what templatefile() renders): a kString
// when it holds no interpolation, else kTemplate; nullopt after a syntax
// error (reported to `sink`).
std::optional<Expr> ParseTemplateFile(const SourceFile& source, DiagnosticSink& sink);

// The expression as a short text for messages: `var.x`, `file(...)`, ...
std::string Describe(const Expr& expr);

}  // namespace polcheck::analysis::hcl
