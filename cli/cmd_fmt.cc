// polcheck fmt [PATHS] [--check] [--diff] [--write] [--to-hcl] [--target T]
#include <CLI/CLI.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "base/io.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "parser/format.h"
#include "parser/loader.h"

namespace polcheck::cli {
namespace {

struct FmtCommandOptions {
  std::vector<std::string> paths;
  bool check = false;
  bool diff = false;
  bool write = false;
  bool to_hcl = false;
  std::string target = "vault";
};

// What happened to the files, for the exit code.
struct FmtTally {
  bool io_error = false;
  bool parse_error = false;
  bool changed = false;
};

// Replaces `path` by `text` through a temporary file in the same directory and
// a rename, keeping the file's permission bits. Returns an error text or "".
std::string WriteAtomically(const std::string& path, const std::string& text) {
  struct stat st {};
  const mode_t mode = ::stat(path.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0644;
  std::string temp = path + ".polcheck-fmt-XXXXXX";
  const int fd = ::mkstemp(temp.data());
  if (fd < 0) {
    return std::string("cannot create a temporary file: ") + std::strerror(errno);
  }
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      const std::string error = std::strerror(errno);
      ::close(fd);
      ::unlink(temp.c_str());
      return "cannot write: " + error;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fchmod(fd, mode) != 0 || ::fsync(fd) != 0 || ::close(fd) != 0 ||
      ::rename(temp.c_str(), path.c_str()) != 0) {
    const std::string error = std::strerror(errno);
    ::unlink(temp.c_str());
    return "cannot replace the file: " + error;
  }
  return {};
}

void ReportParseErrors(const DiagnosticSink& sink, const SourceSet& sources) {
  for (const Diagnostic& d : sink.SortedByLocation()) {
    std::cerr << RenderDiagnostic(d, sources);
  }
}

// Formats one file and does what the options ask with the result.
void FormatOne(const std::string& path, const FmtCommandOptions& opts, Dialect dialect, bool to_stdout,
               FmtTally& tally) {
  Expected<std::string> text = ReadFile(path);
  if (!text) {
    std::cerr << "polcheck fmt: " << text.error().message << "\n";
    tally.io_error = true;
    return;
  }
  SourceSet sources;
  DiagnosticSink sink;
  const SourceFile& source = sources.file(sources.Add(path, *std::move(text)));
  parser::ParseOptions parse_options;
  parse_options.dialect = dialect;
  const parser::PolicyFile file = parser::ParsePolicy(source, parse_options, sink);
  if (!file.ok) {
    ReportParseErrors(sink, sources);
    std::cerr << "polcheck fmt: " << path << ": not formatted: the policy does not parse\n";
    tally.parse_error = true;
    return;
  }
  const parser::FormatResult r = parser::FormatPolicy(file, source, {.json_to_hcl = opts.to_hcl});
  switch (r.status) {
    case parser::FormatResult::Status::kOk:
      break;
    case parser::FormatResult::Status::kNotParsed:
      tally.parse_error = true;
      std::cerr << "polcheck fmt: " << path << ": " << r.message << "\n";
      return;
    case parser::FormatResult::Status::kJsonUnsupported:
      std::cerr << "polcheck fmt: " << path << ": skipped: " << r.message << "\n";
      return;
    case parser::FormatResult::Status::kUnsafe:
      tally.io_error = true;
      std::cerr << "polcheck fmt: " << path << ": " << r.message << "\n";
      return;
  }
  if (to_stdout) {
    std::cout << r.text;
    return;
  }
  if (r.text == source.text()) {
    return;
  }
  tally.changed = true;
  if (opts.check) {
    std::cout << path << "\n";
  }
  if (opts.diff) {
    std::cout << parser::UnifiedDiff(source.text(), r.text, path, path);
  }
  if (opts.write) {
    if (std::string error = WriteAtomically(path, r.text); !error.empty()) {
      std::cerr << "polcheck fmt: " << path << ": " << error << "\n";
      tally.io_error = true;
      return;
    }
    if (!opts.check) {
      std::cout << path << "\n";
    }
  }
}

int RunFmt(const FmtCommandOptions& opts) {
  const std::optional<Dialect> dialect = ParseDialect(opts.target);
  if (!dialect) {
    std::cerr << "polcheck fmt: unknown --target \"" << opts.target
              << "\" (expected vault, vault-legacy or openbao)\n";
    return kExitUsage;
  }
  if (opts.check && opts.write) {
    std::cerr << "polcheck fmt: --check and --write cannot be used together\n";
    return kExitUsage;
  }
  Expected<std::vector<std::string>> paths = parser::ExpandPolicyPaths(opts.paths);
  if (!paths) {
    std::cerr << "polcheck fmt: " << paths.error().message << "\n";
    return kExitUsage;
  }
  const bool to_stdout = !opts.check && !opts.diff && !opts.write;
  if (to_stdout && paths->size() != 1) {
    std::cerr << "polcheck fmt: printing the formatted policy needs exactly one file ("
              << paths->size() << " given); use --check, --diff or --write for several\n";
    return kExitUsage;
  }
  FmtTally tally;
  for (const std::string& path : *paths) {
    FormatOne(path, opts, *dialect, to_stdout, tally);
  }
  if (tally.io_error) {
    return kExitUsage;
  }
  if (tally.parse_error) {
    return kExitParseError;
  }
  return opts.check && tally.changed ? kExitNo : kExitYes;
}

}  // namespace

Command AddFmtCommand(CLI::App& app) {
  auto opts = std::make_shared<FmtCommandOptions>();
  CLI::App* sub = app.add_subcommand(
      "fmt", "Format policy files in the layout `vault policy fmt` writes");
  sub->add_option("paths", opts->paths, "Policy files or directories (*.hcl, *.json)")->required();
  sub->add_flag("--check", opts->check, "List files that would change; exit 1 if any would");
  sub->add_flag("--diff", opts->diff, "Print a unified diff of the changes");
  sub->add_flag("--write", opts->write, "Rewrite files in place (atomically)");
  sub->add_flag("--to-hcl", opts->to_hcl, "Convert JSON policies to HCL (as newer Vault does)");
  sub->add_option("--target", opts->target, "Server dialect: vault, vault-legacy or openbao");
  return {sub, [opts] { return RunFmt(*opts); }};
}

}  // namespace polcheck::cli
