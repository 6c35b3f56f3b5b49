#include "evaluator/timing.h"

#include <sys/resource.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "evaluator/batch.h"

namespace polcheck::evaluator {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

double ElapsedNs(Clock::time_point start) {
  return std::chrono::duration<double, std::nano>(Clock::now() - start).count();
}

Expected<OwnedRequest> ParseRequestLine(std::string_view text) {
  json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Unexpected(Error::Code::kInvalidArgument, "not a JSON object");
  }
  if (!j.contains("path") || !j["path"].is_string() || !j.contains("operation") || !j["operation"].is_string()) {
    return Unexpected(Error::Code::kInvalidArgument, "path and operation must be strings");
  }
  OwnedRequest r;
  r.path = j["path"].get<std::string>();
  const std::optional<Operation> op = ParseOperation(j["operation"].get<std::string>());
  if (!op) {
    return Unexpected(Error::Code::kInvalidArgument, "unknown operation");
  }
  r.operation = *op;
  if (j.contains("params") && !j["params"].is_null()) {
    Expected<Params> params = ParseParamsJson(j["params"].dump());
    if (!params) {
      return Unexpected(params.error());
    }
    r.params = std::move(*params);
  }
  if (j.contains("wrap_ttl") && !j["wrap_ttl"].is_null()) {
    const std::string ttl = j["wrap_ttl"].is_string() ? j["wrap_ttl"].get<std::string>() : j["wrap_ttl"].dump();
    Expected<std::chrono::nanoseconds> parsed = ParseWrapTtl(ttl);
    if (!parsed) {
      return Unexpected(parsed.error());
    }
    r.wrap_ttl = *parsed;
  }
  return r;
}

json ValueJson(const parser::Value& v) {
  switch (v.kind()) {
    case parser::Value::Kind::kNull:
      return nullptr;
    case parser::Value::Kind::kString:
      return v.str();
    case parser::Value::Kind::kNumber:
      return json::parse(v.str(), nullptr, false);
    case parser::Value::Kind::kInt:
      return v.int_value();
    case parser::Value::Kind::kFloat:
      return v.float_value();
    case parser::Value::Kind::kBool:
      return v.bool_value();
    case parser::Value::Kind::kList: {
      json out = json::array();
      for (const parser::Value& e : v.list()) {
        out.push_back(ValueJson(e));
      }
      return out;
    }
    case parser::Value::Kind::kObject: {
      json out = json::object();
      for (const auto& [k, e] : v.object()) {
        out[k] = ValueJson(e);
      }
      return out;
    }
  }
  return nullptr;
}

}  // namespace

Expected<std::vector<OwnedRequest>> ParseRequestLines(std::string_view text) {
  std::vector<OwnedRequest> out;
  std::size_t line_no = 0;
  for (std::size_t start = 0; start < text.size();) {
    const std::size_t nl = text.find('\n', start);
    std::string_view line = text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    start = nl == std::string_view::npos ? text.size() : nl + 1;
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) {
      continue;
    }
    Expected<OwnedRequest> r = ParseRequestLine(line);
    if (!r) {
      return Unexpected(Error::Code::kInvalidArgument,
                        "requests line " + std::to_string(line_no) + ": " + r.error().message);
    }
    out.push_back(std::move(*r));
  }
  return out;
}

std::vector<Request> PackRequests(const std::vector<OwnedRequest>& requests, std::string& arena) {
  arena.clear();
  std::size_t bytes = 0;
  for (const OwnedRequest& r : requests) {
    bytes += r.path.size();
  }
  arena.reserve(bytes);
  std::vector<Request> out;
  out.reserve(requests.size());
  for (const OwnedRequest& r : requests) {
    Request view = r.view();
    arena += r.path;
    out.push_back(view);
  }
  std::size_t offset = 0;
  for (Request& view : out) {
    const std::size_t size = view.path.size();
    view.path = std::string_view(arena).substr(offset, size);
    offset += size;
  }
  return out;
}

std::string RequestLinesJson(const std::vector<OwnedRequest>& requests) {
  std::string out;
  for (const OwnedRequest& r : requests) {
    json j;
    j["path"] = r.path;
    j["operation"] = std::string(OperationName(r.operation));
    if (r.params) {
      j["params"] = ValueJson(parser::Value::MakeObject(*r.params));
    }
    out += j.dump() + "\n";
  }
  return out;
}

double PeakRssMb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux reports KiB
}

Expected<EvalBenchmarkResult> RunEvalBenchmark(std::span<const parser::Policy* const> policies,
                                               const std::vector<OwnedRequest>& requests,
                                               const EvalBenchmarkOptions& options) {
  const int reps = std::max(1, options.reps);
  std::vector<double> build_ms;
  std::optional<Acl> acl;
  for (int i = 0; i < reps; ++i) {
    const Clock::time_point start = Clock::now();
    Expected<Acl> built = Acl::Build(policies, options.acl);
    build_ms.push_back(ElapsedNs(start) / 1e6);
    if (!built) {
      return Unexpected(built.error());
    }
    acl.emplace(std::move(*built));
  }
  std::string arena;
  const std::vector<Request> views = PackRequests(requests, arena);
  EvalBenchmarkResult result;
  result.checks = requests.size();
  result.rules = acl->rule_count();
  result.build_ms = Median(build_ms);
  result.acl_mb = static_cast<double>(acl->MemoryUsage()) / (1024.0 * 1024.0);
  std::vector<double> check_ns;
  std::vector<double> caps_ns;
  const double n = std::max<double>(1, static_cast<double>(views.size()));
  for (int i = 0; i < reps; ++i) {
    std::size_t allowed = 0;
    Clock::time_point start = Clock::now();
    for (const Request& r : views) {
      allowed += acl->Check(r).allowed ? 1 : 0;
    }
    check_ns.push_back(ElapsedNs(start) / n);
    result.allowed = allowed;
    std::size_t names = 0;
    start = Clock::now();
    for (const Request& r : views) {
      names += acl->Capabilities(r.path).size();
    }
    caps_ns.push_back(ElapsedNs(start) / n);
    if (names == 0 && !views.empty()) {
      return Unexpected(Error::Code::kInternal, "Capabilities returned nothing");
    }
  }
  result.ns_per_check_min = *std::min_element(check_ns.begin(), check_ns.end());
  result.ns_per_check_median = Median(check_ns);
  result.ns_per_caps_median = Median(caps_ns);
  result.peak_rss_mb = PeakRssMb();
  return result;
}

std::string EvalBenchmarkJson(const EvalBenchmarkResult& r) {
  auto round2 = [](double v) { return static_cast<double>(static_cast<long long>(v * 100 + 0.5)) / 100; };
  nlohmann::ordered_json j;
  j["checks"] = r.checks;
  j["build_ms"] = round2(r.build_ms);
  j["ns_per_check_min"] = round2(r.ns_per_check_min);
  j["ns_per_check_median"] = round2(r.ns_per_check_median);
  j["ns_per_caps_median"] = round2(r.ns_per_caps_median);
  j["peak_rss_mb"] = round2(r.peak_rss_mb);
  j["rules"] = r.rules;
  j["allowed"] = r.allowed;
  j["acl_mb"] = round2(r.acl_mb);
  return j.dump();
}

}  // namespace polcheck::evaluator
