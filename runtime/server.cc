// HTTP/1.1 transport on Boost.Beast/Asio, plain or TLS (OpenSSL). Beast, unlike
// Debian's cpp-httplib 0.11.4, accepts any method token, so Vault's custom LIST
// verb reaches the core.
#include "runtime/server.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>
#include <vector>

#include "runtime/audit.h"
#include "runtime/core.h"
#include "runtime/policies.h"

namespace polcheck::runtime {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

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

// One connection: TLS handshake (TlsStream only), then request/response until
// the client or an error ends it.
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

 public:
  Session(tcp::socket socket, Core& core, std::size_t limit, ssl::context* tls)
      : stream_(MakeStream(std::move(socket), tls)), core_(core), limit_(limit) {
    beast::error_code ec;
    const tcp::endpoint peer = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
    if (!ec) {
      remote_address_ = peer.address().to_string();
      remote_port_ = peer.port();
    }
  }

  void Start() {
    if constexpr (kTls) {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(30));
      stream_.async_handshake(
          ssl::stream_base::server, [self = this->shared_from_this()](beast::error_code ec) {
            if (ec) {
              self->Close();  // not TLS, an untrusted client certificate, a version below tls_min_version
              return;
            }
            self->Read();
          });
    } else {
      Read();
    }
  }

 private:
  static Stream MakeStream(tcp::socket socket, ssl::context* tls) {
    if constexpr (kTls) {
      return Stream(std::move(socket), *tls);
    } else {
      return Stream(std::move(socket));
    }
  }

  void Read() {
    parser_.emplace();
    parser_->body_limit(limit_);
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(60));
    http::async_read(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->OnRead(ec); });
  }

  void Close() {
    if constexpr (kTls) {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {
        beast::error_code ignored;
        beast::get_lowest_layer(self->stream_).socket().shutdown(tcp::socket::shutdown_send, ignored);
      });
    } else {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    }
  }

  void OnRead(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      HttpResponse too_big{413, R"({"errors":["http: request body too large"]})"};
      Write(too_big, 11, false);
      return;
    }
    if (ec) {
      Close();
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
    http::async_write(stream_, *res,
                      [self = this->shared_from_this(), res, keep_alive](beast::error_code ec, std::size_t) {
                        if (!ec && keep_alive) {
                          self->Read();
                          return;
                        }
                        self->Close();
                      });
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  Core& core_;
  std::size_t limit_;
  std::string remote_address_;
  int remote_port_ = 0;
};

std::string OsError(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    return "open " + path + ": " + std::strerror(errno);
  }
  std::fclose(f);
  return "";
}

// The last OpenSSL error as text, or `fallback`.
std::string OpenSslError(const std::string& fallback) {
  const unsigned long code = ERR_peek_last_error();
  ERR_clear_error();
  if (code == 0) {
    return fallback;
  }
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return fallback + " (" + text + ")";
}

// The server context: TLS 1.2+ (or 1.3 only), the chain and key of the listener.
Expected<std::unique_ptr<ssl::context>> MakeTlsContext(const ServerOptions& options) {
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return Unexpected(Error::Code::kInvalidArgument, options.tls_cert_file.empty()
                                                         ? "'tls_cert_file' must be set"
                                                         : "'tls_key_file' must be set");
  }
  if (options.tls_min_version != "tls12" && options.tls_min_version != "tls13") {
    return Unexpected(Error::Code::kInvalidArgument,
                      "'tls_min_version' value \"" + options.tls_min_version +
                          "\" not supported, please specify one of [tls12,tls13]");
  }
  for (const std::string& problem :
       {CheckTlsCertFile(options.tls_cert_file), CheckTlsKeyFile(options.tls_key_file),
        CheckTlsKeyPair(options.tls_cert_file, options.tls_key_file)}) {
    if (!problem.empty()) {
      return Unexpected(Error::Code::kInvalidArgument, problem);
    }
  }
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
  SSL_CTX_set_min_proto_version(ctx->native_handle(),
                                options.tls_min_version == "tls13" ? TLS1_3_VERSION : TLS1_2_VERSION);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_compression);
  beast::error_code ec;
  ctx->use_certificate_chain_file(options.tls_cert_file, ec);
  if (!ec) {
    ctx->use_private_key_file(options.tls_key_file, ssl::context::pem, ec);
  }
  if (ec || SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    return Unexpected(Error::Code::kInvalidArgument,
                      OpenSslError("cannot load the TLS certificate and key (" + options.tls_cert_file +
                                   ", " + options.tls_key_file + ")"));
  }
  return ctx;
}

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using Bio = std::unique_ptr<BIO, BioFree>;

}  // namespace

std::string CheckTlsCertFile(const std::string& path) {
  if (std::string os = OsError(path); !os.empty()) {
    return os;
  }
  Bio bio(BIO_new_file(path.c_str(), "rb"));
  X509* cert = bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr;
  ERR_clear_error();
  if (cert == nullptr) {
    return "tls: failed to find any PEM data in certificate input (" + path + ")";
  }
  X509_free(cert);
  return "";
}

std::string CheckTlsKeyFile(const std::string& path) {
  if (std::string os = OsError(path); !os.empty()) {
    return os;
  }
  Bio bio(BIO_new_file(path.c_str(), "rb"));
  EVP_PKEY* key = bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr;
  ERR_clear_error();
  if (key == nullptr) {
    return "tls: failed to find any PEM data in key input (" + path + ")";
  }
  EVP_PKEY_free(key);
  return "";
}

std::string CheckTlsKeyPair(const std::string& cert_path, const std::string& key_path) {
  Bio cert_bio(BIO_new_file(cert_path.c_str(), "rb"));
  Bio key_bio(BIO_new_file(key_path.c_str(), "rb"));
  X509* cert = cert_bio ? PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr) : nullptr;
  EVP_PKEY* key = key_bio ? PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr) : nullptr;
  const bool match = cert != nullptr && key != nullptr && X509_check_private_key(cert, key) == 1;
  X509_free(cert);
  EVP_PKEY_free(key);
  ERR_clear_error();
  return match ? "" : "tls: private key does not match public key";
}

struct Server::Impl {
  ServerOptions options;
  std::unique_ptr<Core> core;
  std::unique_ptr<ssl::context> tls;  // null: plain HTTP; outlives the sessions in `io`
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
      if (tls) {
        std::make_shared<Session<TlsStream>>(std::move(socket), *core, options.max_request_bytes, tls.get())
            ->Start();
      } else {
        std::make_shared<Session<PlainStream>>(std::move(socket), *core, options.max_request_bytes, nullptr)
            ->Start();
      }
      Accept();
    });
  }
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { Stop(); }

Expected<std::unique_ptr<Server>> Server::Start(ServerOptions options) {
  auto impl = std::make_unique<Impl>();
  if (!options.tls_cert_file.empty() || !options.tls_key_file.empty()) {
    Expected<std::unique_ptr<ssl::context>> tls = MakeTlsContext(options);
    if (!tls) {
      return Unexpected(tls.error());
    }
    impl->tls = *std::move(tls);
  }
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

std::string Server::address() const {
  const std::string& host = impl_->options.host;
  return (impl_->tls ? "https://" : "http://") +
         (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port());
}

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
