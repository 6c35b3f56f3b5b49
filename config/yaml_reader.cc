#include "config/yaml_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <string>

namespace polcheck::config {

Span YamlSpan(const SourceFile& source, const YAML::Node& node) {
  const auto size = static_cast<std::uint32_t>(source.text().size());
  const YAML::Mark mark = node.Mark();
  if (mark.pos < 0) {
    return Span{source.id(), 0, std::min<std::uint32_t>(1, size)};
  }
  const auto begin = std::min(static_cast<std::uint32_t>(mark.pos), size);
  std::uint32_t end = begin + 1;
  if (node.IsScalar()) {
    // A quoted scalar's mark is at its opening quote.
    const bool quoted = begin < size && (source.text()[begin] == '"' || source.text()[begin] == '\'');
    end = begin + static_cast<std::uint32_t>(node.Scalar().size()) + (quoted ? 2 : 0);
  }
  return Span{source.id(), begin, std::min(std::max(end, begin + 1), size)};
}

std::optional<YAML::Node> ParseYaml(const SourceFile& source, DiagnosticSink& sink, std::string_view code,
                                    std::string_view what) {
  try {
    return YAML::Load(std::string(source.text()));
  } catch (const YAML::Exception& e) {
    const auto size = static_cast<std::uint32_t>(source.text().size());
    const auto at = e.mark.pos < 0 ? 0u : std::min(static_cast<std::uint32_t>(e.mark.pos), size);
    sink.Add(Severity::kError, Span{source.id(), at, std::min(at + 1, size)}, std::string(code),
             fmt::format("invalid {}: {}", what, e.msg));
    return std::nullopt;
  }
}

bool CheckYamlKeys(const SourceFile& source, DiagnosticSink& sink, std::string_view code, const YAML::Node& map,
                   std::string_view where, std::initializer_list<std::string_view> allowed) {
  if (!map.IsMap()) {
    sink.Add(Severity::kError, YamlSpan(source, map), std::string(code), fmt::format("{} must be a mapping", where));
    return false;
  }
  for (const auto& kv : map) {
    const std::string key = kv.first.as<std::string>("");
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::string expected;
      for (std::string_view a : allowed) {
        expected += (expected.empty() ? "" : ", ") + std::string(a);
      }
      sink.Add(Severity::kError, YamlSpan(source, kv.first), std::string(code),
               fmt::format("unknown key \"{}\" in {} (expected one of: {})", key, where, expected));
    }
  }
  return true;
}

}  // namespace polcheck::config
