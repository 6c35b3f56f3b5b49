// Writes a throw-away workspace folder for a test and loads it.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "analysis/workspace.h"

namespace polcheck::analysis::testing {

struct LoadedWorkspace {
  Workspace ws;
  DiagnosticSink sink;
  std::string diagnostics;  // rendered
};

// files: relative path -> text.
inline LoadedWorkspace Load(const std::map<std::string, std::string>& files) {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    (std::string("polcheck-analysis-") + info->test_suite_name() + "-" + info->name());
  std::filesystem::remove_all(dir);
  for (const auto& [rel, text] : files) {
    std::filesystem::create_directories((dir / rel).parent_path());
    std::ofstream(dir / rel) << text;
  }
  LoadedWorkspace out;
  Expected<Workspace> ws = LoadWorkspace({.directory = dir, .dialect = std::nullopt}, out.sink);
  EXPECT_TRUE(ws.has_value()) << (ws ? "" : ws.error().message);
  if (ws) {
    out.ws = *std::move(ws);
    out.diagnostics = RenderDiagnostics(out.ws, out.sink);
  }
  return out;
}

}  // namespace polcheck::analysis::testing
