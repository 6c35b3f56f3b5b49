// YAML reading shared by polcheck's own YAML files (polcheck.yaml here,
// bindings in analysis/): spans of yaml-cpp nodes, the syntax check and the
// unknown-key check, all reported as Diagnostics with file:line:col.
//
//   std::optional<YAML::Node> root = config::ParseYaml(source, sink, "bindings-syntax", "YAML/JSON");
//   if (root && config::CheckYamlKeys(source, sink, "bindings", *root, "a bindings file", {"auth", "identity"})) ...
//
// It includes yaml-cpp: include it from .cc files only.
#pragma once

#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <optional>
#include <string_view>

#include "base/diagnostic.h"
#include "base/source.h"

namespace polcheck::config {

// Where `node` is in `source`: a scalar's text (its quotes included), else
// one character at the node's start; the first character when yaml-cpp has
// no position.
Span YamlSpan(const SourceFile& source, const YAML::Node& node);

// Parses `source`. A syntax error becomes one error diagnostic with `code`
// ("invalid <what>: <yaml-cpp's message>") at the error's position, and
// nullopt. Never throws.
std::optional<YAML::Node> ParseYaml(const SourceFile& source, DiagnosticSink& sink, std::string_view code,
                                    std::string_view what);

// Reports each key of `map` not in `allowed` as an error with `code`:
// unknown key "k" in <where> (expected one of: a, b). Returns false, after
// reporting "<where> must be a mapping", when `map` is not a mapping.
bool CheckYamlKeys(const SourceFile& source, DiagnosticSink& sink, std::string_view code, const YAML::Node& map,
                   std::string_view where, std::initializer_list<std::string_view> allowed);

}  // namespace polcheck::config
