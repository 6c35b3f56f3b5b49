// KV version 1 (RUNTIME-API.md §5.1): one JSON map per key, replaced whole on
// write; reads report the `ttl` key (or the mount default) as lease_duration.
#include <nlohmann/json.hpp>

#include "runtime/core.h"
#include "runtime/leases.h"
#include "runtime/tokens.h"

namespace polcheck::runtime {
namespace {

using evaluator::Operation;
using nlohmann::json;

class Kv1Backend final : public Backend {
 public:
  Kv1Backend(Core& core, MountEntry mount) : core_(core), mount_(std::move(mount)) {}
  std::string type() const override { return "kv"; }

  std::optional<bool> Exists(const std::string& path) override {
    if (path.empty() || path.ends_with("/")) {
      return std::nullopt;
    }
    Expected<std::optional<std::string>> raw = core_.barrier().Get(Key(path));
    return raw && raw->has_value();
  }

  Response Handle(const LogicalRequest& req) override {
    switch (req.operation) {
      case Operation::kRead:
        return Read(req.path);
      case Operation::kCreate:
      case Operation::kUpdate:
        return Write(req);
      case Operation::kDelete: {
        Expected<void> gone = core_.barrier().Delete(Key(req.path));
        return gone ? Response::NoContent() : Response::FromError(gone.error());
      }
      case Operation::kList:
        return List(req.path);
      case Operation::kPatch:
      case Operation::kHelp:
      case Operation::kScan:
      case Operation::kRecover:
      case Operation::kRevoke:
      case Operation::kRenew:
      case Operation::kRollback:
      case Operation::kSubscribe:
      case Operation::kHeader:
        return Response::UnsupportedOperation();
    }
    return Response::UnsupportedOperation();
  }

 private:
  std::string Key(const std::string& path) const { return mount_.StoragePrefix() + "data/" + path; }

  Response Read(const std::string& path) {
    Expected<std::optional<std::string>> raw = core_.barrier().Get(Key(path));
    if (!raw) {
      return Response::FromError(raw.error());
    }
    if (!*raw) {
      return Response::NotFound();
    }
    json data = json::parse(**raw);
    Response r = Response::Data(data);
    r.lease_duration = mount_.default_lease_ttl > 0 ? mount_.default_lease_ttl : kSystemMaxTtl;
    std::string error;
    if (std::optional<std::int64_t> ttl = DurationSeconds(data, "ttl", error); ttl && *ttl > 0) {
      r.lease_duration = *ttl;
    }
    return r;
  }

  Response Write(const LogicalRequest& req) {
    if (req.path.empty() || req.path.ends_with("/")) {
      return Response::UnsupportedPath();
    }
    if (req.data->empty()) {
      return Response::Error(400, "missing data fields");
    }
    std::string error;
    (void)DurationSeconds(*req.data, "ttl", error);
    if (!error.empty()) {
      return Response::Error(400, "failed to parse ttl: " + error);
    }
    Expected<void> put = core_.barrier().Put(Key(req.path), req.data->dump());
    return put ? Response::NoContent() : Response::FromError(put.error());
  }

  Response List(const std::string& prefix) {
    Expected<std::vector<std::string>> keys = core_.barrier().List(Key(prefix));
    if (!keys) {
      return Response::FromError(keys.error());
    }
    if (keys->empty()) {
      return Response::NotFound();
    }
    return Response::Data({{"keys", *keys}});
  }

  Core& core_;
  MountEntry mount_;
};

}  // namespace

std::shared_ptr<Backend> MakeKv1Backend(Core& core, const MountEntry& mount) {
  return std::make_shared<Kv1Backend>(core, mount);
}

}  // namespace polcheck::runtime
