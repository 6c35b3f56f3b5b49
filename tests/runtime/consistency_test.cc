// Issue #7 done-when: `polcheck simulate` (analysis::Simulate) and the runtime
// agree. For every subject of each examples/ workspace, a token carrying
// exactly its policies is asked, on generated paths, for sys/capabilities and
// for real requests (read, create/update via POST on a missing and an existing
// key, delete, list); each answer (403 or not) must equal Simulate's. The
// operation a POST became (the server's existence check) is read back from the
// audit log, and on KV paths it is also checked against SEMANTICS.md §2.2
// (missing key: create). Subjects with templated policies are checked again
// with a userpass login token that has an entity, on the templated paths
// rendered for it. Paths Vault serves without the ACL (sys/wrapping/lookup)
// must never answer 403, whatever simulate says: it answers the ACL question.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <unistd.h>

#include "analysis/analysis.h"
#include "tests/runtime/core_fixture.h"

namespace polcheck::runtime::testing {
namespace {

using nlohmann::json;
using evaluator::Operation;

using Values = std::map<std::string, std::string>;

// "{{identity.entity.name}}" and the like become the entity's value when
// `values` has it, else a plain segment: a placeholder that cannot be rendered
// drops the rule on both sides (SEMANTICS.md §7).
std::string WithoutTemplates(const std::string& label, const Values& values) {
  std::string out;
  for (std::size_t i = 0; i < label.size();) {
    if (label.compare(i, 2, "{{") == 0) {
      const std::size_t end = label.find("}}", i);
      if (end != std::string::npos) {
        std::string key = label.substr(i + 2, end - i - 2);
        key.erase(0, key.find_first_not_of(' '));
        key.erase(key.find_last_not_of(' ') + 1);
        const auto value = values.find(key);
        out += value != values.end() ? value->second : "tmpl";
        i = end + 2;
        continue;
      }
    }
    out += label[i++];
  }
  return out;
}

// `+` segments replaced by `filler`.
std::string FillPlus(const std::string& label, const std::string& filler) {
  std::string out;
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = label.find('/', start);
    const std::string segment = label.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    out += segment == "+" ? filler : segment;
    if (slash == std::string::npos) {
      return out;
    }
    out += '/';
    start = slash + 1;
  }
}

// The label itself, its instantiations (`+` -> a segment, trailing `*` -> a
// suffix) and every parent folder.
void AddInstances(const std::string& label, std::set<std::string>& paths, const Values& values = {}) {
  const std::string base = WithoutTemplates(label, values);
  paths.insert(base);
  for (const char* filler : {"seg", "x1"}) {
    std::string p = FillPlus(base, filler);
    if (p.ends_with('*')) {
      p.pop_back();
      for (const char* suffix : {"", "k1", "k1/k2", "k1/"}) {
        paths.insert(p + suffix);
      }
    } else {
      paths.insert(p);
    }
  }
  for (std::size_t i = 0; i + 1 < base.size(); ++i) {
    if (base[i] == '/') {
      paths.insert(FillPlus(base.substr(0, i + 1), "seg"));
    }
  }
}

// Random keys under each KV mount, from the workspace's own segments and a few
// others, with a fixed seed.
void AddRandomKvPaths(const analysis::Workspace& ws, const std::set<std::string>& labels,
                      std::set<std::string>& paths) {
  std::set<std::string> vocabulary = {"zz", "tmp", "prod"};
  for (const std::string& label : labels) {
    std::size_t start = 0;
    while (start < label.size()) {
      std::size_t slash = label.find('/', start);
      slash = slash == std::string::npos ? label.size() : slash;
      const std::string segment = label.substr(start, slash - start);
      if (!segment.empty() && segment.find_first_of("+*{}") == std::string::npos) {
        vocabulary.insert(segment);
      }
      start = slash + 1;
    }
  }
  const std::vector<std::string> words(vocabulary.begin(), vocabulary.end());
  std::mt19937 rng(7);
  auto word = [&] { return words[std::uniform_int_distribution<std::size_t>(0, words.size() - 1)(rng)]; };
  for (const config::Mount& mount : ws.config.mounts) {
    if (mount.type != "kv") {
      continue;
    }
    for (int i = 0; i < 25; ++i) {
      std::string p = mount.path;
      if (mount.kv_version == 2) {
        static const char* const kKinds[] = {"data/", "data/", "metadata/", "delete/", "undelete/", "destroy/"};
        p += kKinds[std::uniform_int_distribution<int>(0, 5)(rng)];
      }
      const int depth = std::uniform_int_distribution<int>(1, 3)(rng);
      for (int d = 0; d < depth; ++d) {
        p += (d > 0 ? "/" : "") + word();
      }
      paths.insert(p);
    }
  }
}

std::vector<std::string> GeneratePaths(const analysis::Workspace& ws) {
  std::set<std::string> labels;
  for (const parser::PolicyFile& file : ws.policy_files) {
    for (const parser::PathRule& rule : file.policy.rules) {
      labels.insert(rule.label);
    }
  }
  std::set<std::string> paths;
  for (const std::string& label : labels) {
    AddInstances(label, paths);
  }
  AddRandomKvPaths(ws, labels, paths);
  paths.erase("");
  return {paths.begin(), paths.end()};
}

// Paths Vault serves without consulting the ACL (RUNTIME-API.md §1), written
// independently of analysis::UnauthenticatedReason so the two can disagree.
bool Unauthenticated(const std::string& path) {
  static const std::set<std::string> kExact = {"sys/health", "sys/seal-status", "sys/init", "sys/unseal",
                                               "sys/leader", "sys/wrapping/lookup", "sys/internal/ui/mounts"};
  return kExact.contains(path) || path.starts_with("sys/internal/ui/mounts/") ||
         path.starts_with("auth/userpass/login/") ||
         (path.starts_with("auth/") && path.ends_with("/login") && std::count(path.begin(), path.end(), '/') == 2);
}

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

struct Counts {
  std::size_t subjects = 0;
  std::size_t paths = 0;
  std::size_t capability_checks = 0;
  std::size_t operation_checks = 0;
  std::size_t creates = 0;
  std::size_t updates = 0;
  std::size_t identity_dropped = 0;
  std::size_t entity_subjects = 0;  // checked again holding a token with an entity (templates rendered)
  std::size_t entity_paths = 0;
  std::size_t allowed = 0;         // operation checks both sides allowed
  std::size_t entity_allowed = 0;  // ... of them in the entity pass, on rendered paths
  std::size_t tokens_replaced = 0;
  std::size_t unauthenticated = 0;  // operation checks on paths served without the ACL
  std::size_t database_allowed = 0;  // operations both sides allowed under a database mount (served by the engine)
  std::vector<std::string> skipped;
  std::vector<std::string> mismatches;
};

class Consistency : public CoreTest, public ::testing::WithParamInterface<const char*> {
 protected:
  void SetUp() override {
    CoreTest::SetUp();
    audit_path_ = std::filesystem::temp_directory_path() /
                  ("polcheck-consistency-" + std::to_string(::getpid()) +
                   "-" + GetParam() + ".log");
    std::filesystem::remove(audit_path_);
    Reply audit = Post("sys/audit/file", {{"type", "file"}, {"options", {{"file_path", audit_path_.string()}}}});
    ASSERT_EQ(audit.status, 204) << audit.body.dump();
    audit_.open(audit_path_);
    ASSERT_TRUE(audit_.is_open());
  }
  void TearDown() override {
    audit_.close();
    std::filesystem::remove(audit_path_);
  }

