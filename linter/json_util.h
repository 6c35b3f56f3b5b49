// JSON pieces shared by the JSON, SARIF and baseline writers (internal;
// includes nlohmann/json, so only .cc files of the linter include it).
#pragma once

#include <nlohmann/json.hpp>

#include "linter/linter.h"

namespace polcheck::linter {

inline constexpr const char* kPolcheckVersion = "0.1.0";

nlohmann::ordered_json LocationJson(const Span& span, const SourceSet& sources);
nlohmann::ordered_json FindingJson(const Finding& f, const SourceSet& sources);

}  // namespace polcheck::linter
