// TLS everywhere the runtime talks HTTP (issue #7): the outgoing client
// (runtime/https_client.h), the HTTPS listener (Server, server config, curl),
// kubernetes TokenReview over https, jwt/oidc keys from a JWKS or OpenID
// discovery. Certificates are made at run time; servers are loopback stand-ins.
#include "tests/runtime/tls_fixture.h"
// (first: tls_fixture.h includes <utility> before Boost.Asio)
#include <fcntl.h>
#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/source.h"
#include "runtime/config.h"
#include "runtime/crypto.h"
#include "runtime/https_client.h"
#include "runtime/server.h"
#include "tests/runtime/core_fixture.h"

namespace polcheck::runtime::testing {
namespace {

using nlohmann::json;

StubServer::Handler Echo(const std::string& body) {
  return [body](const StubServer::Request&) { return StubServer::Answer{200, body}; };
}

std::string FailureOf(const Expected<HttpReply>& reply) {
  return reply ? "" : reply.error().message;
}

class HttpsClient : public ::testing::Test {
 protected:
  TestCert ca_{"polcheck test CA"};
  TestCert other_ca_{"another CA"};
  TestCert server_cert_{ca_, "DNS:localhost,IP:127.0.0.1"};
};

TEST_F(HttpsClient, VerifiesTheServerAgainstTheGivenCa) {
  StubServer stub(Echo(R"({"ok":true})"), &server_cert_);
  Expected<HttpReply> reply = FetchUrl({.url = stub.Url() + "/x?y=1", .ca_pem = ca_.cert_pem()});
  ASSERT_TRUE(reply) << reply.error().message;
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->body, R"({"ok":true})");
  EXPECT_EQ(stub.Last().target, "/x?y=1");
  Expected<HttpReply> by_name = FetchUrl({.method = "POST",
                                          .url = stub.Url("localhost") + "/named",
                                          .ca_pem = other_ca_.cert_pem() + ca_.cert_pem(),
                                          .bearer = "b",
                                          .body = "{}"});
  ASSERT_TRUE(by_name) << by_name.error().message;
  EXPECT_EQ(stub.Last().method, "POST");
  EXPECT_EQ(stub.Last().authorization, "Bearer b");
}

TEST_F(HttpsClient, UntrustedCertificateIsUnknownAuthority) {
  StubServer stub(Echo("{}"), &server_cert_);
  EXPECT_EQ(FailureOf(FetchUrl({.url = stub.Url() + "/x", .ca_pem = other_ca_.cert_pem()})),
            "Get \"" + stub.Url() +
                "/x\": tls: failed to verify certificate: x509: certificate signed by unknown "
                "authority");
  // The system store does not know a CA made a second ago either.
  EXPECT_EQ(FailureOf(FetchUrl({.method = "POST", .url = stub.Url() + "/x"})),
            "Post \"" + stub.Url() +
                "/x\": tls: failed to verify certificate: x509: certificate signed by unknown "
                "authority");
  EXPECT_EQ(stub.Hits("/x"), 0);
  EXPECT_EQ(FailureOf(FetchUrl({.url = stub.Url(), .ca_pem = "not a certificate"})),
            "Get \"" + stub.Url() + "\": tls: no PEM certificate found in the CA data");
}

TEST_F(HttpsClient, HostNameOrIpMustBeInTheCertificate) {
  TestCert named_only(ca_, "DNS:api.example,DNS:other.example");
  StubServer names(Echo("{}"), &named_only);
  EXPECT_EQ(
      FailureOf(FetchUrl({.url = names.Url(), .ca_pem = ca_.cert_pem()})),
      "Get \"" + names.Url() +
          "\": tls: failed to verify certificate: x509: cannot validate certificate for 127.0.0.1 because it "
          "doesn't contain any IP SANs");
  EXPECT_EQ(
      FailureOf(FetchUrl({.url = names.Url("localhost"), .ca_pem = ca_.cert_pem()})),
      "Get \"" + names.Url("localhost") +
          "\": tls: failed to verify certificate: x509: certificate is valid for api.example, other.example, "
          "not localhost");
  TestCert other_ip(ca_, "IP:127.0.0.2");
  StubServer ip(Echo("{}"), &other_ip);
  EXPECT_EQ(
      FailureOf(FetchUrl({.url = ip.Url(), .ca_pem = ca_.cert_pem()})),
      "Get \"" + ip.Url() +
          "\": tls: failed to verify certificate: x509: certificate is valid for 127.0.0.2, not 127.0.0.1");
}

TEST_F(HttpsClient, TransportFailuresNameTheUrl) {
  StubServer plain(Echo(R"({"plain":1})"), nullptr);
  Expected<HttpReply> ok = FetchUrl({.url = plain.Url() + "/p"});
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->body, R"({"plain":1})");
  const std::string https_to_plain = "https://127.0.0.1:" + std::to_string(plain.port());
  EXPECT_EQ(FailureOf(FetchUrl({.url = https_to_plain, .ca_pem = ca_.cert_pem()})),
            "Get \"" + https_to_plain + "\": tls: first record does not look like a TLS handshake");

