// Cross-checks the compiled Acl against the reference evaluator on every
// policy of the shared corpus (one Acl per policy and one per repository),
// with requests derived from the policies' own paths.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <random>

#include "base/diagnostic.h"
#include "base/io.h"
#include "evaluator/acl.h"
#include "parser/parser.h"
#include "tests/evaluator/reference_evaluator.h"

namespace polcheck::evaluator {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> DerivedPaths(const parser::Policy& policy, std::mt19937& rng) {
  std::vector<std::string> out;
  static const std::vector<std::string> kFill = {"x", "team", "", "a/b"};
  for (const parser::PathRule& rule : policy.rules) {
    std::string key = rule.pattern.key;
    std::string path;
    for (std::size_t start = 0;;) {
      const std::size_t slash = key.find('/', start);
      std::string seg = key.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
      path += (start == 0 ? "" : "/") + (seg == "+" ? kFill[rng() % kFill.size()] : seg);
      if (slash == std::string::npos) {
        break;
      }
      start = slash + 1;
    }
    if (!path.empty() && path.back() == '*') {
      path.pop_back();
    }
    out.push_back(path);
    out.push_back(path + "/");
    out.push_back(path + "sub/key");
    if (path.find('/') != std::string::npos) {
      out.push_back(path.substr(0, path.rfind('/') + 1));
    }
  }
  return out;
}

TEST(EvaluatorCorpus, CompiledAclAgreesWithReference) {
  const fs::path root = fs::path(POLCHECK_CORPUS_DIR) / "policies";
  if (!fs::exists(root)) {
    GTEST_SKIP() << "corpus not found at " << root;
  }
  std::map<std::string, std::vector<fs::path>> by_repo;
  for (const fs::directory_entry& e : fs::recursive_directory_iterator(root)) {
    const std::string ext = e.path().extension().string();
    if (e.is_regular_file() && (ext == ".hcl" || ext == ".json")) {
      by_repo[e.path().parent_path().filename().string()].push_back(e.path());
    }
  }
  Identity who;
  who.entity = Entity{.id = "e-1", .name = "alice", .metadata = {{"team", "ops"}}, .aliases = {}};
  std::mt19937 rng(5);
  std::size_t checks = 0;
  std::size_t policies = 0;
  const std::vector<Operation> ops = {Operation::kRead, Operation::kList, Operation::kUpdate, Operation::kCreate,
                                      Operation::kDelete, Operation::kPatch, Operation::kScan};
  for (Dialect dialect : {Dialect::kVault, Dialect::kVaultLegacy, Dialect::kOpenBao}) {
    for (const auto& [repo, files] : by_repo) {
      SourceSet sources;
      std::vector<parser::Policy> parsed;
      for (const fs::path& file : files) {
        Expected<std::string> text = ReadFile(file);
        if (!text) {
          continue;
        }
        DiagnosticSink sink;
        const FileId id = sources.Add(file.string(), *text);
        parser::ParseOptions options;
        options.dialect = dialect;
        parser::PolicyFile pf = parser::ParsePolicy(sources.file(id), options, sink);
        if (pf.ok) {
          parsed.push_back(std::move(pf.policy));
        }
      }
      std::vector<const parser::Policy*> all;
      for (const parser::Policy& p : parsed) {
        all.push_back(&p);
      }
      policies += parsed.size();
      Expected<Acl> acl = Acl::Build(all, {.dialect = dialect, .identity = &who, .now_unix = 1700000000});
      auto ref = reference::ReferenceAcl::Build(all, {.dialect = dialect, .identity = &who});
      ASSERT_EQ(acl.has_value(), ref.has_value()) << repo;
      if (!acl) {
        continue;
      }
      for (const parser::Policy& p : parsed) {
        for (const std::string& path : DerivedPaths(p, rng)) {
          for (Operation op : ops) {
            const Request request{.path = path, .operation = op};
            const Result got = acl->Check(request);
            const reference::Answer want = ref->Check(request);
            ASSERT_EQ(got.allowed, want.allowed) << repo << " " << OperationName(op) << " " << path;
            ASSERT_EQ(got.root_privs, want.root_privs) << repo << " " << path;
            ++checks;
          }
          const CapabilityList caps = acl->Capabilities(path);
          ASSERT_EQ(std::vector<std::string>(caps.begin(), caps.end()), ref->Capabilities(path)) << repo << " " << path;
        }
      }
    }
  }
  std::printf("corpus: %zu policies (all dialects), %zu checks\n", policies, checks);
  EXPECT_GT(checks, 1000u);
}

}  // namespace
}  // namespace polcheck::evaluator
