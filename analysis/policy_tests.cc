// `polcheck test`: discovery, loading and validation of YAML test files,
// running them through Simulate, and rule coverage.
#include "analysis/policy_tests.h"

#include <fmt/format.h>
#include <re2/re2.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>
#include <set>
#include <system_error>

#include "base/io.h"
#include "evaluator/batch.h"

namespace polcheck::analysis {
namespace {

constexpr std::string_view kCaseKeys[] = {"name",     "role",   "mount",        "identity", "policies",
                                          "path",     "op",     "kv",           "kv_op",    "params",
                                          "wrap_ttl", "expect", "capabilities", "reason",   "decided_by"};

// Reason codes a test may expect: the evaluator's, and the ones Simulate adds.
std::vector<std::string> KnownReasons() {
  std::vector<std::string> out;
  for (int i = 0; i <= static_cast<int>(evaluator::Reason::kPaginationLimitInvalid); ++i) {
    out.emplace_back(evaluator::ReasonCode(static_cast<evaluator::Reason>(i)));
  }
  for (const char* extra : {"login-refused", "entity-disabled", "mount-not-visible", "unauthenticated"}) {
    out.emplace_back(extra);
  }
  return out;
}

std::string JoinNames(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) {
    out += (out.empty() ? "" : ", ") + s;
  }
  return out;
}

bool IsCapabilityName(const std::string& name) {
  if (name == "root") {
    return true;
  }
  for (Dialect d : {Dialect::kVault, Dialect::kVaultLegacy, Dialect::kOpenBao}) {
    if (parser::ParseCapability(name, d)) {
      return true;
    }
  }
  return false;
}

// Reads one test file's YAML tree; every problem becomes a diagnostic at its node.
class Reader {
 public:
  Reader(const SourceFile& source, std::filesystem::path directory, DiagnosticSink& sink)
      : source_(source), directory_(std::move(directory)), sink_(sink) {}

  std::vector<PolicyTest> Read(const YAML::Node& root);

 private:
  Span SpanOf(const YAML::Node& node) const;
  void Error(const YAML::Node& node, std::string message) {
    sink_.Add(Severity::kError, SpanOf(node), "policy-test", std::move(message));
  }
  std::optional<std::string> String(const YAML::Node& node, std::string_view what);
  std::optional<std::vector<std::string>> StringList(const YAML::Node& node, std::string_view what);
  std::optional<PolicyTest> ReadCase(const YAML::Node& node);
  void ReadWho(const std::map<std::string, YAML::Node>& keys, const YAML::Node& node, PolicyTest& t);
  void ReadRequest(const std::map<std::string, YAML::Node>& keys, const YAML::Node& node, PolicyTest& t);
  void ReadPathRequest(const std::map<std::string, YAML::Node>& keys, PolicyTest& t);
  void ReadKvRequest(const std::map<std::string, YAML::Node>& keys, const YAML::Node& node, PolicyTest& t);
  void ReadWrapTtl(const YAML::Node& node, PolicyTest& t);
  void ReadParams(const YAML::Node& node, PolicyTest& t);
  void ReadCapabilities(const YAML::Node& node, PolicyTest& t);
  void ReadExpectations(const std::map<std::string, YAML::Node>& keys, const YAML::Node& node, PolicyTest& t);

