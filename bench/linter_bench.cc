// Lint throughput: the corpus policies replicated to 10,000 files, parsed and
// linted with every rule (what `polcheck lint` does after reading the files).
//   BM_Linter_Corpus10k     parse + lint 10,000 files
//   BM_Linter_ParseOnly10k  parse the same files (baseline: lint's own cost is the difference)
// scripts/bench-lint.sh times the real binary on the same replicated tree.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <string>
#include <vector>

#include "base/io.h"
#include "config/config.h"
#include "linter/linter.h"
#include "parser/parser.h"

namespace polcheck {
namespace {

constexpr std::size_t kFiles = 10000;

const std::vector<std::pair<std::string, std::string>>& Corpus10k() {
  static const std::vector<std::pair<std::string, std::string>> files = [] {
    std::vector<std::pair<std::string, std::string>> base;
    const std::filesystem::path root = std::filesystem::path(POLCHECK_CORPUS_DIR) / "policies";
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(root, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      const std::string ext = it->path().extension().string();
      if (it->is_regular_file() && (ext == ".hcl" || ext == ".json")) {
        if (Expected<std::string> text = ReadFile(it->path())) {
          base.emplace_back(it->path().string(), *std::move(text));
        }
      }
    }
    std::vector<std::pair<std::string, std::string>> out;
    for (std::size_t i = 0; !base.empty() && out.size() < kFiles; ++i) {
      const auto& [name, text] = base[i % base.size()];
      out.emplace_back("copy" + std::to_string(i / base.size()) + "/" + name, text);
    }
    return out;
  }();
  return files;
}

void BM_Linter_Corpus10k(benchmark::State& state) {
  if (Corpus10k().empty()) {
    state.SkipWithError("../shared/corpus/policies not found");
    return;
  }
  const config::Config cfg = config::DefaultConfig();
  for (auto _ : state) {
    SourceSet sources;
    DiagnosticSink sink;
    std::vector<parser::PolicyFile> files;
    files.reserve(Corpus10k().size());
    for (const auto& [name, text] : Corpus10k()) {
      files.push_back(parser::ParsePolicy(sources.file(sources.Add(name, text)), {}, sink));
    }
    linter::LintResult result = linter::Lint({sources, files, sink.diagnostics(), cfg, Dialect::kVault});
    benchmark::DoNotOptimize(result);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(Corpus10k().size()));
}
BENCHMARK(BM_Linter_Corpus10k)->Unit(benchmark::kMillisecond)->MinTime(2.0);

void BM_Linter_ParseOnly10k(benchmark::State& state) {
  if (Corpus10k().empty()) {
    state.SkipWithError("../shared/corpus/policies not found");
    return;
  }
  for (auto _ : state) {
    SourceSet sources;
    DiagnosticSink sink;
    std::vector<parser::PolicyFile> files;
    files.reserve(Corpus10k().size());
    for (const auto& [name, text] : Corpus10k()) {
      files.push_back(parser::ParsePolicy(sources.file(sources.Add(name, text)), {}, sink));
    }
    benchmark::DoNotOptimize(files);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(Corpus10k().size()));
}
BENCHMARK(BM_Linter_ParseOnly10k)->Unit(benchmark::kMillisecond)->MinTime(2.0);

}  // namespace
}  // namespace polcheck

BENCHMARK_MAIN();