  // A listener that never accepts: the TLS handshake cannot finish before the deadline.
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor silent(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const std::string silent_url = "https://127.0.0.1:" + std::to_string(silent.local_endpoint().port());
  EXPECT_EQ(FailureOf(FetchUrl(
                {.url = silent_url, .ca_pem = ca_.cert_pem(), .timeout = std::chrono::milliseconds(1000)})),
            "Get \"" + silent_url + "\": net/http: TLS handshake timeout");

  const std::uint16_t closed_port = silent.local_endpoint().port();
  silent.close();
  const std::string refused_url = "http://127.0.0.1:" + std::to_string(closed_port) + "/r";
  EXPECT_EQ(FailureOf(FetchUrl({.url = refused_url})),
            "Get \"" + refused_url + "\": dial tcp 127.0.0.1:" + std::to_string(closed_port) +
                ": connect: Connection refused");
  EXPECT_EQ(FailureOf(FetchUrl({.url = "ftp://x/y"})),
            "Get \"ftp://x/y\": unsupported protocol scheme (expected http:// or https://)");
}

// ---- the HTTPS listener ----------------------------------------------------------------------

class TlsListener : public HttpsClient {
 protected:
  TempDir dir_;
  std::string cert_file_ = dir_.Write("cert.pem", server_cert_.cert_pem() + ca_.cert_pem());
  std::string key_file_ = dir_.Write("key.pem", server_cert_.key_pem());
};

TEST_F(TlsListener, ServesHttpsWithTheCertificate) {
  Expected<std::unique_ptr<Server>> server =
      Server::Start({.port = 0, .tls_cert_file = cert_file_, .tls_key_file = key_file_});
  ASSERT_TRUE(server) << server.error().message;
  ASSERT_TRUE((*server)->SetUpDev("root"));
  const std::string address = (*server)->address();
  EXPECT_EQ(address, "https://127.0.0.1:" + std::to_string((*server)->port()));
  Expected<HttpReply> health = FetchUrl({.url = address + "/v1/sys/health", .ca_pem = ca_.cert_pem()});
  ASSERT_TRUE(health) << health.error().message;
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(json::parse(health->body)["initialized"], true);
  Expected<HttpReply> kv = FetchUrl({.method = "POST",
                                     .url = address + "/v1/secret/data/app",
                                     .ca_pem = ca_.cert_pem(),
                                     .bearer = "root",
                                     .content_type = "application/json",
                                     .body = R"({"data":{"k":"v"}})"});
  ASSERT_TRUE(kv) << kv.error().message;
  EXPECT_EQ(kv->status, 200) << kv->body;
  EXPECT_EQ(FailureOf(FetchUrl({.url = address + "/v1/sys/health", .ca_pem = other_ca_.cert_pem()})),
            "Get \"" + address +
                "/v1/sys/health\": tls: failed to verify certificate: x509: certificate signed by "
                "unknown authority");
  // Plain HTTP to the TLS port gets no HTTP answer.
  Expected<HttpReply> plain =
      FetchUrl({.url = "http://127.0.0.1:" + std::to_string((*server)->port()) + "/v1/sys/health",
                .timeout = std::chrono::seconds(5)});
  EXPECT_TRUE(!plain || plain->status != 200);
}

TEST_F(TlsListener, CurlWithCacertTalksToIt) {
  if (std::system("curl --version >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "curl is not installed";
  }
  Expected<std::unique_ptr<Server>> server =
      Server::Start({.port = 0, .tls_cert_file = cert_file_, .tls_key_file = key_file_});
  ASSERT_TRUE(server) << server.error().message;
  ASSERT_TRUE((*server)->SetUpDev("root"));
  const std::string ca_file = dir_.Write("ca.pem", ca_.cert_pem());
  auto curl = [&](const std::string& args) {
    std::string out;
    FILE* pipe =
        popen(("curl -sS " + args + " " + (*server)->address() + "/v1/sys/seal-status 2>&1").c_str(), "r");
    char buffer[512];
    while (pipe != nullptr && fgets(buffer, sizeof buffer, pipe) != nullptr) {
      out += buffer;
    }
    if (pipe != nullptr) {
      pclose(pipe);
    }
    return out;
  };
  const json status = json::parse(curl("--cacert " + ca_file), nullptr, false);
  ASSERT_TRUE(status.is_object()) << curl("--cacert " + ca_file);
  EXPECT_EQ(status["sealed"], false);
  EXPECT_NE(curl("").find("SSL certificate problem"), std::string::npos) << "no --cacert: untrusted";
}

TEST_F(TlsListener, MinimumVersionTls13RefusesATls12Client) {
  Expected<std::unique_ptr<Server>> server = Server::Start(
      {.port = 0, .tls_cert_file = cert_file_, .tls_key_file = key_file_, .tls_min_version = "tls13"});
  ASSERT_TRUE(server) << server.error().message;
  auto handshake = [&](int max_version) {
    boost::asio::io_context io;
    boost::asio::ssl::context ctx(boost::asio::ssl::context::tls_client);
    SSL_CTX_set_max_proto_version(ctx.native_handle(), max_version);
    boost::asio::ssl::stream<boost::asio::ip::tcp::socket> stream(io, ctx);
    boost::system::error_code ec;
    stream.lowest_layer().connect({boost::asio::ip::make_address("127.0.0.1"), (*server)->port()}, ec);
    if (!ec) {
      stream.handshake(boost::asio::ssl::stream_base::client, ec);
    }
    return !ec;
  };
  EXPECT_FALSE(handshake(TLS1_2_VERSION));
  EXPECT_TRUE(handshake(TLS1_3_VERSION));
}

TEST_F(TlsListener, BadCertificateOrKeyFailsToStart) {
  TestCert stranger(ca_, "IP:127.0.0.1");
  const std::string wrong_key = dir_.Write("wrong.pem", stranger.key_pem());
  Expected<std::unique_ptr<Server>> mismatch =
      Server::Start({.port = 0, .tls_cert_file = cert_file_, .tls_key_file = wrong_key});
  ASSERT_FALSE(mismatch);
  EXPECT_EQ(mismatch.error().message, "tls: private key does not match public key");
  Expected<std::unique_ptr<Server>> missing = Server::Start(
      {.port = 0, .tls_cert_file = dir_.path().string() + "/nope.pem", .tls_key_file = key_file_});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, "open " + dir_.path().string() + "/nope.pem: No such file or directory");
  Expected<std::unique_ptr<Server>> no_key = Server::Start({.port = 0, .tls_cert_file = cert_file_});
  ASSERT_FALSE(no_key);
  EXPECT_EQ(no_key.error().message, "'tls_key_file' must be set");
  Expected<std::unique_ptr<Server>> version = Server::Start(
      {.port = 0, .tls_cert_file = cert_file_, .tls_key_file = key_file_, .tls_min_version = "tls10"});
  ASSERT_FALSE(version);
  EXPECT_EQ(version.error().message,
            "'tls_min_version' value \"tls10\" not supported, please specify one of [tls12,tls13]");
}

// `polcheck serve ARGS...` in the background, stdout and stderr to `log`.
class ServeProcess {
 public:
  ServeProcess(std::vector<std::string> args, const std::string& log) : log_(log) {
    args.insert(args.begin(), {POLCHECK_BINARY, "serve"});
    pid_ = ::fork();
    if (pid_ == 0) {
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      std::vector<char*> argv;
      for (std::string& a : args) {
        argv.push_back(a.data());
      }
      argv.push_back(nullptr);
      ::execv(POLCHECK_BINARY, argv.data());
      ::_exit(127);
    }
  }
  ~ServeProcess() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  // The VAULT_ADDR the server printed ("" after 20 s without one).
  std::string Address() const {
    for (int i = 0; i < 800; ++i) {
      const std::string text = Log();
      const std::size_t at = text.find("VAULT_ADDR='");
      const std::size_t end = at == std::string::npos ? at : text.find('\'', at + 12);
      if (end != std::string::npos) {
        return text.substr(at + 12, end - at - 12);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return "";
  }
  std::string Log() const {
    std::ifstream in(log_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

 private:
  std::string log_;
  pid_t pid_ = -1;
};

TEST_F(TlsListener, ServeDevWithTlsFlagsPrintsAnHttpsAddress) {
  ServeProcess serve(
      {"--dev", "--listen", "127.0.0.1:0", "--tls-cert-file", cert_file_, "--tls-key-file", key_file_},
      (dir_.path() / "dev.log").string());
  const std::string address = serve.Address();
  ASSERT_TRUE(address.starts_with("https://127.0.0.1:")) << serve.Log();
  Expected<HttpReply> health = FetchUrl({.url = address + "/v1/sys/health", .ca_pem = ca_.cert_pem()});
  ASSERT_TRUE(health) << health.error().message;
  EXPECT_EQ(json::parse(health->body)["sealed"], false);
}

TEST_F(TlsListener, ServeConfigListenerWithTlsFiles) {
  const std::string config = dir_.Write("server.hcl", R"(storage "inmem" {}
listener "tcp" {
  address       = "127.0.0.1:0"
  tls_cert_file = "cert.pem"
  tls_key_file  = "key.pem"
}
)");
  ServeProcess serve({"--config", config}, (dir_.path() / "config.log").string());
  const std::string address = serve.Address();
  ASSERT_TRUE(address.starts_with("https://127.0.0.1:")) << serve.Log();
  Expected<HttpReply> status = FetchUrl({.url = address + "/v1/sys/seal-status", .ca_pem = ca_.cert_pem()});
  ASSERT_TRUE(status) << status.error().message;
  EXPECT_EQ(json::parse(status->body)["initialized"], false);
}

// ---- server config ---------------------------------------------------------------------------

struct Parsed {
  std::optional<ServerConfig> config;
  std::string diagnostics;
};

Parsed ParseConfig(const std::string& name, const std::string& text) {
  SourceSet sources;
  DiagnosticSink sink;
  Parsed out;
  out.config = ParseServerConfig(sources.file(sources.Add(name, text)), sink);
  for (const Diagnostic& d : sink.SortedByLocation()) {
    out.diagnostics += RenderDiagnostic(d, sources);
  }
  return out;
}

TEST_F(TlsListener, ConfigTakesTlsFilesRelativeToItsFolder) {
  const std::string name = (dir_.path() / "server.hcl").string();
  Parsed p = ParseConfig(name, R"(storage "inmem" {}
listener "tcp" {
  address         = "127.0.0.1:8443"
  tls_cert_file   = "cert.pem"
  tls_key_file    = "key.pem"
  tls_min_version = "tls13"
}
)");
  ASSERT_TRUE(p.config) << p.diagnostics;
  EXPECT_EQ(p.diagnostics, "");
  EXPECT_EQ(p.config->tls_cert_file, cert_file_);
  EXPECT_EQ(p.config->tls_key_file, key_file_);
  EXPECT_EQ(p.config->tls_min_version, "tls13");
  Parsed json_config = ParseConfig(
      (dir_.path() / "server.json").string(),
      R"({"storage": {"inmem": {}}, "listener": {"tcp": {"address": "127.0.0.1:0", "tls_cert_file": ")" +
          cert_file_ + R"(", "tls_key_file": ")" + key_file_ + R"("}}})");
  ASSERT_TRUE(json_config.config) << json_config.diagnostics;
  EXPECT_EQ(json_config.config->tls_cert_file, cert_file_);
  EXPECT_EQ(json_config.config->tls_min_version, "tls12");
  Parsed off = ParseConfig(name, "storage \"inmem\" {}\nlistener \"tcp\" {\n  tls_disable = 1\n}\n");
  ASSERT_TRUE(off.config) << off.diagnostics;
  EXPECT_TRUE(off.config->tls_cert_file.empty());
}

TEST_F(TlsListener, ConfigErrorsPointAtTheSetting) {
  const std::string name = (dir_.path() / "s.hcl").string();
  const std::string wrong_key = dir_.Write("wrong.pem", TestCert(ca_, "IP:127.0.0.1").key_pem());
  dir_.Write("garbage.pem", "hello\n");
  Parsed none =
      ParseConfig(name, "storage \"inmem\" {}\nlistener \"tcp\" {\n  address = \"127.0.0.1:1\"\n}\n");
  EXPECT_FALSE(none.config);
  EXPECT_EQ(
      none.diagnostics,
      name +
          ":2:10: error: 'tls_cert_file' must be set (or tls_disable = true for plain HTTP) [config-tls]\n"
          "  2 | listener \"tcp\" {\n"
          "    |          ^~~~~\n" +
          name +
          ":2:10: error: 'tls_key_file' must be set (or tls_disable = true for plain HTTP) [config-tls]\n"
          "  2 | listener \"tcp\" {\n"
          "    |          ^~~~~\n");
  Parsed missing = ParseConfig(name,
                               "storage \"inmem\" {}\nlistener \"tcp\" {\n  tls_cert_file = \"nope.pem\"\n  "
                               "tls_key_file = \"key.pem\"\n}\n");
  EXPECT_FALSE(missing.config);
  EXPECT_EQ(missing.diagnostics, name + ":3:19: error: tls_cert_file: open " +
                                     (dir_.path() / "nope.pem").string() +
                                     ": No such file or directory [config-tls]\n"
                                     "  3 |   tls_cert_file = \"nope.pem\"\n"
                                     "    |                   ^~~~~~~~~~\n");
  Parsed garbage = ParseConfig(name,
                               "storage \"inmem\" {}\nlistener \"tcp\" {\n  tls_cert_file = \"cert.pem\"\n  "
                               "tls_key_file = \"garbage.pem\"\n}\n");
  EXPECT_NE(garbage.diagnostics.find(
                name + ":4:18: error: tls_key_file: tls: failed to find any PEM data in key input"),
            std::string::npos)
      << garbage.diagnostics;
  Parsed mismatch = ParseConfig(name,
                                "storage \"inmem\" {}\nlistener \"tcp\" {\n  tls_cert_file = \"cert.pem\"\n  "
                                "tls_key_file = \"wrong.pem\"\n}\n");
  EXPECT_FALSE(mismatch.config);
  EXPECT_NE(mismatch.diagnostics.find(
                name + ":4:18: error: tls_key_file does not belong to tls_cert_file: tls: private "
                       "key does not match public key [config-tls]"),
            std::string::npos)
      << mismatch.diagnostics;
  Parsed version =
      ParseConfig(name,
                  "storage \"inmem\" {}\nlistener \"tcp\" {\n  tls_disable = true\n  tls_min_version = "
                  "\"tls99\"\n}\n");
  EXPECT_FALSE(version.config);
  EXPECT_NE(
      version.diagnostics.find(name + ":4:21: error: 'tls_min_version' value \"tls99\" not supported, please "
                                      "specify one of [tls12,tls13] [config-tls]"),
      std::string::npos)
      << version.diagnostics;
}

// ---- kubernetes TokenReview over https ----------------------------------------------------

std::string B64Url(const std::string& bytes) {
  std::string s = crypto::Base64(bytes);
  for (char& c : s) {
    c = c == '+' ? '-' : c == '/' ? '_' : c;
  }
  while (!s.empty() && s.back() == '=') {
    s.pop_back();
  }
  return s;
}

std::string Bytes(const BIGNUM* bn) {
  std::string out(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

// A signing key with its JWK: "RSA" (RS256), "EC" (ES256) or "ED25519" (EdDSA).
class SigningKey {
 public:
  SigningKey(const std::string& type, std::string kid) : type_(type), kid_(std::move(kid)) {
    key_ = type == "RSA"  ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048))
           : type == "EC" ? EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")
                          : EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  }
  ~SigningKey() { EVP_PKEY_free(key_); }
  SigningKey(const SigningKey&) = delete;
  SigningKey& operator=(const SigningKey&) = delete;

  json Jwk() const {
    if (type_ == "RSA") {
      return {{"kty", "RSA"},
              {"kid", kid_},
              {"use", "sig"},
              {"n", B64Url(Param(OSSL_PKEY_PARAM_RSA_N))},
              {"e", B64Url(Param(OSSL_PKEY_PARAM_RSA_E))}};
    }
    if (type_ == "EC") {
      return {{"kty", "EC"},
              {"kid", kid_},
              {"crv", "P-256"},
              {"x", B64Url(Pad(Param(OSSL_PKEY_PARAM_EC_PUB_X)))},
              {"y", B64Url(Pad(Param(OSSL_PKEY_PARAM_EC_PUB_Y)))}};
    }
    std::string raw(32, '\0');
    std::size_t len = raw.size();
    EVP_PKEY_get_raw_public_key(key_, reinterpret_cast<unsigned char*>(raw.data()), &len);
    return {{"kty", "OKP"}, {"kid", kid_}, {"crv", "Ed25519"}, {"x", B64Url(raw)}};
  }

  std::string Sign(const json& claims) const {
    const std::string alg = type_ == "RSA" ? "RS256" : type_ == "EC" ? "ES256" : "EdDSA";
    const std::string input =
        B64Url(json{{"alg", alg}, {"kid", kid_}, {"typ", "JWT"}}.dump()) + "." + B64Url(claims.dump());
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_DigestSignInit(ctx, nullptr, type_ == "ED25519" ? nullptr : EVP_sha256(), nullptr, key_);
    std::size_t len = 0;
    EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()), input.size());
    std::string sig(len, '\0');
    EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                   reinterpret_cast<const unsigned char*>(input.data()), input.size());
    sig.resize(len);
    EVP_MD_CTX_free(ctx);
    if (type_ == "EC") {  // DER -> r||s
      const unsigned char* p = reinterpret_cast<const unsigned char*>(sig.data());
      ECDSA_SIG* parsed = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
      std::string raw(64, '\0');
      BN_bn2binpad(ECDSA_SIG_get0_r(parsed), reinterpret_cast<unsigned char*>(raw.data()), 32);
      BN_bn2binpad(ECDSA_SIG_get0_s(parsed), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
      ECDSA_SIG_free(parsed);
      sig = raw;
    }
    return input + "." + B64Url(sig);
  }

 private:
  std::string Param(const char* name) const {
    BIGNUM* bn = nullptr;
    EVP_PKEY_get_bn_param(key_, name, &bn);
    std::string out = Bytes(bn);
    BN_free(bn);
    return out;
  }
  static std::string Pad(std::string bytes) { return std::string(32 - bytes.size(), '\0') + bytes; }

  std::string type_;
  std::string kid_;
  EVP_PKEY* key_ = nullptr;
};

