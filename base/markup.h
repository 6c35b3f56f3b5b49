// Escaping text for HTML and XML reports (diff --format html, JUnit output of
// lint, verify and test).
//
//   out += "<td>" + EscapeHtml(path) + "</td>";
//   out += "<testcase name=\"" + EscapeXml(name) + "\">";
#pragma once

#include <string>
#include <string_view>

namespace polcheck {

// & < > " as entities; safe in element text and double-quoted attributes.
std::string EscapeHtml(std::string_view text);

// EscapeHtml plus ' as &apos;; control characters XML 1.0 forbids even as
// references (all below 0x20 except tab, newline, carriage return) become ' '.
std::string EscapeXml(std::string_view text);

}  // namespace polcheck
