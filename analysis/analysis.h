// polcheck::analysis — "what can this identity do on this path", and its
// reverse, over a workspace of policies and auth bindings (analysis/workspace.h,
// analysis/bindings.h), exactly as Vault assembles a token's policies at login
// (../shared/SEMANTICS.md §9) and then evaluates them (evaluator/acl.h).
//
//   DiagnosticSink sink;
//   Expected<analysis::Workspace> ws = analysis::LoadWorkspace({.directory = "."}, sink);
//   std::vector<analysis::Subject> who = analysis::SubjectsForRole(*ws, "aaa-role", "");
//   Expected<std::vector<analysis::Answer>> answers = analysis::Simulate(
//       *ws, who, {.path = "secret/data/team-a/app", .operation = evaluator::Operation::kRead});
//   std::cout << analysis::FormatAnswersText(*ws, *answers, /*explain=*/false);
//
//   analysis::WhoCanResult r = analysis::WhoCan(*ws, analysis::AllSubjects(*ws),
//                                               {.path = "secret/data/prod/db", .operation = kDelete});
//
// Subjects and answers own their data; nothing points into a Workspace except
// the FileIds of source locations, which live as long as the Workspace.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/bindings.h"
#include "analysis/workspace.h"
#include "base/expected.h"
#include "evaluator/acl.h"
#include "evaluator/identity.h"