const std::int64_t kNow = 1'700'000'000;

class KubernetesTls : public CoreTest {
 protected:
  void SetUp() override {
    CoreTest::SetUp();
    ASSERT_EQ(Post("sys/auth/kubernetes", {{"type", "kubernetes"}}).status, 204);
    ASSERT_EQ(Post("auth/kubernetes/role/app", {{"bound_service_account_names", "app"},
                                                {"bound_service_account_namespaces", "prod"},
                                                {"token_policies", "k8s"}})
                  .status,
              204);
  }
  Reply Configure(const std::string& host, const std::string& ca) {
    return Post(
        "auth/kubernetes/config",
        {{"kubernetes_host", host}, {"kubernetes_ca_cert", ca}, {"token_reviewer_jwt", "reviewer-jwt"}});
  }
  Reply Login() {
    const std::string jwt = sa_key_.Sign(
        {{"kubernetes.io", {{"namespace", "prod"}, {"serviceaccount", {{"name", "app"}, {"uid", "u-1"}}}}}});
    return Send("POST", "auth/kubernetes/login", {{"role", "app"}, {"jwt", jwt}}, "");
  }
  TestCert ca_{"cluster CA"};
  TestCert api_cert_{ca_, "DNS:kubernetes.default.svc,IP:127.0.0.1"};
  SigningKey sa_key_{"EC", "sa"};
  StubServer api_{[](const StubServer::Request& req) {
                    if (req.target != "/apis/authentication.k8s.io/v1/tokenreviews") {
                      return StubServer::Answer{404, "{}"};
                    }
                    return StubServer::Answer{
                        201,
                        json{{"kind", "TokenReview"},
                             {"status",
                              {{"authenticated", true},
                               {"user", {{"username", "system:serviceaccount:prod:app"}, {"uid", "u-1"}}}}}}
                            .dump()};
                  },
                  &api_cert_};
};