  const SourceFile& source_;
  std::filesystem::path directory_;
  DiagnosticSink& sink_;
};

Span Reader::SpanOf(const YAML::Node& node) const {
  const auto size = static_cast<std::uint32_t>(source_.text().size());
  const YAML::Mark mark = node.Mark();
  if (mark.pos < 0) {
    return Span{source_.id(), 0, std::min<std::uint32_t>(1, size)};
  }
  const auto begin = std::min(static_cast<std::uint32_t>(mark.pos), size);
  std::uint32_t end = begin + 1;
  if (node.IsScalar()) {
    // A quoted scalar's mark is at its opening quote.
    const bool quoted = begin < size && (source_.text()[begin] == '"' || source_.text()[begin] == '\'');
    end = begin + static_cast<std::uint32_t>(node.Scalar().size()) + (quoted ? 2 : 0);
  }
  return Span{source_.id(), begin, std::min(std::max(end, begin + 1), size)};
}

std::optional<std::string> Reader::String(const YAML::Node& node, std::string_view what) {
  if (!node.IsScalar() || node.Scalar().empty()) {
    Error(node, fmt::format("{} must be a non-empty string", what));
    return std::nullopt;
  }
  return node.Scalar();
}

std::optional<std::vector<std::string>> Reader::StringList(const YAML::Node& node, std::string_view what) {
  if (!node.IsSequence()) {
    Error(node, fmt::format("{} must be a list of strings, e.g. [a, b]", what));
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (const YAML::Node& item : node) {
    std::optional<std::string> s = String(item, fmt::format("each item of {}", what));
    if (!s) {
      return std::nullopt;
    }
    out.push_back(*std::move(s));
  }
  return out;
}

std::vector<PolicyTest> Reader::Read(const YAML::Node& root) {
  if (!root.IsMap()) {
    Error(root, "a test file must be a mapping with a `tests:` list");
    return {};
  }
  std::optional<YAML::Node> tests;
  for (const auto& kv : root) {
    const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
    if (key != "tests") {
      Error(kv.first, fmt::format("unknown key \"{}\" at the top of a test file (expected: tests)", key));
    } else if (tests) {
      Error(kv.first, "duplicate key \"tests\"");
    } else {
      tests = kv.second;
    }
  }
  if (!tests) {
    Error(root, "a test file must be a mapping with a `tests:` list");
    return {};
  }
  if (!tests->IsSequence() || tests->size() == 0) {
    Error(*tests, "`tests:` must be a non-empty list of test cases");
    return {};
  }
  std::vector<PolicyTest> out;
  std::set<std::string> names;
  for (const YAML::Node& node : *tests) {
    std::optional<PolicyTest> t = ReadCase(node);
    if (!t) {
      continue;
    }
    if (!names.insert(t->name).second) {
      Error(node["name"], fmt::format("duplicate test name \"{}\" in this file", t->name));
      continue;
    }
    out.push_back(*std::move(t));
  }
  return out;
}

std::optional<PolicyTest> Reader::ReadCase(const YAML::Node& node) {
  if (!node.IsMap()) {
    Error(node, "each test must be a mapping (name:, who, request, expectations)");
    return std::nullopt;
  }
  const std::size_t errors = sink_.error_count();
  std::map<std::string, YAML::Node> keys;
  for (const auto& kv : node) {
    const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
    if (std::find(std::begin(kCaseKeys), std::end(kCaseKeys), key) == std::end(kCaseKeys)) {
      Error(kv.first,
            fmt::format("unknown key \"{}\" in a test (expected one of: name, role, mount, identity, "
                        "policies, path, op, kv, kv_op, params, wrap_ttl, expect, capabilities, reason, "
                        "decided_by)",
                        key));
    } else if (!keys.emplace(key, kv.second).second) {
      Error(kv.first, fmt::format("duplicate key \"{}\" in a test", key));
    }
  }
  PolicyTest t;
  t.file = source_.name();
  t.line = source_.Locate(SpanOf(node).begin).line;
  t.span = SpanOf(node);
  t.directory = directory_;
  if (auto it = keys.find("name"); it == keys.end()) {
    Error(node, "a test needs a `name:`");
  } else if (std::optional<std::string> name = String(it->second, "name")) {
    t.name = *name;
  }
  ReadWho(keys, node, t);
  ReadRequest(keys, node, t);
  ReadExpectations(keys, node, t);
  if (sink_.error_count() != errors) {
    return std::nullopt;
  }
  return t;
}

void Reader::ReadWho(const std::map<std::string, YAML::Node>& keys, const YAML::Node& node, PolicyTest& t) {
  auto get = [&](const char* key, std::string& out) {
    if (auto it = keys.find(key); it != keys.end()) {
      if (std::optional<std::string> s = String(it->second, key)) {
        out = *s;
      }
      t.who_span = SpanOf(it->second);
    }
  };
  get("role", t.role);
  get("mount", t.mount);
  get("identity", t.identity);
  if (auto it = keys.find("policies"); it != keys.end()) {
    t.policies = StringList(it->second, "policies");
    t.who_span = SpanOf(it->second);
    if (it->second.IsSequence()) {
      for (const YAML::Node& item : it->second) {
        t.policy_spans.push_back(SpanOf(item));
      }
    }
    if (keys.count("role") || keys.count("identity") || keys.count("mount")) {
      Error(it->second, "policies: is a raw token; it cannot be combined with role:, identity: or mount:");
      return;
    }
    if (t.policies && t.policies->empty()) {
      Error(it->second, "policies: must name at least one policy");
      return;
    }
    return;
  }
  if (!keys.count("role") && !keys.count("identity")) {
    Error(node, "a test needs one of role: (with optional mount:), identity: or policies:");
    return;
  }
  if (auto it = keys.find("identity"); it != keys.end()) {
    t.who_span = SpanOf(it->second);
  }
}

void Reader::ReadRequest(const std::map<std::string, YAML::Node>& keys, const YAML::Node& node,
                         PolicyTest& t) {
  const bool has_path = keys.count("path") > 0;
  if (has_path == (keys.count("kv") > 0)) {
    Error(node, "a test needs exactly one of path: (with op:) or kv: (with kv_op:)");
    return;
  }
  if (has_path) {
    ReadPathRequest(keys, t);
  } else {
    ReadKvRequest(keys, node, t);
  }
  if (auto it = keys.find("params"); it != keys.end()) {
    ReadParams(it->second, t);
  }
  if (auto it = keys.find("wrap_ttl"); it != keys.end()) {
    ReadWrapTtl(it->second, t);
  }
}

void Reader::ReadPathRequest(const std::map<std::string, YAML::Node>& keys, PolicyTest& t) {
  if (auto s = String(keys.at("path"), "path")) {
    t.path = *s;
  }
  if (auto it = keys.find("kv_op"); it != keys.end()) {
    Error(it->second, "kv_op: goes with kv:; with path: use op:");
  }
  auto it = keys.find("op");
  if (it == keys.end()) {
    return;  // a capabilities test
  }
  if (auto s = String(it->second, "op")) {
    t.operation = evaluator::ParseOperation(*s);
    if (!t.operation) {
      Error(it->second, fmt::format("unknown op \"{}\" (expected create, read, update, patch, delete, list, "
                                    "help, scan, recover, revoke, renew, rollback, subscribe or header)",
                                    *s));
    }
  }
}

void Reader::ReadKvRequest(const std::map<std::string, YAML::Node>& keys, const YAML::Node& node,
                           PolicyTest& t) {
  const YAML::Node& kv = keys.at("kv");
  t.kv_span = SpanOf(kv);
  if (auto s = String(kv, "kv")) {
    t.kv = *s;
  }
  if (auto it = keys.find("op"); it != keys.end()) {
    Error(it->second, "op: goes with path:; with kv: use kv_op: (get, put, patch, delete, list, ...)");
  }
  if (auto it = keys.find("kv_op"); it == keys.end()) {
    Error(node, "kv: needs kv_op: with a `vault kv` operation (get, put, patch, delete, list, ...)");
  } else if (auto s = String(it->second, "kv_op")) {
    t.kv_op = *s;
  }
}

void Reader::ReadWrapTtl(const YAML::Node& node, PolicyTest& t) {
  std::optional<std::string> s = String(node, "wrap_ttl");
  if (!s) {
    return;
  }
  Expected<std::chrono::nanoseconds> ttl = evaluator::ParseWrapTtl(*s);
  if (!ttl) {
    Error(node, fmt::format("wrap_ttl: expected seconds or a Go duration such as 90s, 5m, 1h30m ({})",
                            ttl.error().message));
    return;
  }
  t.wrap_ttl = *ttl;
}

void Reader::ReadParams(const YAML::Node& node, PolicyTest& t) {
  if (!node.IsMap()) {
    Error(node, "params: must be a mapping of parameter name to a string or a list of strings");
    return;
  }
  for (const auto& kv : node) {
    if (!kv.first.IsScalar() || kv.first.Scalar().empty()) {
      Error(kv.first, "a parameter name must be a non-empty string");
      continue;
    }
    const std::string& name = kv.first.Scalar();
    if (t.params.count(name)) {
      Error(kv.first, fmt::format("duplicate parameter \"{}\"", name));
      continue;
    }
    if (kv.second.IsScalar()) {
      t.params[name] = parser::Value::String(kv.second.Scalar());
    } else if (kv.second.IsSequence()) {
      std::optional<std::vector<std::string>> items =
          StringList(kv.second, fmt::format("parameter \"{}\"", name));
      if (items) {
        parser::Value::List list;
        for (std::string& s : *items) {
          list.push_back(parser::Value::String(std::move(s)));
        }
        t.params[name] = parser::Value::MakeList(std::move(list));
      }
    } else {
      Error(kv.second, fmt::format("parameter \"{}\" must be a string or a list of strings", name));
    }
  }
}

void Reader::ReadCapabilities(const YAML::Node& node, PolicyTest& t) {
  std::optional<std::vector<std::string>> caps = StringList(node, "capabilities");
  if (!caps) {
    return;
  }
  for (std::size_t i = 0; i < caps->size(); ++i) {
    if (!IsCapabilityName((*caps)[i])) {
      Error(node[i],
            fmt::format("unknown capability \"{}\" in capabilities: (expected deny, root, create, read, "
                        "update, patch, delete, list, sudo, scan, recover, subscribe)",
                        (*caps)[i]));
    }
  }
  std::sort(caps->begin(), caps->end());
  caps->erase(std::unique(caps->begin(), caps->end()), caps->end());
  t.capabilities = std::move(caps);
}

void Reader::ReadExpectations(const std::map<std::string, YAML::Node>& keys, const YAML::Node& node,
                              PolicyTest& t) {
  if (!keys.count("expect") && !keys.count("capabilities")) {
    Error(node, "a test needs expect: (allow or deny) and/or capabilities: [...]");
    return;
  }
  const bool asks_operation = keys.count("op") || keys.count("kv");
  if (auto it = keys.find("expect"); it != keys.end()) {
    if (auto s = String(it->second, "expect")) {
      if (*s == "allow" || *s == "deny") {
        t.expect_allowed = *s == "allow";
      } else {
        Error(it->second, fmt::format("expect: must be allow or deny, not \"{}\"", *s));
      }
    }
    if (!asks_operation) {
      Error(it->second, "expect: needs an operation: add op: (or use kv: with kv_op:)");
    }
  }
  if (auto it = keys.find("capabilities"); it != keys.end()) {
    if (keys.count("kv")) {
      Error(it->second, "capabilities: are asked of a path; use path: instead of kv:");
    }
    ReadCapabilities(it->second, t);
  }
  for (const char* key : {"reason", "decided_by"}) {
    auto it = keys.find(key);
    if (it == keys.end()) {
      continue;
    }
    if (!asks_operation) {
      Error(it->second, fmt::format("{}: needs an operation: add op: (or use kv: with kv_op:)", key));
    }
    if (std::optional<std::string> s = String(it->second, key)) {
      (std::string_view(key) == "reason" ? t.reason : t.decided_by) = *s;
    }
  }
  if (!t.reason.empty()) {
    const std::vector<std::string> known = KnownReasons();
    if (std::find(known.begin(), known.end(), t.reason) == known.end()) {
      Error(keys.at("reason"),
            fmt::format("unknown reason \"{}\" (expected one of: {})", t.reason, JoinNames(known)));
    }
  }
}

bool IsHidden(const std::filesystem::path& p) {
  const std::string name = p.filename().string();
  return name.size() > 1 && name.front() == '.' && name != "..";
}

bool IsTestFile(const std::filesystem::path& p) {
  const std::string name = p.filename().string();
  auto ends = [&](std::string_view suffix) {
    return name.size() > suffix.size() &&
           name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  return ends("_test.yaml") || ends("_test.yml");
}

// A test file's name in messages: relative to the workspace when inside it.
std::string DisplayName(const std::filesystem::path& file, const std::filesystem::path& workspace) {
  std::error_code ec;
  const std::filesystem::path rel = std::filesystem::absolute(file, ec).lexically_normal().lexically_relative(
      std::filesystem::absolute(workspace, ec).lexically_normal());
  if (ec || rel.empty() || *rel.begin() == "..") {
    return file.generic_string();
  }
  return rel.generic_string();
}

}  // namespace

Expected<std::vector<std::filesystem::path>> FindPolicyTestFiles(const std::filesystem::path& dir) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(dir, ec)) {
    return std::vector<std::filesystem::path>{dir};
  }
  if (!std::filesystem::is_directory(dir, ec)) {
    return Unexpected(Error::Code::kNotFound, fmt::format("{}: no such file or directory", dir.string()));
  }
  std::vector<std::filesystem::path> out;
  std::filesystem::recursive_directory_iterator it(
      dir, std::filesystem::directory_options::skip_permission_denied, ec);
  for (; !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (IsHidden(it->path())) {
      if (it->is_directory(ec)) {
        it.disable_recursion_pending();
      }
      continue;
    }
    if (it->is_regular_file(ec) && IsTestFile(it->path())) {
      out.push_back(it->path().lexically_normal());
    }
  }
  if (ec) {
    return Unexpected(Error::Code::kIo, fmt::format("{}: {}", dir.string(), ec.message()));
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.generic_string() < b.generic_string(); });
  return out;
}

