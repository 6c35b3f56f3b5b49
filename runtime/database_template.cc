// Custom `username_template` for the database engine: the subset of Go's
// text/template that Vault's sdk/helper/template offers (RUNTIME-API.md §5.3).
// Actions hold pipelines of commands; a command is a function call or a value
// (string literal, integer, .DisplayName, .RoleName, a parenthesised pipeline);
// a piped value becomes the last argument. Functions: printf (%s %d %v %%),
// truncate, truncate_sha256, uppercase, lowercase, replace, sha256, base64,
// random, unix_time, unix_time_millis, uuid. `{{-`/`-}}` trim spaces as in Go.
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>

#include "runtime/crypto.h"
#include "runtime/database.h"

namespace polcheck::runtime::database {
namespace {

class Renderer {
 public:
  Renderer(std::string_view action, const UsernameInput& in) : s_(action), in_(in) {}

  // The value of the whole action; the error names what is wrong.
  Expected<std::string> Run() {
    Expected<std::string> value = Pipeline();
    if (!value) {
      return value;
    }
    Skip();
    if (pos_ != s_.size()) {
      return Fail("unexpected \"" + std::string(s_.substr(pos_)) + "\"");
    }
    return value;
  }

 private:
  UnexpectedError Fail(std::string message) const {
    return Unexpected(Error::Code::kInvalidArgument, std::move(message));
  }

  void Skip() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) {
      ++pos_;
    }
  }
  bool AtCommandEnd() {
    Skip();
    return pos_ == s_.size() || s_[pos_] == '|' || s_[pos_] == ')';
  }

  Expected<std::string> Pipeline() {
    std::optional<std::string> piped;
    while (true) {
      Expected<std::string> value = Command(piped);
      if (!value) {
        return value;
      }
      piped = *value;
      Skip();
      if (pos_ < s_.size() && s_[pos_] == '|') {
        ++pos_;
        continue;
      }
      return *piped;
    }
  }