TEST_F(KubernetesTls, TokenReviewOverHttpsWithTheClusterCa) {
  ASSERT_EQ(Configure(api_.Url() + "/", ca_.cert_pem()).status, 204);
  Reply r = Login();
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["auth"]["policies"], json({"default", "k8s"}));
  EXPECT_EQ(api_.Last().authorization, "Bearer reviewer-jwt");
  EXPECT_EQ(json::parse(api_.Last().body)["spec"]["token"].get<std::string>().substr(0, 3), "eyJ");
  EXPECT_EQ(Get("auth/kubernetes/config").body["data"]["kubernetes_ca_cert"], ca_.cert_pem());
}

TEST_F(KubernetesTls, AnUntrustedApiServerIsPermissionDenied) {
  TestCert other("other CA");
  ASSERT_EQ(Configure(api_.Url(), other.cert_pem()).status, 204);
  Reply r = Login();
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.Error(), "permission denied");
  EXPECT_EQ(api_.Hits("/apis/authentication.k8s.io/v1/tokenreviews"), 0)
      << "the JWT never left over a bad channel";
  ASSERT_EQ(Configure(api_.Url(), "").status, 204);
  EXPECT_EQ(Login().status, 403) << "the system store does not know the test CA";
}

// ---- jwt/oidc: JWKS and OpenID discovery ---------------------------------------------------

