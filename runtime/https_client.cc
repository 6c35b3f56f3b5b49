// FetchUrl (https_client.h) on Boost.Beast/Asio and OpenSSL. Every step runs
// asynchronously on a private io_context bounded by one deadline, so a server
// that accepts and never answers costs `timeout`, not a hung login.
// clang-format off
#include <utility>  // first: Boost.Asio 1.74 headers use std::exchange without including it
// clang-format on
#include "runtime/https_client.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <memory>
#include <optional>
#include <vector>

namespace polcheck::runtime {
namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

struct Url {
  bool tls = false;
  std::string host;       // without brackets
  std::string port;       // "443"
  std::string authority;  // the Host header: as written in the URL
  std::string target;     // "/path?query"
};

std::optional<Url> ParseUrl(const std::string& text, std::string& error) {
  Url url;
  std::string_view rest = text;
  if (rest.starts_with("https://")) {
    url.tls = true;
    rest.remove_prefix(8);
  } else if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else {
    error = "unsupported protocol scheme (expected http:// or https://)";
    return std::nullopt;
  }
  const std::size_t slash = rest.find_first_of("/?#");
  url.authority = std::string(rest.substr(0, slash));
  url.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (url.target.starts_with("?")) {
    url.target.insert(0, "/");
  }
  if (const std::size_t hash = url.target.find('#'); hash != std::string::npos) {
    url.target.resize(hash);
  }
  std::string_view hostport = url.authority;
  if (hostport.find('@') != std::string_view::npos) {
    error = "user information in URLs is not supported";
    return std::nullopt;
  }
  std::string_view port;
  if (hostport.starts_with("[")) {
    const std::size_t close = hostport.find(']');
    if (close == std::string_view::npos) {
      error = "missing ']' in host";
      return std::nullopt;
    }
    url.host = std::string(hostport.substr(1, close - 1));
    std::string_view after = hostport.substr(close + 1);
    if (!after.empty() && !after.starts_with(":")) {
      error = "invalid port after host";
      return std::nullopt;
    }
    port = after.empty() ? after : after.substr(1);
  } else {
    const std::size_t colon = hostport.rfind(':');
    url.host = std::string(hostport.substr(0, colon));
    port = colon == std::string_view::npos ? std::string_view{} : hostport.substr(colon + 1);
  }
  if (url.host.empty()) {
    error = "no Host in request URL";
    return std::nullopt;
  }
  if (!port.empty() && port.find_first_not_of("0123456789") != std::string_view::npos) {
    error = "invalid port \":" + std::string(port) + "\" after host";
    return std::nullopt;
  }
  url.port = port.empty() ? (url.tls ? "443" : "80") : std::string(port);
  return url;
}

// Go's url.Error operation: "Get", "Post".
std::string GoOp(std::string method) {
  for (std::size_t i = 1; i < method.size(); ++i) {
    method[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(method[i])));
  }
  return method;
}

std::string IpText(const ASN1_OCTET_STRING* ip) {
  const unsigned char* data = ASN1_STRING_get0_data(ip);
  const int n = ASN1_STRING_length(ip);
  if (n == 4) {
    return asio::ip::address_v4({data[0], data[1], data[2], data[3]}).to_string();
  }
  if (n == 16) {
    asio::ip::address_v6::bytes_type bytes;
    std::copy(data, data + 16, bytes.begin());
    return asio::ip::address_v6(bytes).to_string();
  }
  return "?";
}

// What the verify callback saw first: the error and the leaf's names.
struct VerifyFailure {
  int error = X509_V_OK;
  std::vector<std::string> dns_names;
  std::vector<std::string> ip_addresses;
};

void RecordNames(X509* cert, VerifyFailure& failure) {
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) {
    return;
  }
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type == GEN_DNS) {
      const ASN1_IA5STRING* dns = name->d.dNSName;
      failure.dns_names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                                     static_cast<std::size_t>(ASN1_STRING_length(dns)));
    } else if (name->type == GEN_IPADD) {
      failure.ip_addresses.push_back(IpText(name->d.iPAddress));
    }
  }
  GENERAL_NAMES_free(names);
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) {
    out += (out.empty() ? "" : ", ") + item;
  }
  return out;
}

