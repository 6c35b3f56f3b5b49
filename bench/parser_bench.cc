// Parse throughput on the shared corpus of real-world policies (MB/s).
//   BM_Parser_Corpus          ParsePolicy (scan + parse + normalise, name from the path,
//                             diagnostics, freeing the result) over every corpus policy
//   BM_Parser_CorpusLoad      the same plus what loading adds before the parse: the
//                             SourceFile (text copied in as ReadFile would hand it over,
//                             line index); no disk I/O
//   BM_Parser_ScanOnly        the HCL scanner alone over the same bytes (baseline)
//   BM_Parser_Generated/<N>   a generated policy of N path blocks
// When ../shared/corpus is absent the corpus benchmarks report an error and the
// generated one still runs.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <memory>
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
    std::sort(out.begin(), out.end(), [](const CorpusFile& a, const CorpusFile& b) { return a.name < b.name; });
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

void SetCounters(benchmark::State& state, const std::vector<CorpusFile>& files) {
  state.SetBytesProcessed(state.iterations() * TotalBytes(files));
  state.counters["files_per_second"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * static_cast<double>(files.size()), benchmark::Counter::kIsRate);
}

// The SourceFiles are built once: ParsePolicy reads them and the loop measures
// the parse. Everything ParsePolicy does and returns (syntax tree, policy,
// diagnostics) is built and freed inside the loop.
void ParseAll(benchmark::State& state, const std::vector<CorpusFile>& files) {
  std::vector<std::unique_ptr<SourceFile>> sources;
  for (const CorpusFile& f : files) {
    sources.push_back(std::make_unique<SourceFile>(0, f.name, f.text));
  }
  for (auto _ : state) {
    for (const std::unique_ptr<SourceFile>& source : sources) {
      DiagnosticSink sink;
      parser::PolicyFile file = parser::ParsePolicy(*source, {}, sink);
      benchmark::DoNotOptimize(file);
      benchmark::DoNotOptimize(sink);
    }
  }
  SetCounters(state, files);
}

void BM_Parser_Corpus(benchmark::State& state) {
  if (Corpus().empty()) {
    state.SkipWithError("../shared/corpus/policies not found");
    return;
  }
  ParseAll(state, Corpus());
}
BENCHMARK(BM_Parser_Corpus)->Unit(benchmark::kMillisecond);

void BM_Parser_CorpusLoad(benchmark::State& state) {
  if (Corpus().empty()) {
    state.SkipWithError("../shared/corpus/policies not found");
    return;
  }
  for (auto _ : state) {
    for (const CorpusFile& f : Corpus()) {
      SourceFile source(0, f.name, f.text);
      DiagnosticSink sink;
      parser::PolicyFile file = parser::ParsePolicy(source, {}, sink);
      benchmark::DoNotOptimize(file);
      benchmark::DoNotOptimize(sink);
    }
  }
  SetCounters(state, Corpus());
}
BENCHMARK(BM_Parser_CorpusLoad)->Unit(benchmark::kMillisecond);

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
  SetCounters(state, Corpus());
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
