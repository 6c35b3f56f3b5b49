// Source files and spans: the vocabulary every diagnostic is built from.
//
// A Span is a file id plus byte offsets into that file's text; 1-based line and
// column are computed only when something is printed. Columns count Unicode code
// points (as Vault's HCL scanner does), not bytes.
//
//   SourceSet sources;
//   FileId id = sources.Add("policies/ops.hcl", text);
//   LineCol at = sources.file(id).Locate(span.begin);   // {3, 6}
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace polcheck {

using FileId = std::uint32_t;

struct Span {
  FileId file = 0;
  std::uint32_t begin = 0;  // byte offset of the first byte
  std::uint32_t end = 0;    // byte offset one past the last byte

  std::uint32_t size() const { return end - begin; }
  bool operator==(const Span&) const = default;
};

struct LineCol {
  std::uint32_t line = 1;    // 1-based
  std::uint32_t column = 1;  // 1-based, in code points
  bool operator==(const LineCol&) const = default;
};

class SourceFile {
 public:
  SourceFile(FileId id, std::string name, std::string text);

  FileId id() const { return id_; }
  const std::string& name() const { return name_; }
  const std::string& text() const { return text_; }

  // Line and column of a byte offset; offsets past the end map to the end.
  LineCol Locate(std::uint32_t offset) const;
  // The text of 1-based line `line` without its newline; empty past the end.
  std::string_view Line(std::uint32_t line) const;
  std::uint32_t line_count() const { return static_cast<std::uint32_t>(line_starts_.size()); }

 private:
  FileId id_;
  std::string name_;
  std::string text_;
  std::vector<std::uint32_t> line_starts_;
};

// Owns every source file of a run. References returned by file() stay valid for
// the lifetime of the set (files are never moved once added).
class SourceSet {
 public:
  FileId Add(std::string name, std::string text);
  const SourceFile& file(FileId id) const { return files_.at(id); }
  std::size_t size() const { return files_.size(); }

 private:
  std::deque<SourceFile> files_;
};

}  // namespace polcheck
