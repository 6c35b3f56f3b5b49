// Parse throughput on the shared corpus of real-world policies (MB/s).
//   BM_Parser_Corpus          scan + parse + normalise every corpus policy
//   BM_Parser_ScanOnly        the HCL scanner alone over the same bytes (baseline)
//   BM_Parser_Generated/<N>   a generated policy of N path blocks
// When ../shared/corpus is absent the corpus benchmarks report an error and the
// generated one still runs.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <filesystem>
#include <string>
#include <vector>

#include "base/io.h"
#include "parser/hcl_scanner.h"
#include "parser/parser.h"

namespace polcheck {
namespace {

struct CorpusFile {
  std::string name;
  std::string text;
};

const std::vector<CorpusFile>& Corpus() {
  static const std::vector<CorpusFile> files = [] {
    std::vector<CorpusFile> out;
    const std::filesystem::path root = std::filesystem::path(POLCHECK_CORPUS_DIR) / "policies";
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(root, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      if (!it->is_regular_file()) {
        continue;
      }
      Expected<std::string> text = ReadFile(it->path());
      if (text) {
        out.push_back({it->path().string(), *std::move(text)});
      }
    }
    return out;
  }();
  return files;
}

std::int64_t TotalBytes(const std::vector<CorpusFile>& files) {
  std::int64_t bytes = 0;
  for (const CorpusFile& f : files) {
    bytes += static_cast<std::int64_t>(f.text.size());
  }
  return bytes;
}

void ParseAll(benchmark::State& state, const std::vector<CorpusFile>& files) {
  for (auto _ : state) {
    for (const CorpusFile& f : files) {
      SourceFile source(0, f.name, f.text);
      DiagnosticSink sink;
      parser::PolicyFile file = parser::ParsePolicy(source, {}, sink);
      benchmark::DoNotOptimize(file);
    }
  }
  state.SetBytesProcessed(state.iterations() * TotalBytes(files));
}

void BM_Parser_Corpus(benchmark::State& state) {
  if (Corpus().empty()) {
    state.SkipWithError("../shared/corpus/policies not found");
    return;
  }
  ParseAll(state, Corpus());
}
BENCHMARK(BM_Parser_Corpus)->Unit(benchmark::kMillisecond);

void BM_Parser_ScanOnly(benchmark::State& state) {
  if (Corpus().empty()) {
    state.SkipWithError("../shared/corpus/policies not found");
    return;
  }
  for (auto _ : state) {
    for (const CorpusFile& f : Corpus()) {
      parser::HclScanner scanner(f.text, nullptr);
      for (parser::Token t = scanner.Scan(); t.type != parser::ast::TokenType::kEof; t = scanner.Scan()) {
        benchmark::DoNotOptimize(t);
      }
    }
  }
  state.SetBytesProcessed(state.iterations() * TotalBytes(Corpus()));
}
BENCHMARK(BM_Parser_ScanOnly)->Unit(benchmark::kMillisecond);

void BM_Parser_Generated(benchmark::State& state) {
  std::string text;
  for (int i = 0; i < state.range(0); ++i) {
    text += fmt::format(
        "# rule {0}\npath \"secret/data/team-{1}/app-{0}/*\" {{\n  capabilities = [\"create\", \"read\", "
        "\"update\", \"delete\", \"list\"]\n  allowed_parameters = {{\n    \"ttl\" = [\"1h\", \"2h\"]\n  }}\n}}\n\n",
        i, i % 40);
  }
  const std::vector<CorpusFile> files = {{"generated.hcl", text}};
  ParseAll(state, files);
}
BENCHMARK(BM_Parser_Generated)->Arg(100)->Arg(10000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace polcheck

BENCHMARK_MAIN();