std::vector<PolicyTest> ParsePolicyTests(const SourceFile& source, const std::filesystem::path& directory,
                                         DiagnosticSink& sink) {
  YAML::Node root;
  try {
    root = YAML::Load(source.text());
  } catch (const YAML::Exception& e) {
    const auto size = static_cast<std::uint32_t>(source.text().size());
    const auto at = e.mark.pos < 0 ? 0u : std::min(static_cast<std::uint32_t>(e.mark.pos), size);
    sink.Add(Severity::kError, Span{source.id(), at, std::min(at + 1, size)}, "policy-test",
             fmt::format("invalid YAML: {}", e.msg));
    return {};
  }
  try {
    return Reader(source, directory, sink).Read(root);
  } catch (const YAML::Exception& e) {
    sink.Add(Severity::kError, Span{source.id(), 0, 0}, "policy-test",
             fmt::format("unreadable test file: {}", e.msg));
    return {};
  }
}

std::filesystem::path FindWorkspaceFor(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::path start = std::filesystem::absolute(dir, ec).lexically_normal();
  if (!std::filesystem::is_directory(start, ec)) {
    start = start.parent_path();
  }
  for (std::filesystem::path d = start;; d = d.parent_path()) {
    if (std::filesystem::is_directory(d / "policies", ec) ||
        std::filesystem::is_directory(d / "bindings", ec)) {
      std::filesystem::path rel = std::filesystem::relative(d, ec);
      return ec || rel.empty() ? d : rel;
    }
    if (d == d.parent_path()) {
      return dir;
    }
  }
}