  // The operation of the last request the audit device logged since the previous call.
  std::string LastAuditedOperation() {
    std::string line;
    std::string op;
    audit_.clear();
    while (std::getline(audit_, line)) {
      const json entry = json::parse(line, nullptr, false);
      if (entry.is_object() && entry.value("type", "") == "request") {
        op = entry["request"].value("operation", "");
      }
    }
    return op;
  }

  // The KV v2 key of `path` when it lies under a KV v2 data/ or metadata/ path of `ws`.
  static std::optional<std::pair<std::string, std::string>> KvKey(const analysis::Workspace& ws,
                                                                  const std::string& path) {
    for (const config::Mount& mount : ws.config.mounts) {
      if (mount.type != "kv" || mount.kv_version != 2 || !path.starts_with(mount.path)) {
        continue;
      }
      const std::string rest = path.substr(mount.path.size());
      for (const char* kind : {"data/", "metadata/"}) {
        if (rest.starts_with(kind) && rest.size() > std::string_view(kind).size()) {
          return std::make_pair(mount.path, rest.substr(std::string_view(kind).size()));
        }
      }
    }
    return std::nullopt;
  }

  bool Simulated(const analysis::Workspace& ws, const analysis::Subject& subject, const std::string& path,
                 Operation op) {
    Expected<std::vector<analysis::Answer>> a = analysis::Simulate(ws, {subject}, {.path = path, .operation = op});
    EXPECT_TRUE(a) << (a ? "" : a.error().message);
    return a && a->front().allowed;
  }