// The text Go's crypto/x509 gives for the same verification failure.
std::string X509Message(const VerifyFailure& failure, const std::string& host, bool host_is_ip) {
  switch (failure.error) {
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
      return "x509: certificate signed by unknown authority";
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return "x509: certificate has expired or is not yet valid";
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH: {
      if (host_is_ip && failure.ip_addresses.empty()) {
        return "x509: cannot validate certificate for " + host + " because it doesn't contain any IP SANs";
      }
      const std::string valid = Join(host_is_ip ? failure.ip_addresses : failure.dns_names);
      if (valid.empty()) {
        return "x509: certificate is not valid for any names, but wanted to match " + host;
      }
      return "x509: certificate is valid for " + valid + ", not " + host;
    }
    default:
      return std::string("x509: ") + X509_verify_cert_error_string(failure.error);
  }
}

class Exchange {
 public:
  Exchange(const HttpFetch& fetch, Url url) : fetch_(fetch), url_(std::move(url)) {
    deadline_ = Clock::now() + fetch.timeout;
  }

  Expected<HttpReply> Run() {
    boost::system::error_code ec;
    asio::ip::make_address(url_.host, ec);
    host_is_ip_ = !ec;
    if (Expected<void> connected = Connect(); !connected) {
      return Unexpected(connected.error());
    }
    if (!url_.tls) {
      return Talk(socket_);
    }
    Expected<void> secured = Handshake();
    if (!secured) {
      return Unexpected(secured.error());
    }
    return Talk(*tls_);
  }

 private:
  Error Fail(const std::string& detail) const {
    return Error{Error::Code::kIo, GoOp(fetch_.method) + " \"" + fetch_.url + "\": " + detail};
  }

  // Runs the asynchronous operation `start` begins until it completes or the deadline passes.
  template <class Start>
  boost::system::error_code Step(Start start) {
    boost::system::error_code result;
    bool done = false;
    start([&](boost::system::error_code ec, auto&&...) {
      result = ec;
      done = true;
    });
    io_.restart();
    io_.run_until(deadline_);
    if (!done) {
      boost::system::error_code ignored;
      resolver_.cancel();
      socket_.close(ignored);
      io_.restart();
      io_.run();  // lets the cancelled operation finish before its state goes away
      return asio::error::timed_out;
    }
    return result;
  }

  std::string Timeout(const char* during) const {
    return "Client.Timeout exceeded (" + std::to_string(fetch_.timeout.count()) + " ms) while " + during;
  }

  Expected<void> Connect() {
    tcp::resolver::results_type endpoints;
    boost::system::error_code ec = Step([&](auto handler) {
      resolver_.async_resolve(
          url_.host, url_.port,
          [&, handler](boost::system::error_code e, tcp::resolver::results_type r) mutable {
            endpoints = std::move(r);
            handler(e);
          });
    });
    if (ec == asio::error::timed_out) {
      return Unexpected(Fail(Timeout("resolving the host")));
    }
    if (ec) {
      return Unexpected(Fail("dial tcp: lookup " + url_.host + ": " + ec.message()));
    }
    ec = Step([&](auto handler) { asio::async_connect(socket_, endpoints, handler); });
    if (ec == asio::error::timed_out) {
      return Unexpected(Fail(Timeout("connecting")));
    }
    if (ec) {
      return Unexpected(Fail("dial tcp " + url_.host + ":" + url_.port + ": connect: " + ec.message()));
    }
    return {};
  }

