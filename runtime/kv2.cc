// KV version 2 (RUNTIME-API.md §5.2): versions with cas, soft delete,
// undelete, destroy, metadata and listing. Version data is stored under a hash
// of the key path; metadata under the path itself so it can be listed.
#include <algorithm>
#include <array>
#include <mutex>
#include <shared_mutex>

#include <nlohmann/json.hpp>

#include "runtime/core.h"
#include "runtime/crypto.h"

namespace polcheck::runtime {
namespace {

using evaluator::Operation;
using nlohmann::json;

constexpr const char* kInvalidPathWarning =
    "Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. "
    "If using the Vault CLI, use 'vault kv get' for this operation.";

bool IsWrite(Operation op) { return op == Operation::kCreate || op == Operation::kUpdate; }

class Kv2Backend final : public Backend {
 public:
  Kv2Backend(Core& core, std::string mount) : core_(core), mount_(std::move(mount)) {}
  std::string type() const override { return "kv"; }

  std::optional<bool> Exists(const std::string& path) override {
    for (const char* prefix : {"data/", "metadata/"}) {
      if (path.starts_with(prefix)) {
        Expected<std::optional<json>> meta = LoadMeta(path.substr(std::string_view(prefix).size()));
        return meta && meta->has_value();
      }
    }
    return std::nullopt;
  }

  FieldList Fields(const std::string& path) const override {
    static constexpr std::array<Field, 2> kConfig = {{{"max_versions", FieldKind::kInt},
                                                      {"cas_required", FieldKind::kBool}}};
    static constexpr std::array<Field, 3> kMetadata = {{{"max_versions", FieldKind::kInt},
                                                        {"cas_required", FieldKind::kBool},
                                                        {"custom_metadata", FieldKind::kKvPairs}}};
    static constexpr std::array<Field, 1> kVersions = {{{"versions", FieldKind::kIntList}}};
    if (path == "config") {
      return kConfig;
    }
    if (path.starts_with("metadata/")) {
      return kMetadata;
    }
    for (const char* verb : {"delete/", "undelete/", "destroy/"}) {
      if (path.starts_with(verb)) {
        return kVersions;
      }
    }
    return {};  // data/: "data" and "options" are maps, read below
  }

  Response Handle(const LogicalRequest& req) override {
    // One writer at a time keeps versions and cas consistent; reads and lists
    // only load, so they share the lock (the load bench is all reads).
    const bool reads = req.operation == Operation::kRead || req.operation == Operation::kList;
    std::unique_lock<std::shared_mutex> write_lock(mu_, std::defer_lock);
    std::shared_lock<std::shared_mutex> read_lock(mu_, std::defer_lock);
    if (reads) {
      read_lock.lock();
    } else {
      write_lock.lock();
    }
    const std::string& p = req.path;
    if (p == "config") {
      return Config(req);
    }
    if (p.starts_with("data/") && p.size() > 5) {
      return Data(req, p.substr(5));
    }
    if (p.starts_with("metadata/")) {
      return Metadata(req, p.substr(9));
    }
    for (const char* verb : {"delete/", "undelete/", "destroy/"}) {
      if (p.starts_with(verb) && p.size() > std::string_view(verb).size()) {
        return IsWrite(req.operation) ? Versions(req, verb, p.substr(std::string_view(verb).size()))
                                      : Response::UnsupportedOperation();
      }
    }
    Response r;
    r.status = 404;
    r.raw_envelope = true;
    r.warnings.push_back(kInvalidPathWarning);
    return r;
  }

 private:
  std::string MetaKey(const std::string& path) const { return "kv/" + mount_ + "metadata/" + path; }
  std::string VersionKey(const std::string& path, std::int64_t version) const {
    return "kv/" + mount_ + "versions/" + crypto::Hex(crypto::Sha256(path)) + "/" + std::to_string(version);
  }

  Expected<std::optional<json>> LoadMeta(const std::string& path) {
    Expected<std::optional<std::string>> raw = core_.barrier().Get(MetaKey(path));
    if (!raw) {
      return Unexpected(raw.error());
    }
    return *raw ? std::optional<json>(json::parse(**raw)) : std::optional<json>();
  }

