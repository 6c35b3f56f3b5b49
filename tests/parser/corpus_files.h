// The policy files of the shared real-world corpus (../shared/corpus, found
// through POLCHECK_CORPUS_DIR), for the parser's corpus tests. A test calls
// LoadPolicyCorpus() after checking HasCorpus() and skipping with a message
// when the corpus is absent; the files are never copied into the repository.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace polcheck::parser::testing {

struct CorpusFile {
  std::string path;  // dir / local_path, as diagnostics name it
  std::string text;
};

// True when `dir` holds the corpus (its MANIFEST.tsv).
inline bool HasCorpus(const std::filesystem::path& dir) { return std::filesystem::exists(dir / "MANIFEST.tsv"); }

// The files MANIFEST.tsv lists with a kind starting with "policy" (policy-hcl,
// policy-json, policy-hcl-template, ...), in manifest order.
inline std::vector<CorpusFile> LoadPolicyCorpus(const std::filesystem::path& dir) {
  std::vector<CorpusFile> files;
  std::ifstream manifest(dir / "MANIFEST.tsv");
  std::string line;
  std::getline(manifest, line);  // header: local_path repo source_path commit license kind
  while (std::getline(manifest, line)) {
    std::vector<std::string> cols;
    std::stringstream ss(line);
    for (std::string col; std::getline(ss, col, '\t');) {
      cols.push_back(col);
    }
    if (cols.size() < 6 || cols[5].rfind("policy", 0) != 0) {
      continue;
    }
    std::ifstream in(dir / cols[0], std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    files.push_back({(dir / cols[0]).string(), text.str()});
  }
  return files;
}

}  // namespace polcheck::parser::testing