  Expected<void> Handshake() {
    ctx_.emplace(ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(ctx_->native_handle(), TLS1_2_VERSION);
    boost::system::error_code ec;
    if (fetch_.ca_pem.empty()) {
      ctx_->set_default_verify_paths(ec);
    } else if (std::string bad = CheckCaPem(fetch_.ca_pem); !bad.empty()) {
      return Unexpected(Fail("tls: " + bad));
    } else {
      ctx_->add_certificate_authority(asio::buffer(fetch_.ca_pem), ec);
    }
    if (ec) {
      return Unexpected(Fail("tls: cannot load the trusted certificates: " + ec.message()));
    }
    ctx_->set_verify_mode(ssl::verify_peer);
    tls_.emplace(socket_, *ctx_);
    SSL* ssl = tls_->native_handle();
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    const bool named = host_is_ip_ ? X509_VERIFY_PARAM_set1_ip_asc(param, url_.host.c_str()) == 1
                                   : X509_VERIFY_PARAM_set1_host(param, url_.host.c_str(), 0) == 1 &&
                                         SSL_set_tlsext_host_name(ssl, url_.host.c_str()) == 1;
    if (!named) {
      return Unexpected(Fail("tls: cannot verify host name " + url_.host));
    }
    tls_->set_verify_callback([this](bool preverified, ssl::verify_context& vctx) {
      X509_STORE_CTX* store = vctx.native_handle();
      if (!preverified && failure_.error == X509_V_OK) {
        failure_.error = X509_STORE_CTX_get_error(store);
        if (X509* cert = X509_STORE_CTX_get0_cert(store)) {
          RecordNames(cert, failure_);
        }
      }
      return preverified;
    });
    ec = Step([&](auto handler) { tls_->async_handshake(ssl::stream_base::client, handler); });
    if (ec == asio::error::timed_out) {
      return Unexpected(Fail("net/http: TLS handshake timeout"));
    }
    if (failure_.error != X509_V_OK) {
      return Unexpected(
          Fail("tls: failed to verify certificate: " + X509Message(failure_, url_.host, host_is_ip_)));
    }
    if (ec) {
      if (ec.category() == asio::error::get_ssl_category() &&
          ERR_GET_REASON(ec.value()) == SSL_R_WRONG_VERSION_NUMBER) {
        return Unexpected(Fail("tls: first record does not look like a TLS handshake"));
      }
      return Unexpected(Fail("tls: handshake failed: " + ec.message()));
    }
    return {};
  }

  template <class Stream>
  Expected<HttpReply> Talk(Stream& stream) {
    http::request<http::string_body> req(fetch_.method == "GET" ? http::verb::get : http::verb::unknown,
                                         url_.target, 11);
    req.method_string(fetch_.method);
    req.set(http::field::host, url_.authority);
    req.set(http::field::user_agent, "polcheck");
    req.set(http::field::accept, "application/json");
    if (!fetch_.bearer.empty()) {
      req.set(http::field::authorization, "Bearer " + fetch_.bearer);
    }
    if (!fetch_.content_type.empty()) {
      req.set(http::field::content_type, fetch_.content_type);
    }
    req.body() = fetch_.body;
    req.prepare_payload();
    boost::system::error_code ec = Step([&](auto handler) { http::async_write(stream, req, handler); });
    if (ec == asio::error::timed_out) {
      return Unexpected(Fail(Timeout("sending the request")));
    }
    if (ec) {
      return Unexpected(Fail("write: " + ec.message()));
    }
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(fetch_.max_body_bytes);
    ec = Step([&](auto handler) { http::async_read(stream, buffer, parser, handler); });
    if (ec == asio::error::timed_out) {
      return Unexpected(Fail(Timeout("awaiting the response")));
    }
    if (ec == http::error::body_limit) {
      return Unexpected(
          Fail("response body larger than " + std::to_string(fetch_.max_body_bytes) + " bytes"));
    }
    if (ec) {
      return Unexpected(Fail("reading the response: " + ec.message()));
    }
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    const int status = static_cast<int>(parser.get().result_int());
    return HttpReply{status, std::to_string(status) + " " + std::string(parser.get().reason()),
                     std::move(parser.get().body())};
  }

  const HttpFetch& fetch_;
  Url url_;
  Clock::time_point deadline_;
  bool host_is_ip_ = false;
  asio::io_context io_;
  tcp::resolver resolver_{io_};
  tcp::socket socket_{io_};
  std::optional<ssl::context> ctx_;
  std::optional<ssl::stream<tcp::socket&>> tls_;
  VerifyFailure failure_;
};

}  // namespace

std::string CheckCaPem(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())),
                                                BIO_free);
  int count = 0;
  while (bio) {
    X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
    if (cert == nullptr) {
      break;
    }
    X509_free(cert);
    ++count;
  }
  ERR_clear_error();  // the loop ends on "no start line"
  return count > 0 ? "" : "no PEM certificate found in the CA data";
}

Expected<HttpReply> FetchUrl(const HttpFetch& fetch) {
  std::string error;
  std::optional<Url> url = ParseUrl(fetch.url, error);
  if (!url) {
    return Unexpected(Error::Code::kIo, GoOp(fetch.method) + " \"" + fetch.url + "\": " + error);
  }
  try {
    return Exchange(fetch, *std::move(url)).Run();
  } catch (const std::exception& e) {  // Asio/Beast allocation or system errors
    return Unexpected(Error::Code::kIo, GoOp(fetch.method) + " \"" + fetch.url + "\": " + e.what());
  }
}

}  // namespace polcheck::runtime
