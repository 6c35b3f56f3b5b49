// `polcheck fmt --write` through cli::Main on files in a temporary directory
// (the e2e harness cannot give a case a writable copy of its input).
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli.h"

namespace polcheck::cli {
namespace {

namespace fs = std::filesystem;

class FmtWrite : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("polcheck-fmt-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Put(const std::string& name, const std::string& text) {
    const fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary) << text;
    return path.string();
  }
  static std::string Get(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  // Runs polcheck with `args`; returns the exit code, stdout in out_.
  int Run(std::vector<std::string> args) {
    args.insert(args.begin(), "polcheck");
    std::vector<char*> argv;
    for (std::string& a : args) {
      argv.push_back(a.data());
    }
    ::testing::internal::CaptureStdout();
    ::testing::internal::CaptureStderr();
    const int code = Main(static_cast<int>(argv.size()), argv.data());
    out_ = ::testing::internal::GetCapturedStdout();
    err_ = ::testing::internal::GetCapturedStderr();
    return code;
  }
  // Files in dir_, to prove no temporary file is left behind.
  std::vector<std::string> Listing() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_)) {
      names.push_back(e.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  fs::path dir_;
  std::string out_;
  std::string err_;
};

constexpr char kMessy[] = "path \"a\" {\ncapabilities = [\"read\"]\n}\n";
constexpr char kClean[] = "path \"a\" {\n  capabilities = [\"read\"]\n}\n";

TEST_F(FmtWrite, RewritesChangedFilesInPlaceKeepingPermissions) {
  const std::string messy = Put("messy.hcl", kMessy);
  const std::string clean = Put("clean.hcl", kClean);
  ASSERT_EQ(::chmod(messy.c_str(), 0640), 0);
  EXPECT_EQ(Run({"fmt", "--write", dir_.string()}), 0) << err_;
  EXPECT_EQ(out_, messy + "\n");
  EXPECT_EQ(Get(messy), kClean);
  EXPECT_EQ(Get(clean), kClean);
  struct stat st {};
  ASSERT_EQ(::stat(messy.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  EXPECT_EQ(Listing(), (std::vector<std::string>{"clean.hcl", "messy.hcl"}));
  EXPECT_EQ(Run({"fmt", "--check", dir_.string()}), 0);
  EXPECT_EQ(out_, "");
}

TEST_F(FmtWrite, NeverRewritesAFileThatDoesNotParse) {
  const std::string bad = "path \"a\" {\ncapabilities = [\"banana\"]\n}\n";
  const std::string path = Put("bad.hcl", bad);
  const std::string messy = Put("messy.hcl", kMessy);
  EXPECT_EQ(Run({"fmt", "--write", dir_.string()}), 3);
  EXPECT_EQ(Get(path), bad);
  EXPECT_EQ(Get(messy), kClean);  // the other files are still formatted
  EXPECT_NE(err_.find("invalid capability \"banana\""), std::string::npos) << err_;
  EXPECT_NE(err_.find(path + ": not formatted: the policy does not parse"), std::string::npos) << err_;
}

TEST_F(FmtWrite, JsonIsLeftAloneWithoutToHcl) {
  const std::string json = "{\"path\": {\"a\": {\"capabilities\": [\"read\"]}}}\n";
  const std::string path = Put("p.json", json);
  EXPECT_EQ(Run({"fmt", "--write", path}), 0);
  EXPECT_EQ(Get(path), json);
  EXPECT_EQ(err_, "polcheck fmt: " + path +
                      ": skipped: vault policy fmt cannot format JSON policies (use --to-hcl to convert it to HCL)\n");
  EXPECT_EQ(Run({"fmt", "--write", "--to-hcl", path}), 0);
  EXPECT_EQ(Get(path), "path \"a\" {\n  capabilities = [\"read\"]\n}\n");
}

TEST_F(FmtWrite, CheckAndWriteTogetherIsAUsageError) {
  const std::string path = Put("messy.hcl", kMessy);
  EXPECT_EQ(Run({"fmt", "--check", "--write", path}), 2);
  EXPECT_EQ(Get(path), kMessy);
}

}  // namespace
}  // namespace polcheck::cli
