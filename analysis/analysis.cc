// Queries over a workspace: simulate, who-can, matrix, and the `vault kv`
// operation mapping (SEMANTICS.md §8).
#include "analysis/analysis.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "analysis/symbolic.h"

namespace polcheck::analysis {
namespace {

using evaluator::Operation;

std::string WithTrailingSlash(std::string path) {
  if (path.empty() || path.back() != '/') {
    path += '/';
  }
  return path;
}

// Vault's HTTP layer adds the trailing '/' to LIST (and SCAN) requests.
std::string RequestPath(const std::string& path, Operation op) {
  std::string p = path;
  while (!p.empty() && p.front() == '/') {
    p.erase(0, 1);
  }
  return op == Operation::kList || op == Operation::kScan ? WithTrailingSlash(p) : p;
}

std::optional<RuleLocation> Locate(const Workspace& ws, const evaluator::Acl& acl, const evaluator::Result& result,
                                   Operation op) {
  const evaluator::RuleSource* src = acl.DecidingSource(result, op);
  if (src == nullptr) {
    return std::nullopt;
  }
  RuleLocation at;
  at.policy = std::string(acl.policy_name(src->policy));
  at.pattern = src->label;
  const SourceFile& file = ws.sources->file(src->label_span.file);
  at.file = file.name();
  const LineCol lc = file.Locate(src->label_span.begin);
  at.line = lc.line;
  at.column = lc.column;
  at.block = src->block;
  return at;
}

Operation OperationForCapability(parser::Capability c) {
  switch (c) {
    case parser::Capability::kCreate:
      return Operation::kCreate;
    case parser::Capability::kUpdate:
      return Operation::kUpdate;
    case parser::Capability::kDelete:
      return Operation::kDelete;
    case parser::Capability::kList:
      return Operation::kList;
    case parser::Capability::kPatch:
      return Operation::kPatch;
    case parser::Capability::kScan:
      return Operation::kScan;
    case parser::Capability::kRecover:
      return Operation::kRecover;
    case parser::Capability::kSubscribe:
      return Operation::kSubscribe;
    case parser::Capability::kDeny:
    case parser::Capability::kRead:
    case parser::Capability::kSudo:
      return Operation::kRead;
  }
  return Operation::kRead;
}

std::vector<std::string> Names(const evaluator::CapabilityList& caps) {
  return {caps.begin(), caps.end()};
}

StepAnswer Refused(const Step& step, std::string reason, std::string text) {
  StepAnswer a;
  a.step = step;
  a.reason = std::move(reason);
  a.reason_text = std::move(text);
  return a;
}

}  // namespace

std::string UnauthenticatedReason(const Workspace& ws, std::string_view path) {
  static constexpr std::string_view kSys[] = {"sys/health", "sys/seal-status", "sys/init",
                                              "sys/unseal", "sys/leader",      "sys/wrapping/lookup"};
  for (std::string_view p : kSys) {
    if (path == p) {
      return fmt::format("{} is served without a token: no ACL is checked", p);
    }
  }
  if (path == "sys/internal/ui/mounts" || path.starts_with("sys/internal/ui/mounts/")) {
    return "sys/internal/ui/mounts is served without a token: no ACL refuses it (the answer is filtered by the "
           "token's ACL)";
  }
  for (const AuthMount& m : ws.bindings.mounts) {
    const std::string prefix = "auth/" + m.path + "/";
    if (!path.starts_with(prefix)) {
      continue;
    }
    const std::string_view rest = path.substr(prefix.size());
    bool login = false;
    switch (m.type) {
      case AuthType::kUserpass:
        login = rest.starts_with("login/") && rest.size() > 6;  // login/<username>
        break;
      case AuthType::kJwt:
        login = rest == "login" || rest == "oidc/auth_url" || rest == "oidc/callback";
        break;
      case AuthType::kKubernetes:
      case AuthType::kAws:
      case AuthType::kAppRole:
      case AuthType::kGithub:
        login = rest == "login";
        break;
      case AuthType::kOther:
        break;
    }
    if (login) {
      return fmt::format("the login endpoint of the {} method at {} is served without a token: no ACL is checked",
                         m.type_name, prefix);
    }
  }
  return {};
}

namespace {

StepAnswer RunStep(const Workspace& ws, const evaluator::Acl& acl, const Step& step, const SimulateRequest& request) {
  const evaluator::Params& params = request.params;
  if (step.mount_visibility) {
    StepAnswer a;
    a.step = step;
    a.allowed = acl.CanSeeMount(step.path);
    a.reason = a.allowed ? "allowed" : "mount-not-visible";
    a.reason_text = a.allowed ? "the token can see the mount"
                              : "no rule grants anything under the mount: the CLI's preflight fails with 403";
    return a;
  }
  evaluator::Params body;
  const evaluator::Params* sent = &params;
  if (step.body_data && !params.empty()) {
    body["data"] = parser::Value::MakeObject(params);
    sent = &body;
  }
  const std::string path = RequestPath(step.path, step.operation);
  if (std::string why = UnauthenticatedReason(ws, path); !why.empty()) {
    StepAnswer a;
    a.step = step;
    a.step.path = path;
    a.allowed = true;
    a.reason = "unauthenticated";
    a.reason_text = std::move(why);
    return a;
  }
  const evaluator::Request req{
      .path = path, .operation = step.operation, .params = sent, .wrap_ttl = request.wrap_ttl, .namespace_path = {}};
  const evaluator::Result r = acl.Check(req);
  StepAnswer a;
  a.step = step;
  a.step.path = path;
  a.allowed = r.allowed;
  a.reason = std::string(evaluator::ReasonCode(r.reason));
  a.reason_text = std::string(evaluator::ReasonText(r.reason));
  if (!r.parameter.empty()) {
    a.reason_text += fmt::format(" (\"{}\")", r.parameter);
  }
  a.deciding = Locate(ws, acl, r, step.operation);
  for (std::uint32_t p : r.granting_policies) {
    a.granting_policies.emplace_back(acl.policy_name(p));
  }
  if (request.explain) {
    a.explanation = evaluator::RenderExplanation(acl, acl.Explain(req), ws.sources.get());
  }
  return a;
}

}  // namespace

AclCache::AclCache(const Workspace& ws) : ws_(ws) {}
AclCache::~AclCache() = default;

Expected<const evaluator::Acl*> AclCache::For(const Subject& subject) { return For(subject, {}); }

Expected<const evaluator::Acl*> AclCache::For(const Subject& subject, const std::vector<Condition>& conditions) {
  // Shared by every subject whose policies render alike; a key polcheck cannot
  // compute (time.* placeholders) gives the subject its own Acl.
  const std::optional<std::string> key = AclKey(ws_, subject, conditions);
  if (key) {
    if (auto it = by_key_.find(*key); it != by_key_.end()) {
      return it->second.get();
    }
  }
  const RenderedPolicies set = RenderPolicies(ws_, subject, conditions, &rendered_);
  evaluator::AclOptions options;
  options.dialect = ws_.dialect;
  options.identity = subject.identity ? &*subject.identity : nullptr;
  options.root = subject.root;
  Expected<evaluator::Acl> acl = evaluator::Acl::Build(set.list, options);
  if (!acl) {
    return Unexpected(acl.error());
  }
  auto owned = std::make_unique<evaluator::Acl>(*std::move(acl));
  const evaluator::Acl* out = owned.get();
  if (key) {
    by_key_[*key] = std::move(owned);
  } else {
    owned_.push_back(std::move(owned));
  }
  return out;
}

Expected<std::vector<Step>> KvSteps(const config::Config& config, std::string_view mount_key,
                                    std::string_view operation) {
  std::string target(mount_key);
  while (!target.empty() && target.front() == '/') {
    target.erase(0, 1);
  }
  const config::Mount* mount = config.MountFor(target);
  if (mount == nullptr || mount->type != "kv") {
    return Unexpected(Error::Code::kInvalidArgument,
                      fmt::format("--kv {}: not under a KV mount (declare it under `mounts:` in polcheck.yaml)",
                                  mount_key));
  }
  std::string op(operation);
  std::replace(op.begin(), op.end(), '-', ' ');
  std::string key = target.size() > mount->path.size() ? target.substr(mount->path.size()) : "";
  while (!key.empty() && key.back() == '/') {
    key.pop_back();
  }
  const std::string& m = mount->path;
  std::vector<Step> steps;
  steps.push_back(Step{.description = "preflight",
                       .path = m,
                       .operation = Operation::kRead,
                       .mount_visibility = true,
                       .body_data = false});
  auto add = [&](std::string what, std::string path, Operation o, bool body = false) {
    steps.push_back(Step{.description = std::move(what), .path = std::move(path), .operation = o,
                         .mount_visibility = false, .body_data = body});
  };
  if (mount->kv_version == 1) {
    if (op == "get") {
      add("get", m + key, Operation::kRead);
    } else if (op == "put") {
      add("put (new key)", m + key, Operation::kCreate);
      add("put (existing key)", m + key, Operation::kUpdate);
    } else if (op == "delete") {
      add("delete", m + key, Operation::kDelete);
    } else if (op == "list") {
      add("list", WithTrailingSlash(m + key), Operation::kList);
    } else {
      return Unexpected(Error::Code::kInvalidArgument,
                        fmt::format("--kv: \"{}\" does not exist on a KV version 1 mount ({})", operation, m));
    }
    return steps;
  }
  if (op == "get") {
    add("get", m + "data/" + key, Operation::kRead);
  } else if (op == "put") {
    add("put (new key)", m + "data/" + key, Operation::kCreate, true);
    add("put (existing key)", m + "data/" + key, Operation::kUpdate, true);
  } else if (op == "patch") {
    add("patch", m + "data/" + key, Operation::kPatch, true);
  } else if (op == "delete") {
    add("delete (latest version)", m + "data/" + key, Operation::kDelete);
  } else if (op == "undelete") {
    add("undelete", m + "undelete/" + key, Operation::kUpdate);
  } else if (op == "destroy") {
    add("destroy", m + "destroy/" + key, Operation::kUpdate);
  } else if (op == "list") {
    add("list", WithTrailingSlash(m + "metadata/" + key), Operation::kList);
  } else if (op == "metadata get") {
    add("metadata get", m + "metadata/" + key, Operation::kRead);
  } else if (op == "metadata put") {
    add("metadata put (new key)", m + "metadata/" + key, Operation::kCreate);
    add("metadata put (existing key)", m + "metadata/" + key, Operation::kUpdate);
  } else if (op == "metadata patch") {
    add("metadata patch", m + "metadata/" + key, Operation::kPatch);
  } else if (op == "metadata delete") {
    add("metadata delete", m + "metadata/" + key, Operation::kDelete);
  } else {
    return Unexpected(Error::Code::kInvalidArgument,
                      fmt::format("--kv: unknown operation \"{}\" (expected get, put, patch, delete, list, undelete, "
                                  "destroy, \"metadata get\", \"metadata put\", \"metadata patch\", "
                                  "\"metadata delete\")",
                                  operation));
  }
  return steps;
}

namespace {

// The request paths of `steps` (or of the capabilities query on `path`).
std::vector<std::string> StepPaths(const std::vector<Step>& steps, const std::string& path) {
  std::vector<std::string> out;
  for (const Step& step : steps) {
    if (!step.mount_visibility) {
      out.push_back(RequestPath(step.path, step.operation));
    }
  }
  if (steps.empty()) {
    out.push_back(RequestPath(path, Operation::kRead));
  }
  return out;
}

// Evaluates `steps` (or the capabilities of request.path) with `acl` into `a`.
void Evaluate(const Workspace& ws, const evaluator::Acl& acl, const std::vector<Step>& steps,
              const SimulateRequest& request, Answer& a) {
  if (steps.empty()) {
    const std::string path = RequestPath(request.path, Operation::kRead);
    a.capabilities = Names(acl.Capabilities(path));
    a.capabilities_rule = Locate(ws, acl, acl.CapabilityCheck(path), Operation::kRead);
    a.allowed = *a.capabilities != std::vector<std::string>{"deny"};
    return;
  }
  a.steps.clear();
  a.allowed = true;
  for (const Step& step : steps) {
    a.steps.push_back(RunStep(ws, acl, step, request));
    a.allowed &= a.steps.back().allowed;
  }
}

// True when capabilities `more` hold something `base` lacks.
bool Gains(const std::vector<std::string>& base, const std::vector<std::string>& more) {
  if (more == std::vector<std::string>{"deny"}) {
    return false;
  }
  if (base == std::vector<std::string>{"deny"}) {
    return true;
  }
  return std::any_of(more.begin(), more.end(),
                     [&](const std::string& c) { return std::find(base.begin(), base.end(), c) == base.end(); });
}

// A conditional grant: the first login (open placeholders bound to the values
// the paths ask for) whose answer is allowed where the symbolic one is not, or,
// for capabilities, holds the most the symbolic one lacks.
Expected<void> TryConditions(const Workspace& ws, AclCache& cache, const Subject& s, const std::vector<Step>& steps,
                             const SimulateRequest& request, Answer& a) {
  if (s.open_placeholders.empty() || (!steps.empty() && a.allowed)) {
    return {};
  }
  std::optional<Answer> best;
  for (const std::vector<Condition>& c : CandidateConditions(ws, s, StepPaths(steps, request.path))) {
    Expected<const evaluator::Acl*> acl = cache.For(s, c);
    if (!acl) {
      return Unexpected(Error::Code::kInvalidArgument, fmt::format("{}: {}", s.label, acl.error().message));
    }
    Answer bound = a;
    bound.conditions = c;
    Evaluate(ws, **acl, steps, request, bound);
    if (!steps.empty() && bound.allowed) {
      a = std::move(bound);
      return {};
    }
    if (steps.empty() && Gains(*a.capabilities, *bound.capabilities) &&
        (!best || best->capabilities->size() < bound.capabilities->size())) {
      best = std::move(bound);
    }
  }
  if (best) {
    a = *std::move(best);
  }
  return {};
}

}  // namespace

Expected<std::vector<Answer>> Simulate(const Workspace& ws, const std::vector<Subject>& subjects,
                                       const SimulateRequest& request) {
  AclCache cache(ws);
  std::vector<Answer> out;
  for (const Subject& s : subjects) {
    Answer a;
    a.subject = s;
    for (const std::string& p : s.policies) {
      if (p != "root" && ws.FindPolicy(p) == nullptr) {
        a.missing_policies.push_back(p);
      }
    }
    std::vector<Step> steps = request.steps;
    if (steps.empty() && request.operation) {
      steps.push_back(Step{.description = {}, .path = request.path, .operation = *request.operation,
                           .mount_visibility = false, .body_data = false});
    }
    if (!s.login_error.empty() || s.entity_disabled) {
      const std::string reason = s.entity_disabled ? "entity-disabled" : "login-refused";
      const std::string text = s.entity_disabled ? "the entity is disabled" : s.login_error;
      if (steps.empty()) {
        a.capabilities = std::vector<std::string>{"deny"};
      }
      for (const Step& step : steps) {
        a.steps.push_back(Refused(step, reason, text));
      }
      out.push_back(std::move(a));
      continue;
    }
    Expected<const evaluator::Acl*> acl = cache.For(s);
    if (!acl) {
      return Unexpected(Error::Code::kInvalidArgument, fmt::format("{}: {}", s.label, acl.error().message));
    }
    Evaluate(ws, **acl, steps, request, a);
    if (Expected<void> tried = TryConditions(ws, cache, s, steps, request, a); !tried) {
      return Unexpected(tried.error());
    }
    out.push_back(std::move(a));
  }
  return out;
}

namespace {

struct WhoCanHit {
  bool allowed = false;
  evaluator::Result result;
};

WhoCanHit AskAcl(const evaluator::Acl& acl, const WhoCanQuery& query, const std::string& path, Operation op) {
  WhoCanHit hit;
  if (query.operation) {
    hit.result = acl.Check(evaluator::Request{.path = path, .operation = op});
    hit.allowed = hit.result.allowed;
  } else {
    hit.result = acl.CapabilityCheck(path);
    const parser::CapabilitySet& caps = hit.result.capabilities;
    hit.allowed = hit.result.is_root || (!caps.is_deny() && caps.Has(*query.capability));
  }
  return hit;
}

}  // namespace

Expected<WhoCanResult> WhoCan(const Workspace& ws, const std::vector<Subject>& subjects, const WhoCanQuery& query,
                              AclCache& cache) {
  WhoCanResult result;
  result.query = query;
  result.subjects_checked = subjects.size();
  const Operation op = query.operation.value_or(
      query.capability ? OperationForCapability(*query.capability) : Operation::kRead);
  const std::string path = RequestPath(query.path, query.operation ? op : Operation::kRead);
  if (query.operation) {
    result.unauthenticated = UnauthenticatedReason(ws, path);
  }
  for (const Subject& s : subjects) {
    if (!result.unauthenticated.empty()) {
      result.allowed.push_back(WhoCanEntry{.subject = s, .deciding = {}, .capabilities = {}, .conditions = {}});
      continue;
    }
    if (!s.login_error.empty() || s.entity_disabled) {
      continue;
    }
    Expected<const evaluator::Acl*> acl = cache.For(s);
    if (!acl) {
      return Unexpected(Error::Code::kInvalidArgument, fmt::format("{}: {}", s.label, acl.error().message));
    }
    WhoCanHit hit = AskAcl(**acl, query, path, op);
    std::vector<Condition> conditions;
    if (!hit.allowed) {
      for (const std::vector<Condition>& c : CandidateConditions(ws, s, {path})) {
        Expected<const evaluator::Acl*> bound = cache.For(s, c);
        if (!bound) {
          return Unexpected(Error::Code::kInvalidArgument, fmt::format("{}: {}", s.label, bound.error().message));
        }
        hit = AskAcl(**bound, query, path, op);
        if (hit.allowed) {
          acl = bound;
          conditions = c;
          break;
        }
      }
    }
    if (!hit.allowed) {
      continue;
    }
    WhoCanEntry e;
    e.subject = s;
    e.deciding = Locate(ws, **acl, hit.result, op);
    e.capabilities = Names((*acl)->Capabilities(path));
    e.conditions = std::move(conditions);
    result.allowed.push_back(std::move(e));
  }
  return result;
}

Expected<Matrix> BuildMatrix(const Workspace& ws, std::vector<Subject> subjects, std::vector<std::string> paths) {
  if (paths.empty()) {
    std::set<std::string> seen;
    for (const parser::PolicyFile& f : ws.policy_files) {
      if (ws.builtin_default && &f == &ws.policy_files[ws.by_name.at("default")]) {
        continue;
      }
      for (const parser::PathRule& rule : f.policy.rules) {
        std::string label = rule.label;
        while (!label.empty() && label.front() == '/') {
          label.erase(0, 1);
        }
        if (!rule.templated && seen.insert(label).second) {
          paths.push_back(label);
        }
      }
    }
  }
  AclCache cache(ws);
  Matrix m;
  m.paths = std::move(paths);
  for (Subject& s : subjects) {
    std::vector<std::vector<std::string>> row;
    std::vector<std::vector<Condition>> row_conditions;
    const evaluator::Acl* acl = nullptr;
    if (s.login_error.empty() && !s.entity_disabled) {
      Expected<const evaluator::Acl*> built = cache.For(s);
      if (!built) {
        return Unexpected(Error::Code::kInvalidArgument, fmt::format("{}: {}", s.label, built.error().message));
      }
      acl = *built;
    }
    for (const std::string& p : m.paths) {
      std::vector<std::string> caps = acl == nullptr ? std::vector<std::string>{"deny"} : Names(acl->Capabilities(p));
      std::vector<Condition> conditions;
      for (const std::vector<Condition>& c : acl == nullptr ? std::vector<std::vector<Condition>>{}
                                                            : CandidateConditions(ws, s, {p})) {
        Expected<const evaluator::Acl*> bound = cache.For(s, c);
        if (!bound) {
          return Unexpected(Error::Code::kInvalidArgument, fmt::format("{}: {}", s.label, bound.error().message));
        }
        std::vector<std::string> more = Names((*bound)->Capabilities(p));
        if (Gains(caps, more) && (conditions.empty() || more.size() > caps.size())) {
          caps = std::move(more);
          conditions = c;
        }
      }
      row.push_back(std::move(caps));
      row_conditions.push_back(std::move(conditions));
    }
    m.cells.push_back(std::move(row));
    m.conditions.push_back(std::move(row_conditions));
    m.subjects.push_back(std::move(s));
  }
  return m;
}

std::vector<std::string> ParsePathList(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (const std::size_t hash = line.find('#'); hash != std::string_view::npos) {
      line = line.substr(0, hash);
    }
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.front()))) {
      line.remove_prefix(1);
    }
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) {
      line.remove_suffix(1);
    }
    if (!line.empty()) {
      out.emplace_back(line);
    }
  }
  return out;
}

}  // namespace polcheck::analysis
