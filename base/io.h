// File-system helpers that fail with Expected instead of throwing.
#pragma once

#include <filesystem>
#include <string>

#include "base/expected.h"

namespace polcheck {

// Reads the whole file. Fails with Error::Code::kNotFound or kIo; never throws.
[[nodiscard]] Expected<std::string> ReadFile(const std::filesystem::path& path);

// Reads all of standard input.
[[nodiscard]] Expected<std::string> ReadStdin();

}  // namespace polcheck
