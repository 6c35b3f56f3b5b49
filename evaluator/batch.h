// JSON in and out of the evaluator: `polcheck eval --batch` (one JSON object
// per line in, one per line out), the JSON/text encodings of a single decision
// used by `polcheck eval`, and the request pieces the CLI accepts (params,
// entity, wrap TTL).
//
//   evaluator::BatchEvaluator batch;
//   std::string answer = batch.ProcessLine(
//       R"({"id":1,"policies":["path \"kv/*\" { capabilities = [\"read\"] }"],"path":"kv/a","operation":"read"})");
//   // {"id":1,"allowed":true,"root_privs":false,"capabilities":["read"],"error":"","decided_by":{...}}
//   batch.Run(std::cin, std::cout);  // a whole stream, flushed per line
#pragma once

#include <chrono>
#include <cstddef>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/dialect.h"
#include "base/expected.h"
#include "base/source.h"
#include "evaluator/acl.h"
#include "evaluator/identity.h"

namespace polcheck::evaluator {

// A JSON object of request data. JSON numbers become parser::Value::Number
// (Go's json.Number: never equal to a policy value, §6.2). Fails with
// kInvalidArgument on malformed JSON or a non-object.
[[nodiscard]] Expected<Params> ParseParamsJson(std::string_view json);

// `key=value` arguments (`--param` of eval and simulate) as Vault's CLI sends
// them: strings; a repeated key becomes a list of its values. Fails with
// kInvalidArgument when an argument has no '=' or an empty name.
[[nodiscard]] Expected<Params> ParseKeyValueParams(const std::vector<std::string>& args);

// An entity object: {"id","name","metadata",{"aliases":[{"id","name",
// "mount_accessor","metadata","custom_metadata"}]},"groups":[{"id","name",
// "metadata","namespace"}]}. Fails with kInvalidArgument when malformed.
[[nodiscard]] Expected<Identity> ParseIdentityJson(std::string_view json);

// X-Vault-Wrap-TTL: integer seconds ("300") or a duration ("5m", "1h30m").
// Fails on anything else or a negative value.
[[nodiscard]] Expected<std::chrono::nanoseconds> ParseWrapTtl(std::string_view text);

// One decision as a JSON object: allowed, root_privs, capabilities (the
// sys/capabilities answer for the path), error (""), reason, granting_policies,
// decided_by {policy, pattern, file, line} when a rule decided, and
// "explanation" (text) when `explanation` is given. `sources` resolves file names
// and lines; it may be null.
std::string DecisionJson(const Acl& acl, const Request& request, const Result& result, const SourceSet* sources,
                         const Explanation* explanation);

// The same as human-readable text (the explanation replaces the short form).
std::string DecisionText(const Acl& acl, const Request& request, const Result& result, const SourceSet* sources,
                         const Explanation* explanation);

struct BatchOptions {
  Dialect default_dialect = Dialect::kVault;
  std::size_t cache_entries = 64;  // compiled ACLs kept for reuse across lines
};

class BatchEvaluator {
 public:
  explicit BatchEvaluator(BatchOptions options = {});
  ~BatchEvaluator();
  BatchEvaluator(const BatchEvaluator&) = delete;
  BatchEvaluator& operator=(const BatchEvaluator&) = delete;

  // Answers one input line (without its newline). Never throws: a malformed
  // line yields {"id": <id or null>, "allowed": false, "capabilities": [],
  // "error": "<problem>", ...}.
  std::string ProcessLine(std::string_view line);

  // Answers every line of `in` on `out`, in order, flushing after each.
  // Returns the number of lines answered.
  std::size_t Run(std::istream& in, std::ostream& out);

 private:
  struct Cache;
  BatchOptions options_;
  std::unique_ptr<Cache> cache_;
};

}  // namespace polcheck::evaluator