class JwtRemoteKeys : public CoreTest {
 protected:
  void SetUp() override {
    CoreTest::SetUp();
    ASSERT_EQ(Post("sys/auth/jwt", {{"type", "jwt"}}).status, 204);
    PublishKeys({&rsa_, &ec_, &ed_});
  }
  void PublishKeys(const std::vector<const SigningKey*>& keys) {
    json set = {{"keys", json::array({{{"kty", "oct"}, {"kid", "hmac"}, {"k", "c2VjcmV0"}}})}};
    for (const SigningKey* key : keys) {
      set["keys"].push_back(key->Jwk());
    }
    std::lock_guard lock(mu_);
    jwks_ = set.dump();
  }
  void AddRole() {
    ASSERT_EQ(Post("auth/jwt/role/ci", {{"role_type", "jwt"},
                                        {"user_claim", "sub"},
                                        {"bound_audiences", "vault"},
                                        {"token_policies", "ci"}})
                  .status,
              204);
  }
  json Claims() const {
    return {{"iss", issuer_}, {"sub", "builder"}, {"aud", "vault"}, {"exp", kNow + 300}, {"iat", kNow}};
  }
  Reply Login(const std::string& jwt) {
    return Send("POST", "auth/jwt/login", {{"role", "ci"}, {"jwt", jwt}}, "");
  }
  std::string Jwks() {
    std::lock_guard lock(mu_);
    return jwks_;
  }