  json LoadConfig() {
    Expected<std::optional<std::string>> raw = core_.barrier().Get("kv/" + mount_ + "config");
    json config = {{"max_versions", 0}, {"cas_required", false}, {"delete_version_after", "0s"}};
    if (raw && *raw) {
      config.update(json::parse(**raw));
    }
    return config;
  }

  Response Config(const LogicalRequest& req) {
    if (req.operation == Operation::kRead) {
      return Response::Data(LoadConfig());
    }
    if (!IsWrite(req.operation)) {
      return Response::UnsupportedOperation();
    }
    json config = LoadConfig();
    const json& d = *req.data;
    if (d.contains("max_versions")) {
      config["max_versions"] = MaxVersions(d);
    }
    if (d.contains("cas_required")) {
      config["cas_required"] = d.value("cas_required", false);
    }
    Expected<void> put = core_.barrier().Put("kv/" + mount_ + "config", config.dump());
    return put ? Response::NoContent() : Response::FromError(put.error());
  }

  // The plugin keeps max_versions as a uint32: -1 is stored as 4294967295, as Vault does.
  static std::uint32_t MaxVersions(const json& d) {
    return static_cast<std::uint32_t>(d["max_versions"].get<std::int64_t>());
  }

  static json NewMeta(const std::string& now) {
    return {{"cas_required", false}, {"created_time", now}, {"current_version", 0},
            {"custom_metadata", nullptr}, {"delete_version_after", "0s"}, {"max_versions", 0},
            {"oldest_version", 0}, {"updated_time", now}, {"versions", json::object()}};
  }

  static json VersionMeta(const json& meta, std::int64_t version) {
    const json& v = meta["versions"][std::to_string(version)];
    return {{"created_time", v["created_time"]}, {"custom_metadata", meta["custom_metadata"]},
            {"deletion_time", v["deletion_time"]}, {"destroyed", v["destroyed"]}, {"version", version}};
  }