  // A token with exactly the subject's policies; replaced when one of its own
  // requests (the default policy's auth/token/revoke-self) ended it.
  const std::string& Token(Counts& counts) {
    if (token_.empty() || Post("auth/token/lookup", {{"token", token_}}).status != 200) {
      counts.tokens_replaced += token_.empty() ? 0 : 1;
      token_ = new_token_();
    }
    return token_;
  }

  // Logs in through userpass user `user` (created with exactly `policies`),
  // so that the token has an entity; returns the token and that entity as the
  // evaluator sees it.
  std::pair<std::string, evaluator::Identity> LoginWithEntity(const std::string& user,
                                                              const std::vector<std::string>& policies) {
    if (!userpass_mounted_) {
      EXPECT_EQ(Post("sys/auth/userpass", {{"type", "userpass"}}).status, 204);
      userpass_mounted_ = true;
    }
    Reply made = Post("auth/userpass/users/" + user,
                      {{"password", "pw"}, {"token_policies", policies}, {"token_no_default_policy", true}});
    EXPECT_EQ(made.status, 204) << made.body.dump();
    Reply login = Send("POST", "auth/userpass/login/" + user, {{"password", "pw"}}, "");
    EXPECT_EQ(login.status, 200) << login.body.dump();
    const json auth = login.body["auth"];
    const std::string entity_path = "identity/entity/id/" + auth["entity_id"].get<std::string>();
    // A fixed name (login names it entity_<random>), so that the paths are the same every run.
    EXPECT_EQ(Post(entity_path, {{"name", user + "-entity"}}).status, 204);
    Reply entity = Get(entity_path);
    EXPECT_EQ(entity.status, 200) << entity.body.dump();
    const json& e = entity.body["data"];
    evaluator::Identity who;
    who.entity = evaluator::Entity{.id = e["id"], .name = e["name"]};
    for (const json& a : e["aliases"]) {
      who.entity->aliases.push_back({.id = a["id"], .name = a["name"], .mount_accessor = a["mount_accessor"]});
    }
    return {auth["client_token"], who};
  }

  void Compare(Counts& counts, const std::string& what, const std::string& path, bool simulated, int status) {
    ++counts.operation_checks;
    const bool served = status != 403;
    // Simulate answers these as "unauthenticated" (allowed without an ACL);
    // counted to show the case is exercised, compared like every other path.
    counts.unauthenticated += Unauthenticated(path) ? 1 : 0;
    counts.allowed += simulated && served ? 1 : 0;
    if (simulated && served &&
        std::any_of(database_mounts_.begin(), database_mounts_.end(),
                    [&](const std::string& m) { return path.starts_with(m); })) {
      ++counts.database_allowed;
    }
    if (simulated != served) {
      counts.mismatches.push_back(what + ": simulate " + (simulated ? "allows" : "denies") + ", server answered " +
                                  std::to_string(status));
    }
  }

  // POST `path` with the subject's token; `existing` seeds the key first (KV v2).
  void CheckWrite(const analysis::Workspace& ws, const analysis::Subject& subject, const std::string& path,
                  bool existing, Counts& counts) {
    const std::string& token = Token(counts);
    const auto kv = KvKey(ws, path);
    if (kv) {
      (void)Delete(kv->first + "metadata/" + kv->second);
      if (existing) {
        Reply seeded = Post(kv->first + "data/" + kv->second, {{"data", {{"seed", "1"}}}});
        EXPECT_EQ(seeded.status, 200) << path << ": " << seeded.body.dump();
      }
    }
    (void)LastAuditedOperation();
    const Reply r = Post(path, {{"data", {{"k", "v"}}}}, token);
    const std::string used = LastAuditedOperation();
    const std::string label = label_ + " POST " + path + (existing ? " (existing)" : " (missing)");
    if (used != "create" && used != "update") {
      counts.mismatches.push_back(label + ": audited operation \"" + used + "\"");
      return;
    }
    if (kv && used != (existing ? "update" : "create")) {
      counts.mismatches.push_back(label + ": the server used " + used + " (SEMANTICS.md §2: " +
                                  (existing ? "update" : "create") + ")");
    }
    ++(used == "create" ? counts.creates : counts.updates);
    Compare(counts, label + " as " + used, path, Simulated(ws, subject, path, used == "create" ? Operation::kCreate
                                                                                          : Operation::kUpdate),
            r.status);
  }