namespace polcheck::analysis {

enum class SubjectKind : std::uint8_t {
  kRole,        // auth/<mount>/role/<name> (kubernetes, aws, jwt, approle)
  kUser,        // auth/<userpass>/users/<name>
  kGithubTeam,  // auth/<github>/map/teams/<team> (+ config policies)
  kGithubUser,  // auth/<github>/map/users/<login> (+ config policies)
  kTokenRole,   // auth/token/roles/<name>
  kEntity,      // identity/entity/name/<name>: identity policies only
  kGroup,       // identity/group/name/<name>: the group's and its parents' policies
  kToken,       // a raw token with the given policies (--policies)
  kLogin,       // a concrete login (--identity) through one role
};
std::string_view SubjectKindName(SubjectKind kind);

// A template placeholder (SEMANTICS.md §7) that every login through a role
// fills in with its own value, which the role's bindings do not pin (§9):
// the entity Vault generates at first login (`entity_<uuid>`), a Kubernetes
// role's namespace when it binds several, a JWT role's user claim, ...
// Templated rules using it are rendered per login, so polcheck answers with
// conditions ("allowed for logins where <selector> = <value>").
struct OpenPlaceholder {
  // A full selector ("identity.entity.name"); one ending in '.' stands for
  // every selector under it (approle secret-ID metadata may set any key).
  std::string selector;
  std::string values;  // RE2 regex every value a login can give matches; "" = any value
  std::string source;  // why the bindings do not pin it, for --explain
  // Values the bindings name (a bound list, globs without their '*'): verify
  // completes a value cut off by an invariant's path ("secret/data/team-*") with them.
  std::vector<std::string> examples;
};

// One value an open placeholder must take: part of a conditional answer.
struct Condition {
  std::string selector;
  std::string value;
};

// Whoever holds a token: the policies it carries and, for logins, the entity
// and groups templated policies are rendered for.
struct Subject {
  SubjectKind kind = SubjectKind::kRole;
  AuthType auth_type = AuthType::kOther;
  std::string mount;  // auth mount path ("" for identity subjects and raw tokens)
  std::string name;
  std::string label;  // the API path naming it, e.g. "auth/kubernetes/role/aaa-role"
  std::vector<std::string> token_policies;     // sanitised, `default` included when added
  std::vector<std::string> identity_policies;  // sanitised, from the entity and its groups
  std::vector<std::string> policies;           // sanitised union: what the ACL is built from
  std::optional<evaluator::Identity> identity;
  bool root = false;          // a raw root token
  bool entity_disabled = false;
  std::string login_error;    // set when Vault refuses the login, e.g. "auth methods cannot create root tokens"
  std::vector<std::string> chain;  // how the login came about, one line per step (for --explain)
  Span span;                  // where the role / group / entity is defined
  // Roles and users: placeholders each login fills in differently. `identity`
  // then holds only what the bindings pin; templated rules using an open
  // placeholder are rendered with the symbolic segment "<selector>" (a path no
  // request names) unless a query binds the placeholder to a value.
  std::vector<OpenPlaceholder> open_placeholders;
};

// Where a login comes from. Vault checks the client address against a role's
// CIDR bindings (token_bound_cidrs, legacy bound_cidrs; approle
// secret_id_bound_cidrs, legacy bound_cidr_list): a login from outside is
// refused (Subject::login_error says which list).
struct LoginContext {
  std::optional<Cidr> source_ip;  // --source-ip (ParseIp); nullopt: CIDR bindings are not checked
};

// Roles, users and token roles called `name` (on `mount` when not empty; mount
// "token" means token roles). Empty when none exists.
std::vector<Subject> SubjectsForRole(const Workspace& ws, std::string_view name, std::string_view mount);
std::vector<Subject> SubjectsForRole(const Workspace& ws, std::string_view name, std::string_view mount,
                                     const LoginContext& context);

// The logins a concrete identity can perform, one per role that binds it
// (SEMANTICS.md §9.2-§9.7), with entity, groups (transitive) and identity
// policies. `spec` is one of
//   kubernetes:NS/SA[@UID][,LABEL=VALUE...]   a service account; @UID names the
//       alias under alias_name_source serviceaccount_uid; LABEL=VALUE are the
//       namespace's labels for bound_service_account_namespace_selector
//       (kubernetes.io/metadata.name=NS is always set, as Kubernetes does)
//   aws:ARN                                   an IAM user, role or assumed-role caller
//   aws-ec2:instance_id=I[,account_id=A][,region=R][,ami_id=..][,vpc_id=..]
//       [,subnet_id=..][,iam_role_arn=..][,iam_instance_profile_arn=..]
//       an EC2 instance: auth_type ec2 roles, and (with iam_role_arn, its
//       instance profile's role) IAM roles, including inferred_entity_type
//       ec2_instance; a binding on an attribute the spec omits is not met
//   jwt:CLAIMS.json, userpass:NAME, approle:ROLE, github:ORG/TEAM[,TEAM][@LOGIN], entity:NAME.
// Fails with kInvalidArgument for a malformed spec, kNotFound / kIo when the
// claims file cannot be read (relative to the current directory). An
// identity no role binds gives an empty list.
[[nodiscard]] Expected<std::vector<Subject>> SubjectsForIdentity(const Workspace& ws, std::string_view spec);
[[nodiscard]] Expected<std::vector<Subject>> SubjectsForIdentity(const Workspace& ws, std::string_view spec,
                                                                 const LoginContext& context);

// Why each role of the spec's method refuses the login, one line per role in
// Vault's words ("auth/aws/role/web: VPC ID \"vpc-9\" does not satisfy the
// constraint on role \"web\""), for the answer to a login nothing admits.
// Fails as SubjectsForIdentity does.
[[nodiscard]] Expected<std::vector<std::string>> LoginRefusals(const Workspace& ws, std::string_view spec);

// A token carrying exactly `policies` (sanitised, no `default` added; `root`
// gives a root token).
Subject SubjectForPolicies(const std::vector<std::string>& policies);

// Every role, user, GitHub mapping, token role, entity and group, in file
// order: who-can and matrix ask each of them.
std::vector<Subject> AllSubjects(const Workspace& ws);
std::vector<Subject> AllSubjects(const Workspace& ws, const LoginContext& context);

// One request to evaluate, with a description for KV operations.
struct Step {
  std::string description;  // "" for a plain --path request; e.g. "put (new key)" for --kv
  std::string path;
  evaluator::Operation operation = evaluator::Operation::kRead;
  bool mount_visibility = false;  // the `vault kv` preflight: can the token see the mount (§3.7, §8)?
  // KV v2 writes send {"data": {...}}: --param values go inside `data`, so
  // parameter constraints see only the top-level key `data` (§8).
  bool body_data = false;
};

// `vault kv <operation> MOUNT/KEY` as the requests the CLI sends (§8), with the
// mount and its KV version taken from the workspace config (default: KV v2 at
// secret/). `operation` is get, put, patch, delete, list, undelete, destroy,
// "metadata get", "metadata put", "metadata patch" or "metadata delete" (a
// dash may replace the space). Fails with kInvalidArgument for an unknown
// operation, a path outside every KV mount, or an operation KV v1 lacks.
[[nodiscard]] Expected<std::vector<Step>> KvSteps(const config::Config& config, std::string_view mount_key,
                                                  std::string_view operation);

struct SimulateRequest {
  std::string path;  // ignored when steps are given
  std::optional<evaluator::Operation> operation;  // nullopt: report capabilities
  evaluator::Params params;
  std::vector<Step> steps;  // --kv: several requests instead of path/operation
  // X-Vault-Wrap-TTL sent with every step (§6.5); nullopt = not wrapped.
  std::optional<std::chrono::nanoseconds> wrap_ttl;
  bool explain = false;
};

// Where a rule is written.
struct RuleLocation {
  std::string policy;
  std::string pattern;  // the label as written
  std::string file;
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  std::uint32_t block = 0;  // index of the path block in its policy's rules
};

struct StepAnswer {
  Step step;
  bool allowed = false;
  std::string reason;       // evaluator::ReasonCode, or "entity-disabled", "mount-not-visible", "login-refused"
  std::string reason_text;  // one line for humans
  std::optional<RuleLocation> deciding;
  std::vector<std::string> granting_policies;
  std::string explanation;  // RenderExplanation, when requested
};

struct Answer {
  Subject subject;
  std::vector<StepAnswer> steps;            // empty when capabilities were asked
  std::optional<std::vector<std::string>> capabilities;  // set when no operation was given
  std::optional<RuleLocation> capabilities_rule;         // the rule the capabilities come from
  std::vector<std::string> missing_policies;  // named but not in the workspace (Vault ignores them)
  bool allowed = false;  // every step allowed (capabilities: not "deny")
  // Set when the answer holds only for the role's logins whose open
  // placeholders take these values (a conditional grant): the steps and
  // capabilities are those of such a login. Empty: every login.
  std::vector<Condition> conditions;
};

// Why Vault answers `path` without consulting any ACL (SEMANTICS.md §2.2,
// RUNTIME-API.md §1.1: sys/health, sys/seal-status, sys/init, sys/unseal,
// sys/leader, sys/wrapping/lookup, sys/internal/ui/mounts[/*], and the login
// endpoints of the workspace's auth mounts), or "" when the ACL decides.
// Simulate answers such requests as allowed with reason "unauthenticated".
std::string UnauthenticatedReason(const Workspace& ws, std::string_view path);

// Evaluates `request` for each subject. Fails with kInvalidArgument when the
// evaluator refuses to build an ACL (e.g. a templated label rendering to "+*").
[[nodiscard]] Expected<std::vector<Answer>> Simulate(const Workspace& ws, const std::vector<Subject>& subjects,
                                                     const SimulateRequest& request);

struct WhoCanQuery {
  std::string path;
  std::optional<evaluator::Operation> operation;  // either this ...
  std::optional<parser::Capability> capability;   // ... or a capability the path must hold
};

struct WhoCanEntry {
  Subject subject;
  std::optional<RuleLocation> deciding;
  std::vector<std::string> capabilities;
  std::vector<Condition> conditions;  // allowed only for logins with these values; empty: every login
};

struct WhoCanResult {
  WhoCanQuery query;
  std::vector<WhoCanEntry> allowed;  // in AllSubjects order
  std::size_t subjects_checked = 0;
  // UnauthenticatedReason of an operation query's path: Vault serves it without
  // a token, so everyone (every subject, and clients without a token) can.
  std::string unauthenticated;
};

// Caches one compiled Acl per distinct policy set, so that asking many
// subjects many questions compiles each set once.
class AclCache {
 public:
  explicit AclCache(const Workspace& ws);
  AclCache(const AclCache&) = delete;
  AclCache& operator=(const AclCache&) = delete;
  ~AclCache();
  // The Acl for `subject`; an error when the evaluator refuses to build it.
  // Open placeholders are rendered symbolically ("<selector>").
  [[nodiscard]] Expected<const evaluator::Acl*> For(const Subject& subject);
  // The Acl of `subject`'s logins whose open placeholders take the values of
  // `conditions` (the others stay symbolic).
  [[nodiscard]] Expected<const evaluator::Acl*> For(const Subject& subject, const std::vector<Condition>& conditions);