  TestCert ca_{"IdP CA"};
  TestCert idp_cert_{ca_, "DNS:localhost,IP:127.0.0.1"};
  SigningKey rsa_{"RSA", "rsa-1"};
  SigningKey ec_{"EC", "ec-1"};
  SigningKey ed_{"ED25519", "ed-1"};
  std::mutex mu_;
  std::string jwks_;
  std::atomic<int> jwks_status_{200};
  std::string issuer_;  // set before the stand-in serves discovery
  std::string discovered_issuer_;
  StubServer idp_{[this](const StubServer::Request& req) {
                    if (req.target == "/keys") {
                      const int status = jwks_status_.load();
                      return StubServer::Answer{status, status == 200 ? Jwks() : R"({"error":"down"})"};
                    }
                    if (req.target == "/.well-known/openid-configuration") {
                      std::lock_guard lock(mu_);
                      return StubServer::Answer{
                          200, json{{"issuer", discovered_issuer_}, {"jwks_uri", issuer_ + "/keys"}}.dump()};
                    }
                    return StubServer::Answer{404, R"({"error":"not found"})"};
                  },
                  &idp_cert_};
};

TEST_F(JwtRemoteKeys, JwksUrlVerifiesRsaEcAndEd25519ByKid) {
  issuer_ = idp_.Url();
  ASSERT_EQ(
      Post("auth/jwt/config", {{"jwks_url", idp_.Url() + "/keys"}, {"jwks_ca_pem", ca_.cert_pem()}}).status,
      204);
  EXPECT_EQ(idp_.Hits("/keys"), 1) << "config write fetches the set, as Vault checks it";
  AddRole();
  for (const SigningKey* key : {&rsa_, &ec_, &ed_}) {
    Reply r = Login(key->Sign(Claims()));
    ASSERT_EQ(r.status, 200) << r.body.dump();
    EXPECT_EQ(r.body["auth"]["policies"], json({"ci", "default"}));
  }
  EXPECT_EQ(idp_.Hits("/keys"), 1) << "known kids are served from the cache";
  Reply config = Get("auth/jwt/config");
  EXPECT_EQ(config.body["data"]["jwks_url"], idp_.Url() + "/keys");
  EXPECT_EQ(config.body["data"]["jwks_ca_pem"], ca_.cert_pem());
}