  Response Data(const LogicalRequest& req, const std::string& path) {
    switch (req.operation) {
      case Operation::kRead:
        return ReadData(req, path);
      case Operation::kCreate:
      case Operation::kUpdate:
      case Operation::kPatch:
        return WriteData(req, path);
      case Operation::kDelete:
        return SoftDeleteCurrent(path);
      case Operation::kList:
        return Response::UnsupportedOperation();
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

  Response ReadData(const LogicalRequest& req, const std::string& path) {
    Expected<std::optional<json>> meta = LoadMeta(path);
    if (!meta) {
      return Response::FromError(meta.error());
    }
    if (!*meta) {
      return Response::NotFound();
    }
    std::int64_t version = (**meta)["current_version"].get<std::int64_t>();
    if (req.data->contains("version")) {
      try {
        const std::int64_t asked = std::stoll(req.data->value("version", "0"));
        version = asked == 0 ? version : asked;
      } catch (const std::exception&) {
        return Response::Error(400, "invalid version");
      }
    }
    if (version == 0 || !(**meta)["versions"].contains(std::to_string(version))) {
      return Response::NotFound();
    }
    const json vmeta = VersionMeta(**meta, version);
    if (vmeta["destroyed"].get<bool>() || !vmeta["deletion_time"].get<std::string>().empty()) {
      Response r = Response::Data({{"data", nullptr}, {"metadata", vmeta}});
      r.status = 404;
      r.raw_envelope = true;
      return r;
    }
    Expected<std::optional<std::string>> raw = core_.barrier().Get(VersionKey(path, version));
    if (!raw) {
      return Response::FromError(raw.error());
    }
    if (!*raw) {
      return Response::NotFound();
    }
    return Response::Data({{"data", json::parse(**raw)}, {"metadata", vmeta}});
  }

  Response WriteData(const LogicalRequest& req, const std::string& path) {
    const json& d = *req.data;
    if (!d.contains("data") || !d["data"].is_object()) {
      return Response::Error(400, "no data provided");
    }
    Expected<std::optional<json>> loaded = LoadMeta(path);
    if (!loaded) {
      return Response::FromError(loaded.error());
    }
    const std::string now = Rfc3339Nano(core_.clock().NowNanos());
    json meta = *loaded ? **loaded : NewMeta(now);
    const std::int64_t current = meta["current_version"].get<std::int64_t>();
    json value = d["data"];
    if (req.operation == Operation::kPatch) {
      if (!*loaded || current == 0) {
        return Response::NotFound();
      }
      const json vmeta = VersionMeta(meta, current);
      Expected<std::optional<std::string>> raw = core_.barrier().Get(VersionKey(path, current));
      if (!raw || !*raw || vmeta["destroyed"].get<bool>() || !vmeta["deletion_time"].get<std::string>().empty()) {
        return Response::NotFound();
      }
      json merged = json::parse(**raw);
      merged.merge_patch(value);
      value = std::move(merged);
    }
    const json config = LoadConfig();
    const bool cas_required = config.value("cas_required", false) || meta.value("cas_required", false);
    json options = d.value("options", json::object());
    if (options.is_object() && options.contains("cas")) {
      // The KV plugin decodes options.cas weakly ("3" is 3) and refuses what does not convert.
      static constexpr std::array<Field, 1> kCas = {{{"cas", FieldKind::kInt}}};
      if (ConvertFields(options, kCas)) {
        return Response::Error(400, "error parsing check-and-set parameter");
      }
      const std::int64_t cas = options["cas"].is_null() ? 0 : options["cas"].get<std::int64_t>();  // nil decodes to 0
      if (cas != current) {
        return Response::Error(400, "check-and-set parameter did not match the current version");
      }
    } else if (cas_required) {
      return Response::Error(400, "check-and-set parameter required for this call");
    }
    const std::int64_t version = current + 1;
    if (Expected<void> put = core_.barrier().Put(VersionKey(path, version), value.dump()); !put) {
      return Response::FromError(put.error());
    }
    meta["versions"][std::to_string(version)] = {{"created_time", now}, {"deletion_time", ""}, {"destroyed", false}};
    meta["current_version"] = version;
    meta["updated_time"] = now;
    if (meta["oldest_version"].get<std::int64_t>() == 0) {
      meta["oldest_version"] = version;
    }
    if (Response bad = Prune(path, meta, config); bad.is_error) {
      return bad;
    }
    if (Expected<void> put = core_.barrier().Put(MetaKey(path), meta.dump()); !put) {
      return Response::FromError(put.error());
    }
    return Response::Data(VersionMeta(meta, version));
  }

  // Drops versions beyond max_versions (key setting, else mount setting, else 10).
  Response Prune(const std::string& path, json& meta, const json& config) {
    std::int64_t max = meta.value("max_versions", std::int64_t{0});
    if (max == 0) {
      max = config.value("max_versions", std::int64_t{0});
    }
    if (max == 0) {
      max = 10;
    }
    const std::int64_t current = meta["current_version"].get<std::int64_t>();
    for (std::int64_t v = meta["oldest_version"].get<std::int64_t>(); v > 0 && v <= current - max; ++v) {
      meta["versions"].erase(std::to_string(v));
      if (Expected<void> gone = core_.barrier().Delete(VersionKey(path, v)); !gone) {
        return Response::FromError(gone.error());
      }
      meta["oldest_version"] = v + 1;
    }
    return {};
  }

  Response SoftDeleteCurrent(const std::string& path) {
    Expected<std::optional<json>> meta = LoadMeta(path);
    if (!meta) {
      return Response::FromError(meta.error());
    }
    if (!*meta || (**meta)["current_version"].get<std::int64_t>() == 0) {
      return Response::NoContent();
    }
    return Mark(path, **meta, {(**meta)["current_version"].get<std::int64_t>()}, "delete/");
  }

  Response Versions(const LogicalRequest& req, const std::string& verb, const std::string& path) {
    std::vector<std::int64_t> versions;  // converted to [int] by the core (Fields)
    if (req.data->contains("versions")) {
      versions = (*req.data)["versions"].get<std::vector<std::int64_t>>();
    }
    if (versions.empty()) {
      return Response::Error(400, verb == "destroy/" ? "no version number provided" : "No version number provided");
    }
    Expected<std::optional<json>> meta = LoadMeta(path);
    if (!meta) {
      return Response::FromError(meta.error());
    }
    if (!*meta) {
      return Response::NoContent();
    }
    return Mark(path, **meta, versions, verb);
  }

  Response Mark(const std::string& path, json meta, const std::vector<std::int64_t>& versions,
                const std::string& verb) {
    const std::string now = Rfc3339Nano(core_.clock().NowNanos());
    for (std::int64_t v : versions) {
      const std::string key = std::to_string(v);
      if (!meta["versions"].contains(key) || meta["versions"][key]["destroyed"].get<bool>()) {
        continue;
      }
      json& entry = meta["versions"][key];
      if (verb == "delete/") {
        if (entry["deletion_time"].get<std::string>().empty()) {
          entry["deletion_time"] = now;
        }
      } else if (verb == "undelete/") {
        entry["deletion_time"] = "";
      } else {
        entry["destroyed"] = true;
        if (Expected<void> gone = core_.barrier().Delete(VersionKey(path, v)); !gone) {
          return Response::FromError(gone.error());
        }
      }
    }
    Expected<void> put = core_.barrier().Put(MetaKey(path), meta.dump());
    return put ? Response::NoContent() : Response::FromError(put.error());
  }

  Response Metadata(const LogicalRequest& req, const std::string& path) {
    if (req.operation == Operation::kList) {
      Expected<std::vector<std::string>> keys = core_.barrier().List(MetaKey(path));
      if (!keys) {
        return Response::FromError(keys.error());
      }
      if (keys->empty()) {
        return Response::NotFound();
      }
      return Response::Data({{"keys", *keys}});
    }
    if (path.empty()) {
      return Response::UnsupportedOperation();
    }
    Expected<std::optional<json>> meta = LoadMeta(path);
    if (!meta) {
      return Response::FromError(meta.error());
    }
    if (req.operation == Operation::kRead) {
      if (!*meta) {
        return Response::NotFound();
      }
      json out = **meta;
      for (auto& [version, v] : out["versions"].items()) {
        (void)version;
        v = {{"created_time", v["created_time"]}, {"deletion_time", v["deletion_time"]}, {"destroyed", v["destroyed"]}};
      }
      return Response::Data(std::move(out));
    }
    if (req.operation == Operation::kDelete) {
      if (*meta) {
        for (const auto& [version, v] : (**meta)["versions"].items()) {
          (void)v;
          if (Expected<void> gone = core_.barrier().Delete(VersionKey(path, std::stoll(version))); !gone) {
            return Response::FromError(gone.error());
          }
        }
      }
      Expected<void> gone = core_.barrier().Delete(MetaKey(path));
      return gone ? Response::NoContent() : Response::FromError(gone.error());
    }
    if (!IsWrite(req.operation) && req.operation != Operation::kPatch) {
      return Response::UnsupportedOperation();
    }
    const std::string now = Rfc3339Nano(core_.clock().NowNanos());
    json m = *meta ? **meta : NewMeta(now);
    const json& d = *req.data;
    if (d.contains("max_versions")) {
      m["max_versions"] = MaxVersions(d);
    }
    if (d.contains("cas_required")) {
      m["cas_required"] = d.value("cas_required", false);
    }
    if (d.contains("custom_metadata")) {
      m["custom_metadata"] = d["custom_metadata"];
    }
    m["updated_time"] = now;
    Expected<void> put = core_.barrier().Put(MetaKey(path), m.dump());
    return put ? Response::NoContent() : Response::FromError(put.error());
  }

  Core& core_;
  std::string mount_;
  std::shared_mutex mu_;
};

}  // namespace

std::shared_ptr<Backend> MakeKv2Backend(Core& core, const std::string& mount) {
  return std::make_shared<Kv2Backend>(core, mount);
}

}  // namespace polcheck::runtime