  // One command; `piped` is the previous command's value (appended as the last argument).
  Expected<std::string> Command(const std::optional<std::string>& piped) {
    Skip();
    const std::size_t start = pos_;
    while (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_')) {
      ++pos_;
    }
    const std::string name(s_.substr(start, pos_ - start));
    if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) {
      pos_ = start;
      Expected<std::string> value = Term();
      if (value && !AtCommandEnd()) {
        return Fail("a value cannot take arguments");
      }
      if (value && piped) {
        return Fail("cannot pipe into a value");
      }
      return value;
    }
    std::vector<std::string> args;
    while (!AtCommandEnd()) {
      Expected<std::string> arg = Term();
      if (!arg) {
        return arg;
      }
      args.push_back(*std::move(arg));
    }
    if (piped) {
      args.push_back(*piped);
    }
    return Call(name, args);
  }

  Expected<std::string> Term() {
    Skip();
    if (pos_ >= s_.size()) {
      return Fail("missing value");
    }
    const char c = s_[pos_];
    if (c == '"' || c == '`') {
      return Quoted(c);
    }
    if (c == '(') {
      ++pos_;
      Expected<std::string> inner = Pipeline();
      Skip();
      if (inner && (pos_ >= s_.size() || s_[pos_] != ')')) {
        return Fail("unclosed (");
      }
      ++pos_;
      return inner;
    }
    if (c == '.') {
      const std::size_t start = ++pos_;
      while (pos_ < s_.size() && std::isalnum(static_cast<unsigned char>(s_[pos_]))) {
        ++pos_;
      }
      const std::string_view field = s_.substr(start, pos_ - start);
      if (field == "DisplayName") {
        return in_.display_name;
      }
      if (field == "RoleName") {
        return in_.role_name;
      }
      return Fail("unknown field ." + std::string(field) + " (DisplayName, RoleName)");
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '-') {
      const std::size_t start = pos_++;
      while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) {
        ++pos_;
      }
      return std::string(s_.substr(start, pos_ - start));
    }
    // A function without arguments used as an argument (e.g. `printf "%s" unix_time`).
    const std::size_t start = pos_;
    while (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_')) {
      ++pos_;
    }
    if (pos_ == start) {
      return Fail("unexpected \"" + std::string(1, c) + "\"");
    }
    return Call(std::string(s_.substr(start, pos_ - start)), {});
  }

  Expected<std::string> Quoted(char quote) {
    std::string out;
    for (++pos_; pos_ < s_.size(); ++pos_) {
      char c = s_[pos_];
      if (c == quote) {
        ++pos_;
        return out;
      }
      if (quote == '"' && c == '\\' && pos_ + 1 < s_.size()) {
        c = s_[++pos_];
        c = c == 'n' ? '\n' : c == 't' ? '\t' : c;
      }
      out += c;
    }
    return Fail("unterminated string");
  }

  static std::optional<long long> Int(const std::string& s) {
    if (s.empty() || s.size() > 18 || !std::all_of(s.begin() + (s[0] == '-' ? 1 : 0), s.end(), ::isdigit) ||
        s == "-") {
      return std::nullopt;
    }
    return std::stoll(s);
  }

  static std::string Sha256Hex(const std::string& text) {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
    return crypto::Hex(std::string(reinterpret_cast<const char*>(digest), sizeof digest));
  }

  static std::string Base64(const std::string& text) {
    std::string out(4 * ((text.size() + 2) / 3) + 1, '\0');
    const int n =
        EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                        reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
  }

  Expected<std::string> Printf(const std::vector<std::string>& args) {
    if (args.empty()) {
      return Fail("printf needs a format");
    }
    std::string out;
    std::size_t next = 1;
    const std::string& format = args[0];
    for (std::size_t i = 0; i < format.size(); ++i) {
      if (format[i] != '%') {
        out += format[i];
        continue;
      }
      if (++i >= format.size()) {
        return Fail("printf format ends in %");
      }
      if (format[i] == '%') {
        out += '%';
        continue;
      }
      if (format[i] != 's' && format[i] != 'd' && format[i] != 'v') {
        return Fail(std::string("printf verb %") + format[i] + " is not supported (%s, %d, %v)");
      }
      if (next >= args.size()) {
        return Fail("printf has fewer arguments than verbs");
      }
      out += args[next++];
    }
    return out;
  }

  Expected<std::string> Call(const std::string& name, const std::vector<std::string>& args) {
    auto arity = [&](std::size_t n) -> std::optional<UnexpectedError> {
      if (args.size() != n) {
        return Fail(name + " takes " + std::to_string(n) + " argument" + (n == 1 ? "" : "s") + ", got " +
                    std::to_string(args.size()));
      }
      return std::nullopt;
    };
    if (name == "printf") {
      return Printf(args);
    }
    if (name == "truncate" || name == "truncate_sha256" || name == "random") {
      if (auto bad = arity(name == "random" ? 1 : 2)) {
        return *bad;
      }
      const std::optional<long long> n = Int(args[0]);
      if (!n || *n < 0 || *n > 1024) {
        return Fail(name + ": \"" + args[0] + "\" is not a length");
      }
      const auto len = static_cast<std::size_t>(*n);
      if (name == "random") {
        return crypto::RandomBase62(len);
      }
      const std::size_t least = name == "truncate" ? 0 : 8;  // Vault's bounds
      if (len <= least) {
        return Fail("max length must be > " + std::to_string(least) + " but was " + args[0]);
      }
      const std::string& s = args[1];
      if (s.size() <= len) {
        return s;
      }
      if (name == "truncate") {
        return s.substr(0, len);
      }
      return s.substr(0, len - 8) + Sha256Hex(s.substr(len - 8)).substr(0, 8);
    }
    if (name == "uppercase" || name == "lowercase" || name == "sha256" || name == "base64") {
      if (auto bad = arity(1)) {
        return *bad;
      }
      std::string s = args[0];
      if (name == "sha256") {
        return Sha256Hex(s);
      }
      if (name == "base64") {
        return Base64(s);
      }
      std::transform(s.begin(), s.end(), s.begin(), [&](unsigned char c) {
        return static_cast<char>(name == "uppercase" ? std::toupper(c) : std::tolower(c));
      });
      return s;
    }
    if (name == "replace") {
      if (auto bad = arity(3)) {
        return *bad;
      }
      std::string s = args[2];
      if (!args[0].empty()) {
        for (std::size_t at = s.find(args[0]); at != std::string::npos;
             at = s.find(args[0], at + args[1].size())) {
          s.replace(at, args[0].size(), args[1]);
        }
      }
      return s;
    }
    if (name == "unix_time" || name == "unix_time_millis" || name == "uuid") {
      if (auto bad = arity(0)) {
        return *bad;
      }
      if (name == "uuid") {
        return crypto::Uuid();
      }
      return std::to_string(name == "unix_time" ? in_.unix_time : in_.unix_time * 1000);
    }
    return Fail("function \"" + name + "\" not defined");
  }

  std::string_view s_;
  const UsernameInput& in_;
  std::size_t pos_ = 0;
};

}  // namespace

Expected<std::string> RenderUsernameTemplate(std::string_view text, const UsernameInput& input) {
  std::string out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t open = text.find("{{", pos);
    std::string_view literal =
        text.substr(pos, open == std::string_view::npos ? std::string_view::npos : open - pos);
    const bool trim_left = open != std::string_view::npos && open + 2 < text.size() && text[open + 2] == '-';
    if (trim_left) {
      literal = literal.substr(0, literal.find_last_not_of(" \t\r\n") + 1);
    }
    out += literal;
    if (open == std::string_view::npos) {
      break;
    }
    const std::size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) {
      return Unexpected(Error::Code::kInvalidArgument, "unclosed action");
    }
    std::size_t begin = open + 2 + (trim_left ? 1 : 0);
    std::size_t end = close;
    const bool trim_right = end > begin && text[end - 1] == '-';
    end -= trim_right ? 1 : 0;
    Expected<std::string> value = Renderer(text.substr(begin, end - begin), input).Run();
    if (!value) {
      return value;
    }
    out += *value;
    pos = close + 2;
    if (trim_right) {
      while (pos < text.size() && std::isspace(static_cast<unsigned char>(text[pos]))) {
        ++pos;
      }
    }
  }
  return out;
}

}  // namespace polcheck::runtime::database