TEST_F(JwtRemoteKeys, UnknownKidFetchesTheSetAgain) {
  issuer_ = idp_.Url();
  ASSERT_EQ(
      Post("auth/jwt/config", {{"jwks_url", idp_.Url() + "/keys"}, {"jwks_ca_pem", ca_.cert_pem()}}).status,
      204);
  AddRole();
  SigningKey rotated("RSA", "rsa-2");
  PublishKeys({&rsa_, &rotated});
  Reply r = Login(rotated.Sign(Claims()));
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(idp_.Hits("/keys"), 2);
  EXPECT_EQ(Login(rotated.Sign(Claims())).status, 200);
  EXPECT_EQ(idp_.Hits("/keys"), 2) << "the new key is cached now";
  SigningKey stranger("EC", "nobody");
  const std::string not_verified =
      "error validating token: error verifying token signature: failed to verify id "
      "token signature";
  EXPECT_EQ(Login(stranger.Sign(Claims())).Error(), not_verified);
  EXPECT_EQ(Login(ec_.Sign(Claims())).Error(), not_verified) << "ec-1 was rotated out";
  jwks_status_ = 500;
  EXPECT_EQ(
      Login(stranger.Sign(Claims())).Error(),
      "error validating token: error verifying token signature: fetching keys oidc: get keys failed: 500 "
      "Internal Server Error {\"error\":\"down\"}");
  EXPECT_EQ(Login(rotated.Sign(Claims())).status, 200) << "cached keys still verify while the IdP is down";
}

TEST_F(JwtRemoteKeys, JwksErrorsNameTheCause) {
  TestCert other("other CA");
  Reply untrusted =
      Post("auth/jwt/config", {{"jwks_url", idp_.Url() + "/keys"}, {"jwks_ca_pem", other.cert_pem()}});
  EXPECT_EQ(untrusted.status, 400);
  EXPECT_EQ(
      untrusted.body["errors"],
      json({"error checking jwks URL: fetching keys oidc: get keys failed Get \"" + idp_.Url() +
            "/keys\": tls: failed to verify certificate: x509: certificate signed by unknown authority"}));
  Reply not_found =
      Post("auth/jwt/config", {{"jwks_url", idp_.Url() + "/nope"}, {"jwks_ca_pem", ca_.cert_pem()}});
  EXPECT_EQ(not_found.Error(),
            "error checking jwks URL: fetching keys oidc: get keys failed: 404 Not Found {\"error\":\"not "
            "found\"}");
  EXPECT_EQ(Post("auth/jwt/config", {{"jwks_url", idp_.Url() + "/keys"}, {"jwks_ca_pem", "junk"}}).Error(),
            "error checking jwks_ca_pem: could not parse CA PEM value successfully");
  {  // a set whose keys are all unusable: a symmetric key and an EC "point" off the curve
    std::lock_guard lock(mu_);
    jwks_ = json{{"keys",
                  {{{"kty", "oct"}, {"k", "c2VjcmV0"}},
                   {{"kty", "EC"},
                    {"crv", "P-256"},
                    {"x", std::string(43, 'A')},
                    {"y", std::string(42, 'A') + "E"}}}}}
                .dump();
  }
  EXPECT_EQ(
      Post("auth/jwt/config", {{"jwks_url", idp_.Url() + "/keys"}, {"jwks_ca_pem", ca_.cert_pem()}}).Error(),
      "error checking jwks URL: fetching keys oidc: failed to decode keys: no usable key in " + idp_.Url() +
          "/keys (unsupported key type \"oct\"; EC key is not a point on P-256)");
  PublishKeys({&rsa_, &ec_, &ed_});
  // jwks_pairs: several sets, each with its CA.
  ASSERT_EQ(Post("auth/jwt/config",
                 {{"jwks_pairs", {{{"jwks_url", idp_.Url() + "/keys"}, {"jwks_ca_pem", ca_.cert_pem()}}}}})
                .status,
            204);
  issuer_ = idp_.Url();
  AddRole();
  EXPECT_EQ(Login(ed_.Sign(Claims())).status, 200);
}

