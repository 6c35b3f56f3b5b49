// The one outgoing HTTP(S) client of the runtime (internal): the kubernetes
// auth method's TokenReview, the jwt/oidc method's JWKS and OpenID discovery
// fetches. Blocking, one connection per request, with a deadline over the
// whole exchange. https:// URLs verify the server's certificate chain against
// `ca_pem` (or the system store when empty) and its DNS name or IP address, as
// Go's net/http does for Vault; failures read like Vault's:
//
//   Expected<HttpReply> r = FetchUrl({.url = "https://127.0.0.1:6443/version", .ca_pem = ca});
//   // error: Get "https://127.0.0.1:6443/version": tls: failed to verify certificate:
//   //        x509: certificate signed by unknown authority
#pragma once

#include <chrono>
#include <string>

#include "base/expected.h"

namespace polcheck::runtime {

struct HttpFetch {
  std::string method = "GET";
  std::string url;     // http://host[:port]/path or https://...; IPv6 hosts in brackets
  std::string ca_pem;  // PEM certificates trusted for https (empty: the system store)
  std::string bearer;  // sent as "Authorization: Bearer <bearer>" when not empty
  std::string content_type;
  std::string body;
  std::chrono::milliseconds timeout{10'000};  // connect + TLS + request + response
  std::size_t max_body_bytes = 8u << 20;
};

struct HttpReply {
  int status = 0;
  std::string status_text;  // "404 Not Found", as Go's Response.Status
  std::string body;
};

// Performs the request. Any HTTP status is a reply; the callers judge it.
// Fails with kIo naming the method and URL as Go does ("Get \"<url>\": ...")
// for a bad URL, DNS, connect, TLS or certificate failure, a timeout or an
// unreadable response. Never throws.
[[nodiscard]] Expected<HttpReply> FetchUrl(const HttpFetch& fetch);

// "" when `pem` holds at least one PEM certificate, else why not.
std::string CheckCaPem(const std::string& pem);

}  // namespace polcheck::runtime
