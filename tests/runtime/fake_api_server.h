// A stand-in kube-apiserver on 127.0.0.1 for the kubernetes auth method's tests:
// answers every TokenReview POST with what the test's `answer` returns.
#pragma once

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <utility>  // first: Boost.Asio 1.74 headers use std::exchange without including it

#include "runtime/crypto.h"

namespace polcheck::runtime::testing {

class FakeApiServer {
 public:
  using Answer = std::function<nlohmann::json(const nlohmann::json& review)>;
  explicit FakeApiServer(Answer answer) : answer_(std::move(answer)) {
    acceptor_.open(boost::asio::ip::tcp::v4());
    acceptor_.bind({boost::asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    thread_ = std::thread([this] { Serve(); });
  }
  ~FakeApiServer() {
    stop_ = true;
    boost::system::error_code ignored;
    boost::asio::ip::tcp::socket poke(io_);
    poke.connect(acceptor_.local_endpoint(), ignored);
    thread_.join();
  }
  std::string Host() const { return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()); }
  std::string LastBearer() {
    std::lock_guard lock(mu_);
    return last_bearer_;
  }
  int Calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }

 private:
  void Serve() {
    namespace http = boost::beast::http;
    while (!stop_) {
      boost::asio::ip::tcp::socket socket(io_);
      boost::system::error_code ec;
      acceptor_.accept(socket, ec);
      if (ec || stop_) {
        continue;
      }
      boost::beast::flat_buffer buffer;
      http::request<http::string_body> req;
      http::read(socket, buffer, req, ec);
      if (ec) {
        continue;
      }
      {
        std::lock_guard lock(mu_);
        ++calls_;
        last_bearer_ = std::string(req[http::field::authorization]);
      }
      http::response<http::string_body> res(http::status::created, 11);
      res.set(http::field::content_type, "application/json");
      res.body() = answer_(nlohmann::json::parse(req.body(), nullptr, false)).dump();
      res.prepare_payload();
      http::write(socket, res, ec);
    }
  }
  Answer answer_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_{io_};
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::string last_bearer_;
  int calls_ = 0;
  std::thread thread_;
};

// The claims of a compact JWT, unverified (the stand-in trusts what it is sent).
inline nlohmann::json UnverifiedClaims(const std::string& token) {
  std::string p = token.substr(token.find('.') + 1);
  p = p.substr(0, p.find('.'));
  for (char& c : p) {
    c = c == '-' ? '+' : c == '_' ? '/' : c;
  }
  while (p.size() % 4 != 0) {
    p.push_back('=');
  }
  std::optional<std::string> bytes = crypto::FromBase64(p);
  return nlohmann::json::parse(bytes ? *bytes : "", nullptr, false);
}

}  // namespace polcheck::runtime::testing