TEST_F(JwtRemoteKeys, OidcDiscoveryChecksTheIssuerAndUsesItsJwksUri) {
  issuer_ = idp_.Url();
  discovered_issuer_ = issuer_;
  ASSERT_EQ(Post("auth/jwt/config", {{"oidc_discovery_url", issuer_},
                                     {"oidc_discovery_ca_pem", ca_.cert_pem()},
                                     {"bound_issuer", issuer_}})
                .status,
            204);
  AddRole();
  Reply r = Login(ec_.Sign(Claims()));
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(idp_.Hits("/.well-known/openid-configuration"), 1);
  EXPECT_EQ(idp_.Hits("/keys"), 1);
  EXPECT_EQ(Get("auth/jwt/config").body["data"]["oidc_discovery_url"], issuer_);

  {
    std::lock_guard lock(mu_);
    discovered_issuer_ = "https://evil.example";
  }
  Reply mismatch =
      Post("auth/jwt/config", {{"oidc_discovery_url", issuer_}, {"oidc_discovery_ca_pem", ca_.cert_pem()}});
  EXPECT_EQ(mismatch.status, 400);
  EXPECT_EQ(mismatch.body["errors"],
            json({"error checking oidc discovery URL: oidc: issuer URL provided to client (\"" + issuer_ +
                  "\") did not match the issuer URL returned by provider (\"https://evil.example\")"}));
  {
    std::lock_guard lock(mu_);
    discovered_issuer_ = issuer_;
  }
  Reply trailing = Post("auth/jwt/config",
                        {{"oidc_discovery_url", issuer_ + "/"}, {"oidc_discovery_ca_pem", ca_.cert_pem()}});
  EXPECT_EQ(trailing.Error(), "error checking oidc discovery URL: oidc: issuer URL provided to client (\"" +
                                  issuer_ + "/\") did not match the issuer URL returned by provider (\"" +
                                  issuer_ + "\")")
      << "the issuer must equal the URL exactly";
  Reply untrusted = Post("auth/jwt/config", {{"oidc_discovery_url", issuer_}});
  EXPECT_EQ(untrusted.Error(),
            "error checking oidc discovery URL: Get \"" + issuer_ +
                "/.well-known/openid-configuration\": tls: failed to verify certificate: x509: "
                "certificate signed by unknown authority");
  EXPECT_EQ(
      Post("auth/jwt/config", {{"oidc_discovery_url", issuer_}, {"oidc_discovery_ca_pem", "junk"}}).Error(),
      "error checking oidc discovery URL: could not parse CA PEM value successfully");
}

TEST_F(JwtRemoteKeys, AfterARestartDiscoveryRunsAgainAtLogin) {
  issuer_ = idp_.Url();
  discovered_issuer_ = issuer_;
  ASSERT_EQ(
      Post("auth/jwt/config", {{"oidc_discovery_url", issuer_}, {"oidc_discovery_ca_pem", ca_.cert_pem()}})
          .status,
      204);
  AddRole();
  Restart();  // the caches live in memory only
  Reply r = Login(rsa_.Sign(Claims()));
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(idp_.Hits("/.well-known/openid-configuration"), 2);
  Restart();
  {
    std::lock_guard lock(mu_);
    discovered_issuer_ = "https://evil.example";
  }
  Reply refused = Login(rsa_.Sign(Claims()));
  EXPECT_EQ(refused.status, 500) << "Vault cannot build the token validator";
  EXPECT_EQ(refused.Error(),
            "1 error occurred:\n\t* error configuring token validator: oidc: issuer URL provided to "
            "client (\"" +
                issuer_ +
                "\") did not match the issuer URL returned by provider (\"https://evil.example\")\n\n");
}

TEST_F(JwtRemoteKeys, ConfigNeedsExactlyOneKeySource) {
  const std::string exactly_one =
      "exactly one of 'jwt_validation_pubkeys', 'jwks_url', 'jwks_pairs' or 'oidc_discovery_url' must be set";
  EXPECT_EQ(Post("auth/jwt/config", json::object()).Error(), exactly_one);
  EXPECT_EQ(Post("auth/jwt/config", {{"jwks_url", idp_.Url() + "/keys"}, {"oidc_discovery_url", idp_.Url()}})
                .Error(),
            exactly_one);
  EXPECT_EQ(Post("auth/jwt/config", {{"jwks_url", "x"}, {"jwks_pairs", {{{"jwks_url", "y"}}}}}).Error(),
            exactly_one);
  EXPECT_EQ(
      Post("auth/jwt/config", {{"oidc_discovery_url", idp_.Url()}, {"oidc_client_id", "vault"}}).Error(),
      "both 'oidc_client_id' and 'oidc_client_secret' must be set for OIDC");
  EXPECT_EQ(
      Post("auth/jwt/config",
           {{"jwks_url", idp_.Url() + "/keys"}, {"oidc_client_id", "vault"}, {"oidc_client_secret", "s"}})
          .Error(),
      "'oidc_discovery_url' must be set for OIDC");
  EXPECT_EQ(Post("auth/jwt/config", {{"jwks_pairs", "nope"}}).Error(),
            "jwks_pairs must be a list of objects with \"jwks_url\" and \"jwks_ca_pem\"");
  EXPECT_EQ(Get("auth/jwt/config").status, 404) << "nothing was stored";
}

TEST_F(JwtRemoteKeys, ClientSecretIsStoredButNeverRead) {
  issuer_ = idp_.Url();
  discovered_issuer_ = issuer_;
  ASSERT_EQ(Post("auth/jwt/config", {{"oidc_discovery_url", issuer_},
                                     {"oidc_discovery_ca_pem", ca_.cert_pem()},
                                     {"oidc_client_id", "vault"},
                                     {"oidc_client_secret", "s3cret"}})
                .status,
            204);
  Reply config = Get("auth/jwt/config");
  EXPECT_EQ(config.body["data"]["oidc_client_id"], "vault");
  EXPECT_FALSE(config.body["data"].contains("oidc_client_secret"));
}

}  // namespace
}  // namespace polcheck::runtime::testing