  void CheckPath(const analysis::Workspace& ws, const analysis::Subject& subject, const std::string& path,
                 Counts& counts) {
    Expected<std::vector<analysis::Answer>> caps = analysis::Simulate(ws, {subject}, {.path = path});
    ASSERT_TRUE(caps) << caps.error().message;
    ASSERT_TRUE(caps->front().capabilities);
    const Reply served = Post("sys/capabilities", {{"token", Token(counts)}, {"paths", {path}}});
    ASSERT_EQ(served.status, 200) << path << ": " << served.body.dump();
    ++counts.capability_checks;
    const std::vector<std::string> got = Sorted(served.body[path].get<std::vector<std::string>>());
    const std::vector<std::string> want = Sorted(*caps->front().capabilities);
    if (got != want) {
      counts.mismatches.push_back(label_ + " capabilities " + path + ": simulate " + json(want).dump() +
                                  ", server " + json(got).dump());
    }
    Compare(counts, label_ + " GET " + path, path, Simulated(ws, subject, path, Operation::kRead),
            Get(path, Token(counts)).status);
    // LIST gets a trailing slash before anything else (SEMANTICS.md §2.2): sys/wrapping/lookup/ is no
    // longer the unauthenticated path.
    Compare(counts, label_ + " LIST " + path, path.ends_with('/') ? path : path + "/", Simulated(ws, subject, path, Operation::kList),
            List(path, Token(counts)).status);
    CheckWrite(ws, subject, path, /*existing=*/false, counts);
    CheckWrite(ws, subject, path, /*existing=*/true, counts);
    Compare(counts, label_ + " DELETE " + path, path, Simulated(ws, subject, path, Operation::kDelete),
            Delete(path, Token(counts)).status);
  }

  // Again with a token that has an entity, on the templated rules' paths
  // rendered for it (and unrendered), when the subject has templated policies.
  void CheckWithEntity(const analysis::Workspace& ws, const analysis::Subject& found, Counts& counts) {
    std::vector<const parser::PathRule*> templated;
    for (const std::string& name : found.policies) {
      if (const parser::Policy* policy = ws.FindPolicy(name)) {
        for (const parser::PathRule& rule : policy->rules) {
          if (rule.templated) {
            templated.push_back(&rule);
          }
        }
      }
    }
    if (templated.empty()) {
      return;
    }
    const std::string user = "u" + std::to_string(counts.entity_subjects++);
    auto [token, who] = LoginWithEntity(user, found.policies);
    analysis::Subject subject = analysis::SubjectForPolicies(found.policies);
    subject.identity = who;
    const Values values = {{"identity.entity.id", who.entity->id}, {"identity.entity.name", who.entity->name}};
    std::set<std::string> paths;
    std::set<std::string> rendered;
    for (const parser::PathRule* rule : templated) {
      AddInstances(rule->label, rendered, values);
      AddInstances(rule->label, paths);
    }
    token_ = token;
    new_token_ = [this, user] {
      return Send("POST", "auth/userpass/login/" + user, {{"password", "pw"}}, "").body["auth"]["client_token"];
    };
    label_ = found.label + " (with entity " + who.entity->name + ")";
    for (const std::string& path : paths) {
      ++counts.entity_paths;
      CheckPath(ws, subject, path, counts);
      if (HasFatalFailure()) {
        return;
      }
    }
    const std::size_t before = counts.allowed;
    for (const std::string& path : rendered) {
      ++counts.entity_paths;
      CheckPath(ws, subject, path, counts);
      if (HasFatalFailure()) {
        return;
      }
    }
    counts.entity_allowed += counts.allowed - before;
  }

