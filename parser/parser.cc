#include "parser/parser.h"


#include "parser/normalize.h"
#include "parser/readers.h"

namespace polcheck::parser {

PolicyFile ParsePolicy(const SourceFile& source, const ParseOptions& options, DiagnosticSink& sink) {
  PolicyFile out;
  out.file = source.id();
  out.is_json = LooksLikeJson(source.text());
  const std::size_t errors_before = sink.error_count();

  ReadResult read = out.is_json ? ReadJson(source, sink, out.json_quirks) : ReadHcl(source, sink);
  if (!read.vault_error.empty()) {
    out.vault_error = "failed to parse policy: " + read.vault_error;
  }
  auto syntax = std::make_shared<ast::File>(std::move(read.file));
  Normalize(source, *syntax, options, sink, out);
  out.syntax = std::move(syntax);
  out.policy.name = options.name.empty() ? PolicyNameFromPath(source.name()) : options.name;

  for (const JsonQuirk& quirk : out.json_quirks) {
    sink.Add(Severity::kWarning, quirk.span, "json-quirk", quirk.detail);
  }
  out.ok = sink.error_count() == errors_before && out.vault_error.empty();
  return out;
}

namespace {

// std::filesystem::path(path).stem() for POSIX paths, without building a path:
// the last component ("" after a trailing '/'); ".", ".." and names whose only
// dot is the first character keep their dot; otherwise the last extension goes.
std::string_view Stem(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  const std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  if (name.empty() || (name.size() <= 2 && name.front() == '.')) {
    return name;
  }
  const std::size_t dot = name.rfind('.');
  return dot == std::string_view::npos || dot == 0 ? name : name.substr(0, dot);
}

}  // namespace

std::string PolicyNameFromPath(std::string_view path) {
  std::string_view stem = Stem(path);
  const auto first = stem.find_first_not_of(" \t\r\n");
  const auto last = stem.find_last_not_of(" \t\r\n");
  stem = first == std::string_view::npos ? std::string_view() : stem.substr(first, last - first + 1);
  std::string name(stem);
  for (char& c : name) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return name;
}

}  // namespace polcheck::parser