 private:
  const Workspace& ws_;
  std::map<std::string, std::unique_ptr<evaluator::Acl>> by_key_;
  std::vector<std::unique_ptr<evaluator::Acl>> owned_;  // ACLs whose rendering has no key, never shared
  std::map<std::string, std::unique_ptr<parser::Policy>> rendered_;  // templated policies rendered per role
};

// Who, among `subjects`, is allowed. Subjects whose login Vault refuses, and
// disabled entities, never are.
[[nodiscard]] Expected<WhoCanResult> WhoCan(const Workspace& ws, const std::vector<Subject>& subjects,
                                            const WhoCanQuery& query, AclCache& cache);

struct Matrix {
  std::vector<Subject> subjects;  // rows
  std::vector<std::string> paths;  // columns
  std::vector<std::vector<std::vector<std::string>>> cells;  // [row][column] -> capabilities
  // [row][column] -> the values the row's logins need for the cell's
  // capabilities (a conditional grant); empty: every login.
  std::vector<std::vector<std::vector<Condition>>> conditions;
};

// Capabilities (sys/capabilities, §2.4) of each subject on each path. With no
// paths, every rule label of the workspace's policies is asked.
[[nodiscard]] Expected<Matrix> BuildMatrix(const Workspace& ws, std::vector<Subject> subjects,
                                           std::vector<std::string> paths);

// "identity.entity.name = entity_1 and ...": a conjunction of conditions.
std::string ConditionsText(const std::vector<Condition>& conditions);

// The bindings of `subject`'s open placeholders under which one of its
// templated rules matches one of `paths` (request paths; a path ending in '/'
// is also tried without it), each on its own and, when they agree, all
// together: the logins worth evaluating besides the symbolic one. With
// `prefixes`, a rule also binds when it matches a path that merely starts with
// one of `paths` (verify: a pattern covering a subtree). Empty when the subject
// has no open placeholders.
std::vector<std::vector<Condition>> CandidateConditions(const Workspace& ws, const Subject& subject,
                                                        const std::vector<std::string>& paths, bool prefixes = false);

// Reads a paths file: one path per line; blank lines and '#' comments skipped.
std::vector<std::string> ParsePathList(std::string_view text);

// Formatters. Text is for people; JSON is stable for machines.
std::string FormatAnswersText(const Workspace& ws, const std::vector<Answer>& answers, bool explain);
std::string FormatAnswersJson(const std::vector<Answer>& answers);
std::string FormatWhoCanText(const WhoCanResult& result);
std::string FormatWhoCanJson(const WhoCanResult& result);
std::string FormatMatrixText(const Matrix& matrix);
std::string FormatMatrixCsv(const Matrix& matrix);
std::string FormatMatrixJson(const Matrix& matrix);
std::string FormatMatrixHtml(const Matrix& matrix);

}  // namespace polcheck::analysis