  std::filesystem::path audit_path_;
  std::ifstream audit_;
  std::string token_;
  std::function<std::string()> new_token_;
  bool userpass_mounted_ = false;
  std::vector<std::string> database_mounts_;
  std::string label_;  // the subject being checked, for messages
};

TEST_P(Consistency, SimulateEqualsServer) {
  const std::filesystem::path dir = std::filesystem::path(POLCHECK_SOURCE_DIR) / "examples" / GetParam();
  DiagnosticSink sink;
  Expected<analysis::Workspace> ws = analysis::LoadWorkspace({.directory = dir}, sink);
  ASSERT_TRUE(ws) << ws.error().message;
  ASSERT_FALSE(ws->has_parse_errors || ws->has_config_errors) << analysis::RenderDiagnostics(*ws, sink);
  for (const parser::PolicyFile& file : ws->policy_files) {
    if (!(ws->builtin_default && file.policy.name == "default")) {
      PutPolicy(file.policy.name, ws->sources->file(file.policy.file).text());
    }
  }
  for (const config::Mount& mount : ws->config.mounts) {
    if (mount.type == "kv" && mount.path != "secret/") {
      Reply r = Post("sys/mounts/" + mount.path,
                     {{"type", "kv"}, {"options", {{"version", std::to_string(mount.kv_version)}}}});
      ASSERT_EQ(r.status, 204) << r.body.dump();
    }
    if (mount.type == "database") {  // served since the database engine; its paths are checked too
      Reply r = Post("sys/mounts/" + mount.path, {{"type", "database"}});
      ASSERT_EQ(r.status, 204) << r.body.dump();
      database_mounts_.push_back(mount.path);
    }
  }
  const std::vector<std::string> paths = GeneratePaths(*ws);
  Counts counts{.paths = paths.size()};
  for (const analysis::Subject& found : analysis::AllSubjects(*ws)) {
    if (found.root || !found.login_error.empty() || found.entity_disabled || found.policies.empty()) {
      counts.skipped.push_back(found.label + (found.root                     ? ": root"
                                              : !found.login_error.empty() ? ": login refused"
                                              : found.entity_disabled      ? ": entity disabled"
                                                                           : ": no policies"));
      continue;
    }
    // The runtime's token has no entity: simulate the same policies without one.
    const analysis::Subject subject = analysis::SubjectForPolicies(found.policies);
    if (found.identity) {
      ++counts.identity_dropped;
    }
    ++counts.subjects;
    token_.clear();
    new_token_ = [this, policies = found.policies] { return TokenWith(policies); };
    label_ = found.label;
    for (const std::string& path : paths) {
      CheckPath(*ws, subject, path, counts);
      if (HasFatalFailure()) {
        return;
      }
    }
    CheckWithEntity(*ws, found, counts);
    if (HasFatalFailure()) {
      return;
    }
  }
  std::printf("[consistency] %s: %zu subjects (%zu checked without their entity), %zu paths, %zu capability "
              "checks, %zu operation checks (%zu on unauthenticated paths; POST became create %zu, update %zu), "
              "%zu mismatches; %zu tokens ended by their own requests were replaced; %zu subjects checked again with "
              "an entity on %zu rendered/unrendered template paths (included above; %zu operations allowed on the "
              "rendered ones); %zu operations allowed in all\n",
              GetParam(), counts.subjects, counts.identity_dropped, counts.paths, counts.capability_checks,
              counts.operation_checks, counts.unauthenticated, counts.creates, counts.updates,
              counts.mismatches.size(), counts.tokens_replaced, counts.entity_subjects,
              counts.entity_paths, counts.entity_allowed, counts.allowed);
  std::printf("[consistency] %s: %zu operations allowed under database mounts\n", GetParam(), counts.database_allowed);
  if (!database_mounts_.empty()) {
    EXPECT_GT(counts.database_allowed, 0u) << "no path under a database mount was exercised";
  }
  for (const std::string& s : counts.skipped) {
    std::printf("[consistency] skipped %s\n", s.c_str());
  }
  EXPECT_GT(counts.subjects, 0u);
  EXPECT_GT(counts.creates, 0u);
  EXPECT_GT(counts.updates, 0u);
  EXPECT_GT(counts.allowed, 0u);
  if (counts.entity_subjects > 0) {
    EXPECT_GT(counts.entity_allowed, 0u) << "no rendered template path was allowed: rendering is not exercised";
  }
  std::string first;
  for (std::size_t i = 0; i < counts.mismatches.size() && i < 40; ++i) {
    first += counts.mismatches[i] + "\n";
  }
  EXPECT_TRUE(counts.mismatches.empty()) << counts.mismatches.size() << " mismatches, first:\n" << first;
}

INSTANTIATE_TEST_SUITE_P(Examples, Consistency, ::testing::Values("k8s-aws-teams", "db-read", "oidc-groups"),
                         [](const ::testing::TestParamInfo<const char*>& param) {
                           std::string name = param.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

}  // namespace
}  // namespace polcheck::runtime::testing
