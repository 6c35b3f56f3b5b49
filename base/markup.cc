#include "base/markup.h"

namespace polcheck {
namespace {

std::string Escape(std::string_view text, bool xml) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += xml ? "&apos;" : "'";
        break;
      default:
        if (xml && static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t' && c != '\r') {
          out += ' ';
        } else {
          out += c;
        }
    }
  }
  return out;
}

}  // namespace

std::string EscapeHtml(std::string_view text) { return Escape(text, /*xml=*/false); }

std::string EscapeXml(std::string_view text) { return Escape(text, /*xml=*/true); }

}  // namespace polcheck