Expected<std::vector<PolicyTest>> LoadPolicyTests(const std::vector<std::filesystem::path>& files,
                                                  const std::filesystem::path& workspace, SourceSet& sources,
                                                  DiagnosticSink& sink) {
  std::vector<PolicyTest> out;
  for (const std::filesystem::path& file : files) {
    Expected<std::string> text = ReadFile(file);
    if (!text) {
      return Unexpected(text.error());
    }
    const SourceFile& source = sources.file(sources.Add(DisplayName(file, workspace), *std::move(text)));
    const std::filesystem::path dir = file.parent_path();
    for (PolicyTest& t : ParsePolicyTests(source, dir.empty() ? "." : dir, sink)) {
      out.push_back(std::move(t));
    }
  }
  return out;
}

Expected<std::vector<PolicyTest>> FilterPolicyTests(std::vector<PolicyTest> tests, const std::string& regex) {
  RE2::Options options;
  options.set_log_errors(false);
  const RE2 re(regex, options);
  if (!re.ok()) {
    return Unexpected(Error::Code::kInvalidArgument, fmt::format("--run \"{}\": {}", regex, re.error()));
  }
  std::erase_if(tests, [&](const PolicyTest& t) { return !RE2::PartialMatch(t.name, re); });
  return tests;
}

