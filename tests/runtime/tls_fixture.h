// TLS test helpers: a throw-away CA and server certificates made with OpenSSL
// at run time (no committed keys), and a loopback HTTP(S) stand-in server
// answering with a handler (TokenReview, JWKS, OpenID discovery).
#pragma once

// clang-format off
#include <utility>  // first: Boost.Asio 1.74 headers use std::exchange without including it
// clang-format on
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace polcheck::runtime::testing {

inline std::string PemOf(int (*write)(BIO*, void*), void* object) {
  BIO* bio = BIO_new(BIO_s_mem());
  write(bio, object);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  return out;
}

inline std::string CertPem(X509* cert) {
  return PemOf([](BIO* b, void* c) { return PEM_write_bio_X509(b, static_cast<X509*>(c)); }, cert);
}

inline std::string KeyPem(EVP_PKEY* key) {
  return PemOf(
      [](BIO* b, void* k) {
        return PEM_write_bio_PrivateKey(b, static_cast<EVP_PKEY*>(k), nullptr, nullptr, 0, nullptr, nullptr);
      },
      key);
}

// A certificate with its key: a CA (self-signed) or a leaf signed by a CA.
class TestCert {
 public:
  // A self-signed CA named `cn`.
  explicit TestCert(const std::string& cn) : key_(NewKey()) { Build(cn, nullptr, ""); }
  // A server certificate signed by `ca` for `san` ("DNS:localhost,IP:127.0.0.1").
  TestCert(const TestCert& ca, const std::string& san) : key_(NewKey()) {
    Build("polcheck test server", &ca, san);
  }
  ~TestCert() {
    X509_free(cert_);
    EVP_PKEY_free(key_);
  }
  TestCert(const TestCert&) = delete;
  TestCert& operator=(const TestCert&) = delete;

  std::string cert_pem() const { return CertPem(cert_); }
  std::string key_pem() const { return KeyPem(key_); }
  X509* cert() const { return cert_; }
  EVP_PKEY* key() const { return key_; }

 private:
  static EVP_PKEY* NewKey() { return EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"); }

  void Build(const std::string& cn, const TestCert* ca, const std::string& san) {
    cert_ = X509_new();
    X509_set_version(cert_, 2);
    unsigned char serial[8];
    RAND_bytes(serial, sizeof serial);
    serial[0] &= 0x7f;
    BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert_));
    BN_free(bn);
    X509_gmtime_adj(X509_getm_notBefore(cert_), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert_), 3600);
    X509_set_pubkey(cert_, key_);
    X509_NAME* name = X509_get_subject_name(cert_);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()),
                               -1, -1, 0);
    X509* issuer = ca != nullptr ? ca->cert_ : cert_;
    X509_set_issuer_name(cert_, X509_get_subject_name(issuer));
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert_, nullptr, nullptr, 0);
    auto add = [&](int nid, const char* value) {
      X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
      X509_add_ext(cert_, ext, -1);
      X509_EXTENSION_free(ext);
    };
    if (ca == nullptr) {
      add(NID_basic_constraints, "critical,CA:TRUE");
      add(NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
      add(NID_basic_constraints, "critical,CA:FALSE");
      add(NID_ext_key_usage, "serverAuth");
      if (!san.empty()) {
        add(NID_subject_alt_name, san.c_str());
      }
    }
    X509_sign(cert_, ca != nullptr ? ca->key_ : key_, EVP_sha256());
  }

  EVP_PKEY* key_;
  X509* cert_ = nullptr;
};

// A temporary folder removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/polcheck-tls-XXXXXX";
    path_ = mkdtemp(pattern);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string Write(const std::string& name, const std::string& text) const {
    const std::filesystem::path file = path_ / name;
    std::ofstream(file) << text;
    return file.string();
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A loopback stand-in server on 127.0.0.1:<port>: plain HTTP, or HTTPS with
// `cert` (whose chain the test trusts or not). One request per connection,
// answered by `handler`; the requests are counted per target.
class StubServer {
 public:
  struct Request {
    std::string method;
    std::string target;
    std::string authorization;
    std::string body;
  };
  struct Answer {
    int status = 200;
    std::string body;
  };
  using Handler = std::function<Answer(const Request&)>;

  StubServer(Handler handler, const TestCert* cert) : handler_(std::move(handler)) {
    if (cert != nullptr) {
      tls_ = std::make_unique<boost::asio::ssl::context>(boost::asio::ssl::context::tls_server);
      SSL_CTX_use_certificate(tls_->native_handle(), cert->cert());
      SSL_CTX_use_PrivateKey(tls_->native_handle(), cert->key());
    }
    acceptor_.open(boost::asio::ip::tcp::v4());
    acceptor_.bind({boost::asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    thread_ = std::thread([this] { Serve(); });
  }
  ~StubServer() {
    stop_ = true;
    boost::system::error_code ignored;
    boost::asio::ip::tcp::socket poke(io_);
    poke.connect(acceptor_.local_endpoint(), ignored);
    poke.close(ignored);
    thread_.join();
  }
  StubServer(const StubServer&) = delete;
  StubServer& operator=(const StubServer&) = delete;

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  // "https://127.0.0.1:<port>" (or http://), or with another host name for the same port.
  std::string Url(const std::string& host = "127.0.0.1") const {
    return std::string(tls_ ? "https://" : "http://") + host + ":" + std::to_string(port());
  }
  int Hits(const std::string& target) {
    std::lock_guard lock(mu_);
    return hits_[target];
  }
  Request Last() {
    std::lock_guard lock(mu_);
    return last_;
  }

 private:
  void Serve() {
    while (!stop_) {
      boost::asio::ip::tcp::socket socket(io_);
      boost::system::error_code ec;
      acceptor_.accept(socket, ec);
      if (ec || stop_) {
        continue;
      }
      if (tls_) {
        boost::asio::ssl::stream<boost::asio::ip::tcp::socket&> stream(socket, *tls_);
        stream.handshake(boost::asio::ssl::stream_base::server, ec);
        if (!ec) {
          Exchange(stream);
          stream.shutdown(ec);
        }
      } else {
        Exchange(socket);
      }
    }
  }

  template <class Stream>
  void Exchange(Stream& stream) {
    namespace http = boost::beast::http;
    boost::system::error_code ec;
    boost::beast::flat_buffer buffer;
    http::request<http::string_body> req;
    http::read(stream, buffer, req, ec);
    if (ec) {  // not HTTP (a TLS ClientHello to the plain stand-in): answer as HTTP servers do
      boost::asio::write(
          stream, boost::asio::buffer(std::string("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n")),
          ec);
      return;
    }
    Request request{std::string(req.method_string()), std::string(req.target()),
                    std::string(req[http::field::authorization]), req.body()};
    {
      std::lock_guard lock(mu_);
      ++hits_[request.target];
      last_ = request;
    }
    const Answer answer = handler_(request);
    http::response<http::string_body> res(static_cast<http::status>(answer.status), 11);
    res.set(http::field::content_type, "application/json");
    res.body() = answer.body;
    res.keep_alive(false);
    res.prepare_payload();
    http::write(stream, res, ec);
  }

  Handler handler_;
  std::unique_ptr<boost::asio::ssl::context> tls_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_{io_};
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::map<std::string, int> hits_;
  Request last_;
  std::thread thread_;
};

}  // namespace polcheck::runtime::testing
