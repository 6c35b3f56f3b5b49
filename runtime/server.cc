// HTTP/1.1 transport on Boost.Beast/Asio. Beast, unlike Debian's cpp-httplib
// 0.11.4, accepts any method token, so Vault's custom LIST verb reaches the core.
#include "runtime/server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <condition_variable>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/audit.h"
#include "runtime/core.h"
#include "runtime/policies.h"

namespace polcheck::runtime {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::string BearerOrToken(const http::request<http::string_body>& req) {
  if (auto it = req.find("X-Vault-Token"); it != req.end() && !it->value().empty()) {
    return std::string(it->value());
  }
  if (auto it = req.find(http::field::authorization); it != req.end()) {
    const std::string_view v(it->value().data(), it->value().size());
    if (v.starts_with("Bearer ")) {
      return std::string(v.substr(7));
    }
  }
  return "";
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Core& core, std::size_t limit) : stream_(std::move(socket)), core_(core), limit_(limit) {
    beast::error_code ec;
    const tcp::endpoint peer = stream_.socket().remote_endpoint(ec);
    if (!ec) {
      remote_address_ = peer.address().to_string();
      remote_port_ = peer.port();
    }
  }

  void Start() { Read(); }

 private:
  void Read() {
    parser_.emplace();
    parser_->body_limit(limit_);
    stream_.expires_after(std::chrono::seconds(60));
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      HttpResponse too_big{413, R"({"errors":["http: request body too large"]})"};
      Write(too_big, 11, false);
      return;
    }
    if (ec) {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      return;
    }
    const http::request<http::string_body>& req = parser_->get();
    HttpRequest request{.method = std::string(req.method_string()),
                        .target = std::string(req.target()),
                        .token = BearerOrToken(req),
                        .content_type = std::string(req[http::field::content_type]),
                        .body = req.body(),
                        .wrap_ttl = std::string(req["X-Vault-Wrap-TTL"]),
                        .name_space = std::string(req["X-Vault-Namespace"]),
                        .remote_address = remote_address_,
                        .remote_port = remote_port_};
    HttpResponse out;
    try {
      out = core_.Handle(request);
    } catch (const std::exception&) {
      // A bug, but one request must never take the server down.
      out = {500, R"({"errors":["1 error occurred:\n\t* internal error\n\n"]})"};
    }
    Write(out, req.version(), req.keep_alive());
  }

  void Write(const HttpResponse& out, unsigned version, bool keep_alive) {
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(out.status), version);
    res->set(http::field::content_type, "application/json");
    res->set(http::field::cache_control, "no-store");
    res->keep_alive(keep_alive);
    res->body() = out.body;
    res->prepare_payload();
    http::async_write(stream_, *res, [self = shared_from_this(), res, keep_alive](beast::error_code ec, std::size_t) {
      if (!ec && keep_alive) {
        self->Read();
        return;
      }
      beast::error_code ignored;
      self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  Core& core_;
  std::size_t limit_;
  std::string remote_address_;
  int remote_port_ = 0;
};

}  // namespace

struct Server::Impl {
  ServerOptions options;
  std::unique_ptr<Core> core;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::vector<std::thread> threads;
  std::mutex mu;
  std::condition_variable stopped_cv;
  bool stopped = false;

