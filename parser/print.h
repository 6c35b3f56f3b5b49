// Printing normalised policies for `polcheck parse`: text for people, JSON for
// tools (schema documented in README.md, "polcheck parse").
#pragma once

#include <string>
#include <vector>

#include "base/diagnostic.h"
#include "base/source.h"
#include "parser/parser.h"

namespace polcheck::parser {

// One block per file: name, format, then every rule with its location,
// pattern kind, capabilities, parameter constraints, TTLs and template flag.
std::string FormatPoliciesText(const std::vector<PolicyFile>& files, const SourceSet& sources);

// {"files": [...], "diagnostics": [...]} — see README.md for the schema.
std::string FormatPoliciesJson(const std::vector<PolicyFile>& files, const SourceSet& sources,
                               const std::vector<Diagnostic>& diagnostics);

}  // namespace polcheck::parser
