// Response wrapping (RUNTIME-API.md §6, SEMANTICS.md §6.5): the response a
// request would have received is kept, encrypted by the barrier, under the hash
// of a new single-use token with the `response-wrapping` policy; only that
// token's wrap_info is returned. sys/wrapping/unwrap hands the stored response
// back once.
#include <nlohmann/json.hpp>

#include "runtime/core.h"
#include "runtime/tokens.h"

namespace polcheck::runtime {
namespace {

using evaluator::Operation;
using nlohmann::json;

constexpr const char* kInvalid = "wrapping token is not valid or does not exist";

std::string RecordKey(const std::string& token_hash) { return "wrapping/" + token_hash; }

struct Wrapped {
  TokenEntry token;
  json record;  // {creation_path, creation_time, creation_ttl, response}
};

// The wrapping token named by the request: body `token`, else the calling token.
// nullopt (and `error` set) when there is none or it holds no wrapped response.
std::optional<Wrapped> FindWrapped(Core& core, const LogicalRequest& req, Response& error) {
  const json& d = *req.data;
  std::optional<TokenEntry> token;
  if (d.contains("token") && d["token"].is_string() && !d["token"].get_ref<const std::string&>().empty()) {
    Expected<std::optional<TokenEntry>> found = core.tokens().Lookup(d["token"].get<std::string>());
    if (!found) {
      error = Response::FromError(found.error());
      return std::nullopt;
    }
    token = *found;
  } else if (req.token != nullptr) {
    token = *req.token;
  }
  if (!token) {
    error = Response::Error(400, kInvalid);
    return std::nullopt;
  }
  Expected<std::optional<std::string>> raw = core.barrier().Get(RecordKey(token->hash));
  if (!raw) {
    error = Response::FromError(raw.error());
    return std::nullopt;
  }
  if (!*raw) {
    error = Response::Error(400, kInvalid);
    return std::nullopt;
  }
  return Wrapped{*std::move(token), json::parse(**raw)};
}

// Deletes the stored response and revokes its token: a wrapping token works once.
Expected<void> Consume(Core& core, const Wrapped& wrapped) {
  if (Expected<void> gone = core.barrier().Delete(RecordKey(wrapped.token.hash)); !gone) {
    return gone;
  }
  return core.tokens().Revoke(wrapped.token.hash);
}

Response Unwrap(Core& core, const LogicalRequest& req) {
  Response error;
  std::optional<Wrapped> wrapped = FindWrapped(core, req, error);
  if (!wrapped) {
    return error;
  }
  if (Expected<void> consumed = Consume(core, *wrapped); !consumed) {
    return Response::FromError(consumed.error());
  }
  Response r;
  r.status = 200;
  r.raw_body = wrapped->record.value("response", "");
  return r;
}

Response Lookup(Core& core, const LogicalRequest& req) {
  const json& d = *req.data;
  if (!d.contains("token") || !d["token"].is_string() || d["token"].get_ref<const std::string&>().empty()) {
    return Response::Error(400, "missing \"token\" value in input");
  }
  Response error;
  LogicalRequest by_body = req;
  by_body.token = nullptr;
  std::optional<Wrapped> wrapped = FindWrapped(core, by_body, error);
  if (!wrapped) {
    return error;
  }
  const json& rec = wrapped->record;
  return Response::Data({{"creation_path", rec["creation_path"]},
                         {"creation_time", rec["creation_time"]},
                         {"creation_ttl", rec["creation_ttl"]}});
}

Response Rewrap(Core& core, const LogicalRequest& req) {
  Response error;
  std::optional<Wrapped> wrapped = FindWrapped(core, req, error);
  if (!wrapped) {
    return error;
  }
  const json response = json::parse(wrapped->record.value("response", "null"), nullptr, false);
  Response fresh = WrapResponse(core, response, wrapped->record.value("creation_ttl", std::int64_t{0}),
                                wrapped->record.value("creation_path", ""));
  if (fresh.is_error) {
    return fresh;
  }
  if (Expected<void> consumed = Consume(core, *wrapped); !consumed) {
    return Response::FromError(consumed.error());
  }
  return fresh;
}

}  // namespace

Response WrapResponse(Core& core, const json& envelope, std::int64_t ttl_seconds, const std::string& creation_path) {
  const std::int64_t now_nanos = core.clock().NowNanos();
  TokenEntry entry;
  entry.policies = {"response-wrapping"};
  entry.path = creation_path;
  entry.creation_time = now_nanos / 1'000'000'000;
  entry.creation_ttl = ttl_seconds;
  entry.expire_time = entry.creation_time + ttl_seconds;
  entry.explicit_max_ttl = ttl_seconds;
  entry.num_uses = 1;
  entry.orphan = true;
  entry.renewable = false;
  Expected<CreatedToken> token = core.tokens().Create(entry, "");
  if (!token) {
    return Response::FromError(token.error());
  }
  const std::string created = Rfc3339Nano(now_nanos);
  const json record = {{"creation_path", creation_path},
                       {"creation_time", created},
                       {"creation_ttl", ttl_seconds},
                       {"response", envelope.dump(-1, ' ', false, json::error_handler_t::replace)}};
  if (Expected<void> put = core.barrier().Put(RecordKey(token->entry.hash), record.dump()); !put) {
    return Response::FromError(put.error());
  }
  json info = {{"token", token->id},
               {"accessor", token->entry.accessor},
               {"ttl", ttl_seconds},
               {"creation_time", created},
               {"creation_path", creation_path}};
  if (envelope.contains("auth") && envelope["auth"].is_object() && envelope["auth"].contains("accessor")) {
    info["wrapped_accessor"] = envelope["auth"]["accessor"];
  }
  Response r;
  r.wrap_info = std::make_shared<const json>(std::move(info));
  return r;
}

Response HandleWrapping(Core& core, const LogicalRequest& req) {
  const bool write = req.operation == Operation::kUpdate || req.operation == Operation::kCreate;
  if (!write) {
    return Response::UnsupportedOperation();
  }
  if (req.path == "wrapping/wrap") {
    if (req.wrap_ttl <= 0) {
      return Response::Error(400, "endpoint requires response wrapping to be used");
    }
    return Response::Data(*req.data);
  }
  if (req.path == "wrapping/unwrap") {
    return Unwrap(core, req);
  }
  if (req.path == "wrapping/lookup") {
    return Lookup(core, req);
  }
  if (req.path == "wrapping/rewrap") {
    return Rewrap(core, req);
  }
  return Response::UnsupportedPath();
}

}  // namespace polcheck::runtime
