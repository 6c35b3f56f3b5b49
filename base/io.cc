#include "base/io.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <system_error>

namespace polcheck {

Expected<std::string> ReadFile(const std::filesystem::path& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) {
    return Unexpected(Error::Code::kNotFound, path.string() + ": no such file or directory");
  }
  if (std::filesystem::is_directory(status)) {
    return Unexpected(Error::Code::kIo, path.string() + ": is a directory");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Unexpected(Error::Code::kIo,
                      path.string() + ": cannot open: " + std::strerror(errno));
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) {
    return Unexpected(Error::Code::kIo, path.string() + ": read error");
  }
  return buffer.str();
}

Expected<std::string> ReadStdin() {
  std::string text{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
  if (std::cin.bad()) {
    return Unexpected(Error::Code::kIo, "<stdin>: read error");
  }
  return text;
}

}  // namespace polcheck
