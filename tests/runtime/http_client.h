// A blocking HTTP/1.1 client for the runtime tests (one connection per request,
// Boost.Beast), with the few Vault headers the tests need.
#pragma once

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace polcheck::runtime::testing {

struct Reply {
  int status = 0;  // -1: the connection failed
  std::string body;
  nlohmann::json Json() const { return nlohmann::json::parse(body, nullptr, false); }
  std::vector<std::string> Errors() const {
    const nlohmann::json j = Json();
    return j.is_object() ? j.value("errors", std::vector<std::string>{}) : std::vector<std::string>{};
  }
};

class Client {
 public:
  explicit Client(std::uint16_t port, std::string host = "127.0.0.1") : port_(port), host_(std::move(host)) {}
  std::string token;
  std::map<std::string, std::string> headers;  // sent with every request

  Reply Send(const std::string& method, const std::string& target, const std::string& body = "",
             const std::map<std::string, std::string>& extra = {}) const {
    namespace beast = boost::beast;
    namespace http = beast::http;
    using tcp = boost::asio::ip::tcp;
    boost::asio::io_context io;
    tcp::socket socket(io);
    beast::error_code ec;
    socket.connect(tcp::endpoint(boost::asio::ip::make_address(host_), port_), ec);
    if (ec) {
      return {-1, ec.message()};
    }
    http::request<http::string_body> req;
    req.method_string(method);
    req.target(target);
    req.version(11);
    req.set(http::field::host, host_);
    if (!token.empty()) {
      req.set("X-Vault-Token", token);
    }
    for (const auto& [name, value] : headers) {
      req.set(name, value);
    }
    for (const auto& [name, value] : extra) {
      req.set(name, value);
    }
    req.body() = body;
    req.prepare_payload();
    beast::error_code write_error;  // the server may answer 413 and close before the body is sent
    http::write(socket, req, write_error);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64u << 20);
    http::read(socket, buffer, parser, ec);
    if (ec) {
      return {-1, ec.message()};
    }
    return {static_cast<int>(parser.get().result_int()), parser.get().body()};
  }
  Reply Get(const std::string& path) const { return Send("GET", "/v1/" + path); }
  Reply List(const std::string& path) const { return Send("LIST", "/v1/" + path); }
  Reply Post(const std::string& path, const nlohmann::json& body,
             const std::map<std::string, std::string>& extra = {}) const {
    return Send("POST", "/v1/" + path, body.dump(), extra);
  }
  Reply Delete(const std::string& path) const { return Send("DELETE", "/v1/" + path); }

 private:
  std::uint16_t port_;
  std::string host_;
};

}  // namespace polcheck::runtime::testing
