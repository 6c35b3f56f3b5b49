// Loading policy files from the command line's paths.
//
//   SourceSet sources; DiagnosticSink sink;
//   Expected<std::vector<parser::PolicyFile>> files =
//       parser::LoadPolicies({"policies/"}, {.dialect = Dialect::kVault}, sources, sink);
#pragma once

#include <string>
#include <vector>

#include "base/diagnostic.h"
#include "base/expected.h"
#include "base/source.h"
#include "parser/parser.h"

namespace polcheck::parser {

// Expands each path: a file is taken as it is; a directory contributes every
// *.hcl and *.json file below it (recursively, sorted by path). Reads and parses
// each file (the policy name comes from the file name; options.name is ignored).
// Fails with kNotFound / kIo when a path is missing or unreadable, or with
// kInvalidArgument when a directory holds no policy file; parse problems go to
// `sink` and show as PolicyFile::ok == false.
[[nodiscard]] Expected<std::vector<PolicyFile>> LoadPolicies(const std::vector<std::string>& paths,
                                                             const ParseOptions& options,
                                                             SourceSet& sources,
                                                             DiagnosticSink& sink);

// The files LoadPolicies would read, without reading them.
[[nodiscard]] Expected<std::vector<std::string>> ExpandPolicyPaths(
    const std::vector<std::string>& paths);

}  // namespace polcheck::parser
