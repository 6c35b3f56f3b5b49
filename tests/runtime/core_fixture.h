// Drives runtime::Core::Handle directly (no sockets) with HTTP-shaped requests,
// MemoryStorage and a FakeClock; dev mode with root token "root".
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "runtime/core.h"
#include "runtime/storage.h"

namespace polcheck::runtime::testing {

struct Reply {
  int status = 0;
  nlohmann::json body;  // null for 204
  std::string Error() const {
    return body.is_object() && body.contains("errors") && !body["errors"].empty()
               ? body["errors"][0].get<std::string>()
               : "";
  }
};

inline const std::string kDenied = "1 error occurred:\n\t* permission denied\n\n";

class CoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage_ = MakeMemoryStorage();
    clock_ = std::make_shared<FakeClock>(1'700'000'000);
    core_ = std::make_unique<Core>(storage_, clock_, Dialect::kVault);
    auto dev = core_->SetUpDev("root");
    ASSERT_TRUE(dev) << dev.error().message;
    unseal_key_ = dev->first;
  }

  // A new Core over the same storage, unsealed with the dev key (a server restart).
  void Restart() {
    core_.reset();
    core_ = std::make_unique<Core>(storage_, clock_, Dialect::kVault);
    Reply unsealed = Send("POST", "sys/unseal", {{"key", unseal_key_}}, "");
    ASSERT_EQ(unsealed.status, 200) << unsealed.body.dump();
    ASSERT_EQ(unsealed.body["sealed"], false);
  }

  Reply Send(const std::string& method, const std::string& path, const nlohmann::json& body = nullptr,
             const std::string& token = "root", const std::string& remote = "127.0.0.1") {
    HttpRequest request{.method = method,
                        .target = "/v1/" + path,
                        .token = token,
                        .body = body.is_null() ? "" : body.dump(),
                        .remote_address = remote};
    HttpResponse out = core_->Handle(request);
    Reply reply{.status = out.status};
    if (!out.body.empty()) {
      reply.body = nlohmann::json::parse(out.body, nullptr, false);
    }
    return reply;
  }
  Reply Get(const std::string& path, const std::string& token = "root") {
    return Send("GET", path, nullptr, token);
  }
  Reply List(const std::string& path, const std::string& token = "root") {
    return Send("LIST", path, nullptr, token);
  }
  Reply Post(const std::string& path, const nlohmann::json& body, const std::string& token = "root") {
    return Send("POST", path, body, token);
  }
  Reply Delete(const std::string& path, const std::string& token = "root") {
    return Send("DELETE", path, nullptr, token);
  }
  void Advance(std::int64_t seconds) { clock_->Advance(std::chrono::seconds(seconds)); }

  // A token with exactly `policies` (no default), created by root.
  std::string TokenWith(const std::vector<std::string>& policies,
                        nlohmann::json extra = nlohmann::json::object()) {
    extra["policies"] = policies;
    extra["no_default_policy"] = true;
    Reply r = Post("auth/token/create", extra);
    EXPECT_EQ(r.status, 200) << r.body.dump();
    return r.body["auth"]["client_token"];
  }
  void PutPolicy(const std::string& name, const std::string& text) {
    Reply r = Post("sys/policies/acl/" + name, {{"policy", text}});
    ASSERT_EQ(r.status, 204) << r.body.dump();
  }
  // Every raw value in storage, concatenated (for "no plaintext at rest" checks).
  std::string AllStoredBytes() {
    std::string out;
    std::vector<std::string> folders = {""};
    while (!folders.empty()) {
      std::string folder = folders.back();
      folders.pop_back();
      Expected<std::vector<std::string>> keys = storage_->List(folder);
      EXPECT_TRUE(keys);
      for (const std::string& key : keys ? *keys : std::vector<std::string>{}) {
        if (key.ends_with("/")) {
          folders.push_back(folder + key);
        } else {
          out += folder + key + "=" + storage_->Get(folder + key)->value_or("") + "\n";
        }
      }
    }
    return out;
  }

  std::shared_ptr<Storage> storage_;
  std::shared_ptr<FakeClock> clock_;
  std::unique_ptr<Core> core_;
  std::string unseal_key_;
};

}  // namespace polcheck::runtime::testing
