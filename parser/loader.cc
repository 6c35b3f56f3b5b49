#include "parser/loader.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "base/io.h"

namespace polcheck::parser {
namespace {

bool IsPolicyFile(const std::filesystem::path& p) {
  const std::string ext = p.extension().string();
  return ext == ".hcl" || ext == ".json";
}

}  // namespace

Expected<std::vector<std::string>> ExpandPolicyPaths(const std::vector<std::string>& paths) {
  std::vector<std::string> files;
  for (const std::string& path : paths) {
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (ec || !std::filesystem::exists(status)) {
      return Unexpected(Error::Code::kNotFound, path + ": no such file or directory");
    }
    if (!std::filesystem::is_directory(status)) {
      files.push_back(path);
      continue;
    }
    std::vector<std::string> found;
    std::filesystem::recursive_directory_iterator it(
        path, std::filesystem::directory_options::skip_permission_denied, ec);
    for (; !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_regular_file(ec) && IsPolicyFile(it->path())) {
        found.push_back(it->path().string());
      }
    }
    if (ec) {
      return Unexpected(Error::Code::kIo, path + ": " + ec.message());
    }
    if (found.empty()) {
      return Unexpected(Error::Code::kInvalidArgument,
                        path + ": directory holds no policy file (*.hcl or *.json)");
    }
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

Expected<std::vector<PolicyFile>> LoadPolicies(const std::vector<std::string>& paths,
                                               const ParseOptions& options, SourceSet& sources,
                                               DiagnosticSink& sink) {
  Expected<std::vector<std::string>> files = ExpandPolicyPaths(paths);
  if (!files) {
    return Unexpected(files.error());
  }
  std::vector<PolicyFile> out;
  out.reserve(files->size());
  for (const std::string& file : *files) {
    Expected<std::string> text = ReadFile(file);
    if (!text) {
      return Unexpected(text.error());
    }
    const SourceFile& source = sources.file(sources.Add(file, *std::move(text)));
    ParseOptions per_file = options;
    per_file.name.clear();
    out.push_back(ParsePolicy(source, per_file, sink));
  }
  return out;
}

}  // namespace polcheck::parser