bool CoverageBelow(const Coverage& coverage, double minimum) {
  return coverage.percent + 1e-9 < minimum;
}

namespace {

using CoveredSet = std::set<std::pair<std::string, std::uint32_t>>;  // (policy, block)

// The mount as Bindings name it: "aws", from "aws", "aws/" or "auth/aws/".
std::string MountName(std::string mount) {
  if (mount.rfind("auth/", 0) == 0) {
    mount.erase(0, 5);
  }
  while (!mount.empty() && mount.back() == '/') {
    mount.pop_back();
  }
  while (!mount.empty() && mount.front() == '/') {
    mount.erase(0, 1);
  }
  return mount;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string Labels(const std::vector<Subject>& subjects) {
  std::vector<std::string> labels;
  for (const Subject& s : subjects) {
    labels.push_back(s.label);
  }
  return JoinNames(labels);
}

// Who a test asks as: a subject, or (no subject) why the login fails when no
// role binds the identity. Resolvers return nullopt after a diagnostic.
struct Who {
  std::optional<Subject> subject;
  std::string login_failure;  // set when the identity cannot log in
};

std::optional<Who> ResolveRole(const Workspace& ws, const PolicyTest& t, DiagnosticSink& sink) {
  const std::string mount = MountName(t.mount);
  std::vector<Subject> found = SubjectsForRole(ws, t.role, mount);
  if (found.empty()) {
    sink.Add(Severity::kError, t.who_span, "policy-test",
             fmt::format("no role, user or token role named \"{}\"{} in the workspace", t.role,
                         mount.empty() ? std::string() : fmt::format(" on mount \"{}\"", mount)));
    return std::nullopt;
  }
  if (found.size() > 1) {
    sink.Add(Severity::kError, t.who_span, "policy-test",
             fmt::format("role \"{}\" is ambiguous: it exists as {}; add mount: to pick one", t.role,
                         Labels(found)));
    return std::nullopt;
  }
  return Who{.subject = std::move(found.front()), .login_failure = {}};
}

std::optional<Who> ResolveIdentity(const Workspace& ws, const PolicyTest& t, DiagnosticSink& sink) {
  std::string spec = t.identity;
  if (spec.rfind("jwt:", 0) == 0 && std::filesystem::path(spec.substr(4)).is_relative()) {
    spec = "jwt:" + (t.directory / spec.substr(4)).generic_string();
  }
  Expected<std::vector<Subject>> logins = SubjectsForIdentity(ws, spec);
  if (!logins) {
    std::string message = logins.error().message;
    if (message.rfind("--identity ", 0) == 0) {
      message.erase(0, 11);
    }
    sink.Add(Severity::kError, t.who_span, "policy-test", fmt::format("identity: {}", message));
    return std::nullopt;
  }
  const std::string mount = MountName(t.mount);
  std::erase_if(*logins, [&](const Subject& s) {
    return (!mount.empty() && s.mount != mount) || (!t.role.empty() && Lower(s.name) != Lower(t.role));
  });
  if (logins->empty()) {
    std::string through;
    if (!t.role.empty()) {
      through += fmt::format(" through role \"{}\"", t.role);
    }
    if (!mount.empty()) {
      through += fmt::format(" on mount \"{}\"", mount);
    }
    return Who{.subject = std::nullopt,
               .login_failure = fmt::format("no role binds {}{}", t.identity, through)};
  }
  if (logins->size() > 1) {
    sink.Add(Severity::kError, t.who_span, "policy-test",
             fmt::format(
                 "identity \"{}\" can log in through several roles ({}); add role: and/or mount: to pick one",
                 t.identity, Labels(*logins)));
    return std::nullopt;
  }
  return Who{.subject = std::move(logins->front()), .login_failure = {}};
}

std::optional<Who> Resolve(const Workspace& ws, const PolicyTest& t, DiagnosticSink& sink) {
  if (t.policies) {
    for (std::size_t i = 0; i < t.policies->size(); ++i) {
      const std::string& p = (*t.policies)[i];
      if (Lower(p) != "root" && ws.FindPolicy(Lower(p)) == nullptr) {
        sink.Add(Severity::kError, i < t.policy_spans.size() ? t.policy_spans[i] : t.who_span, "policy-test",
                 fmt::format("policy \"{}\" is not in the workspace (Vault would silently ignore it)", p));
        return std::nullopt;
      }
    }
    return Who{.subject = SubjectForPolicies(*t.policies), .login_failure = {}};
  }
  return t.identity.empty() ? ResolveRole(ws, t, sink) : ResolveIdentity(ws, t, sink);
}

std::string Describe(const PolicyTest& t) {
  if (!t.kv.empty()) {
    return fmt::format("kv {} {}", t.kv_op, t.kv);
  }
  if (t.operation) {
    return fmt::format("{} {}", evaluator::OperationName(*t.operation), t.path);
  }
  return fmt::format("capabilities {}", t.path);
}

std::string WhereText(const RuleLocation& at) {
  return fmt::format("{} path \"{}\" ({}:{})", at.policy, at.pattern, at.file, at.line);
}

std::string ListText(const std::vector<std::string>& items) {
  return "[" + JoinNames(items) + "]";
}

void Mark(CoveredSet& covered, const std::optional<RuleLocation>& at) {
  if (at) {
    covered.emplace(at->policy, at->block);
  }
}

// Runs the operation part of a test into `r`.
void RunOperation(const Workspace& ws, const PolicyTest& t, const Subject& subject, std::vector<Step> steps,
                  PolicyTestResult& r, CoveredSet& covered) {
  SimulateRequest request;
  request.path = t.path;
  request.operation = t.operation;
  request.params = t.params;
  request.steps = std::move(steps);
  request.wrap_ttl = t.wrap_ttl;
  Expected<std::vector<Answer>> answers = Simulate(ws, {subject}, request);
  if (!answers) {
    r.failures.push_back(fmt::format("error: {}", answers.error().message));
    return;
  }
  const Answer& a = answers->front();
  r.allowed = a.allowed;
  r.conditions = a.conditions;
  const StepAnswer* shown = nullptr;
  for (const StepAnswer& st : a.steps) {
    Mark(covered, st.deciding);
    if (shown == nullptr && !st.allowed) {
      shown = &st;
    }
  }
  if (shown == nullptr && !a.steps.empty()) {
    shown = &a.steps.back();
  }
  if (shown != nullptr) {
    r.step = shown->step.description;
    r.reason = shown->reason;
    r.reason_text = shown->reason_text;
    r.deciding = shown->deciding;
  }
}

void RunCapabilities(const Workspace& ws, const PolicyTest& t, const Subject& subject, PolicyTestResult& r,
                     CoveredSet& covered) {
  SimulateRequest request;
  request.path = t.path;
  Expected<std::vector<Answer>> answers = Simulate(ws, {subject}, request);
  if (!answers) {
    r.failures.push_back(fmt::format("error: {}", answers.error().message));
    return;
  }
  const Answer& a = answers->front();
  r.capabilities = a.capabilities;
  r.capabilities_rule = a.capabilities_rule;
  r.conditions = a.conditions;
  Mark(covered, a.capabilities_rule);
}

bool DecidedBy(const RuleLocation& at, const std::string& expected) {
  return Lower(expected) == at.policy || expected == at.pattern;
}

// " for logins where ...": a role's conditional answer (analysis.h Condition).
std::string ForLogins(const std::vector<Condition>& conditions) {
  return conditions.empty() ? "" : " for logins where " + ConditionsText(conditions);
}

void Compare(const PolicyTest& t, PolicyTestResult& r) {
  if (t.expect_allowed && r.allowed && *t.expect_allowed != *r.allowed) {
    r.failures.push_back(fmt::format("expected {}, got {}{}", *t.expect_allowed ? "allow" : "deny",
                                     *r.allowed ? "allow" : "deny", ForLogins(r.conditions)));
  }
  if (t.capabilities && r.capabilities && *t.capabilities != *r.capabilities) {
    r.failures.push_back(fmt::format("expected capabilities {}, got {}{}", ListText(*t.capabilities),
                                     ListText(*r.capabilities), ForLogins(r.conditions)));
  }
  if (!t.reason.empty() && r.allowed && t.reason != r.reason) {
    r.failures.push_back(fmt::format("expected reason {}, got {}", t.reason, r.reason));
  }
  if (!t.decided_by.empty() && r.allowed) {
    if (!r.deciding) {
      r.failures.push_back(fmt::format("expected decided by {}, got no deciding rule", t.decided_by));
    } else if (!DecidedBy(*r.deciding, t.decided_by)) {
      r.failures.push_back(
          fmt::format("expected decided by {}, got {}", t.decided_by, WhereText(*r.deciding)));
    }
  }
}

// The requests of a `kv:` test (none for `path:`); nullopt with a diagnostic
// when the kv path or operation is wrong.
std::optional<std::vector<Step>> ResolveSteps(const Workspace& ws, const PolicyTest& t,
                                              DiagnosticSink& sink) {
  if (t.kv.empty()) {
    return std::vector<Step>{};
  }
  Expected<std::vector<Step>> kv = KvSteps(ws.config, t.kv, t.kv_op);
  if (!kv) {
    std::string message = kv.error().message;
    if (message.rfind("--kv", 0) == 0) {
      message = "kv" + message.substr(4);
    }
    sink.Add(Severity::kError, t.kv_span, "policy-test", message);
    return std::nullopt;
  }
  return *std::move(kv);
}

PolicyTestResult RunOne(const Workspace& ws, const PolicyTest& t, const Who& who, std::vector<Step> steps,
                        CoveredSet& covered) {
  PolicyTestResult r;
  r.name = t.name;
  r.file = t.file;
  r.line = t.line;
  r.request = Describe(t);
  if (who.subject) {
    r.subject = who.subject->label;
    if (t.operation || !t.kv.empty()) {
      RunOperation(ws, t, *who.subject, std::move(steps), r, covered);
    }
    if (t.capabilities) {
      RunCapabilities(ws, t, *who.subject, r, covered);
    }
  } else {
    r.allowed = false;
    r.reason = "login-refused";
    r.reason_text = who.login_failure;
    if (t.capabilities) {
      r.capabilities = std::vector<std::string>{"deny"};
    }
  }
  Compare(t, r);
  r.passed = r.failures.empty();
  return r;
}

Coverage ComputeCoverage(const Workspace& ws, const CoveredSet& covered) {
  Coverage c;
  for (std::size_t i = 0; i < ws.policy_files.size(); ++i) {
    if (ws.builtin_default && i == ws.by_name.at("default")) {
      continue;
    }
    const parser::PolicyFile& f = ws.policy_files[i];
    FileCoverage fc;
    fc.file = ws.sources->file(f.file).name();
    fc.policy = f.policy.name;
    for (std::uint32_t b = 0; b < f.policy.rules.size(); ++b) {
      const parser::PathRule& rule = f.policy.rules[b];
      const LineCol lc = ws.sources->file(rule.label_span.file).Locate(rule.label_span.begin);
      const bool hit = covered.count({f.policy.name, b}) > 0;
      fc.rules.push_back(
          RuleCoverage{.pattern = rule.label, .line = lc.line, .column = lc.column, .covered = hit});
      fc.covered += hit ? 1 : 0;
    }
    if (!fc.rules.empty()) {
      fc.percent = 100.0 * static_cast<double>(fc.covered) / static_cast<double>(fc.rules.size());
    }
    c.covered += fc.covered;
    c.total += fc.rules.size();
    c.files.push_back(std::move(fc));
  }
  if (c.total > 0) {
    c.percent = 100.0 * static_cast<double>(c.covered) / static_cast<double>(c.total);
  }
  return c;
}

}  // namespace

PolicyTestReport RunPolicyTests(const Workspace& ws, const std::vector<PolicyTest>& tests,
                                DiagnosticSink& sink) {
  PolicyTestReport report;
  CoveredSet covered;
  std::set<std::string> files;
  for (const PolicyTest& t : tests) {
    std::optional<Who> who = Resolve(ws, t, sink);
    std::optional<std::vector<Step>> steps = ResolveSteps(ws, t, sink);
    if (!who || !steps) {
      continue;
    }
    PolicyTestResult r = RunOne(ws, t, *who, *std::move(steps), covered);
    (r.passed ? report.passed : report.failed) += 1;
    files.insert(t.file);
    report.results.push_back(std::move(r));
  }
  report.files = files.size();
  report.coverage = ComputeCoverage(ws, covered);
  return report;
}

}  // namespace polcheck::analysis