  void Accept() {
    acceptor.async_accept(asio::make_strand(io), [this](beast::error_code ec, tcp::socket socket) {
      if (ec) {
        return;  // closed by Stop()
      }
      std::make_shared<Session>(std::move(socket), *core, options.max_request_bytes)->Start();
      Accept();
    });
  }
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { Stop(); }

Expected<std::unique_ptr<Server>> Server::Start(ServerOptions options) {
  auto impl = std::make_unique<Impl>();
  if (!options.storage) {
    options.storage = MakeMemoryStorage();
  }
  if (!options.clock) {
    options.clock = std::make_shared<SystemClock>();
  }
  impl->core = std::make_unique<Core>(options.storage, options.clock, options.dialect, options.sql_executor);
  impl->core->StartExpiryManager(std::chrono::seconds(1));  // revokes expired tokens and leases
  impl->core->set_init_mounts(options.init_kv_mounts);
  beast::error_code ec;
  const asio::ip::address address = asio::ip::make_address(options.host, ec);
  if (ec) {
    return Unexpected(Error::Code::kInvalidArgument, "invalid listen address \"" + options.host + "\"");
  }
  const tcp::endpoint endpoint(address, options.port);
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) {
    impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  }
  if (!ec) {
    impl->acceptor.bind(endpoint, ec);
  }
  if (!ec) {
    impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    return Unexpected(Error::Code::kIo, "cannot listen on " + options.host + ":" + std::to_string(options.port) +
                                            ": " + ec.message());
  }
  impl->options = std::move(options);
  impl->Accept();
  for (int i = 0; i < std::max(1, impl->options.threads); ++i) {
    impl->threads.emplace_back([io = &impl->io] { io->run(); });
  }
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Expected<DevSetup> Server::SetUpDev(const std::string& root_token_id) {
  Expected<std::pair<std::string, std::string>> dev = impl_->core->SetUpDev(root_token_id);
  if (!dev) {
    return Unexpected(dev.error());
  }
  return DevSetup{dev->first, dev->second};
}

Expected<void> Server::PutPolicy(const std::string& raw_name, const std::string& text) {
  const std::string name = PolicyStore::NormalizeName(raw_name);
  if (name == "root" || name == "response-wrapping") {
    return Unexpected(Error::Code::kInvalidArgument, "cannot update \"" + name + "\" policy");
  }
  if (std::string error = impl_->core->policies().Validate(name, text); !error.empty()) {
    return Unexpected(Error::Code::kInvalidArgument, error);
  }
  return impl_->core->policies().Put(name, text);
}

Expected<void> Server::MountKv(const std::string& path, const std::string& version) {
  const std::string mount_path = path.ends_with("/") ? path : path + "/";
  Core& core = *impl_->core;
  if (std::optional<MountEntry> existing = core.MountOf(mount_path); existing && existing->path == mount_path) {
    const auto v = existing->options.find("version");
    const std::string existing_version = v == existing->options.end() ? "1" : v->second;
    if (existing->type == "kv" && existing_version == version) {
      return {};  // already served as asked (dev mode mounts KV v2 at secret/)
    }
    // The workspace decides what is mounted here; startup mounts hold no data yet.
    if (Expected<void> gone = core.DisableMount(mount_path, /*auth=*/false); !gone) {
      return gone;
    }
  }
  return core.Mount(mount_path, "kv", version);
}

Expected<void> Server::EnableFileAudit(const std::string& file_path) {
  return impl_->core->audit().Enable("file", nlohmann::json{{"type", "file"}, {"options", {{"file_path", file_path}}}});
}

Expected<void> Server::EnableAuth(const std::string& path, const std::string& type, const std::string& accessor) {
  return impl_->core->EnableMount(MountEntry{.path = "auth/" + path, .type = type, .accessor = accessor, .auth = true});
}

Server::ApiReply Server::Call(const std::string& method, const std::string& path, const std::string& token,
                              const std::string& json_body) {
  HttpRequest request{.method = method,
                      .target = "/v1/" + path,
                      .token = token,
                      .content_type = json_body.empty() ? "" : "application/json",
                      .body = json_body,
                      .remote_address = "127.0.0.1"};
  HttpResponse out;
  try {
    out = impl_->core->Handle(request);
  } catch (const std::exception&) {
    out = {500, R"({"errors":["1 error occurred:\n\t* internal error\n\n"]})"};
  }
  return {out.status, std::move(out.body)};
}

std::uint16_t Server::port() const { return impl_->acceptor.local_endpoint().port(); }

std::string Server::address() const { return "http://" + impl_->options.host + ":" + std::to_string(port()); }

void Server::Stop() {
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->stopped) {
      return;
    }
    impl_->stopped = true;
  }
  asio::post(impl_->io, [impl = impl_.get()] {
    beast::error_code ignored;
    impl->acceptor.close(ignored);
  });
  impl_->io.stop();
  for (std::thread& t : impl_->threads) {
    t.join();
  }
  impl_->stopped_cv.notify_all();
}

void Server::Wait() {
  std::unique_lock lock(impl_->mu);
  impl_->stopped_cv.wait(lock, [this] { return impl_->stopped; });
}

}  // namespace polcheck::runtime
