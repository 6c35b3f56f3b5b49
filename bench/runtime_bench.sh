#!/usr/bin/env bash
# Load test of the runtime: starts `polcheck serve --dev` (Release build), writes
# one KV v2 secret, creates a non-root token whose policy allows reading it and
# runs authenticated KV v2 reads with wrk (16 connections by default).
# Target on the 2-core reference machine: >= 10,000 req/s with p99 <= 10 ms.
#
#   bench/runtime_bench.sh                      # builds build/release if needed
#   POLCHECK_BIN=build/ci/cli/polcheck bench/runtime_bench.sh
#   BENCH_CONNECTIONS=16 BENCH_THREADS=2 BENCH_SERVER_THREADS=2 BENCH_SECONDS=10 bench/runtime_bench.sh
#   BENCH_TLS=1 bench/runtime_bench.sh          # over HTTPS (throw-away P-256 certificate, --tls-*)
#
# Needs wrk and curl (scripts/install-test-tools.sh --bench installs wrk); BENCH_TLS needs openssl.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${POLCHECK_BIN:-$root/build/release/cli/polcheck}"
connections="${BENCH_CONNECTIONS:-16}"
threads="${BENCH_THREADS:-2}"
server_threads="${BENCH_SERVER_THREADS:-2}"
seconds="${BENCH_SECONDS:-10}"
tls="${BENCH_TLS:-0}"

command -v wrk >/dev/null || { echo "wrk is not installed (scripts/install-test-tools.sh --bench)" >&2; exit 2; }
if [ -z "${POLCHECK_BIN:-}" ]; then
  cmake --preset release -S "$root" >/dev/null
  cmake --build --preset release --target polcheck -j"${BENCH_JOBS:-2}" >/dev/null
fi

work="$(mktemp -d)"
out="$work/server.out"
tls_args=()
curl_tls=()
if [ "$tls" = 1 ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=polcheck-bench \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
  tls_args=(--tls-cert-file "$work/cert.pem" --tls-key-file "$work/key.pem")
  curl_tls=(--cacert "$work/cert.pem")
fi
"$bin" serve --dev --listen 127.0.0.1:0 --dev-root-token root --threads "$server_threads" "${tls_args[@]}" >"$out" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$work"' EXIT
addr=""
for _ in $(seq 100); do
  addr="$(sed -n "s/.*VAULT_ADDR='\(.*\)'.*/\1/p" "$out")"
  [ -n "$addr" ] && break
  sleep 0.05
done
[ -n "$addr" ] || { cat "$out" >&2; exit 2; }

api() { curl -sf "${curl_tls[@]}" -H 'X-Vault-Token: root' "$@"; }
api -X PUT "$addr/v1/sys/policies/acl/reader" \
  -d '{"policy":"path \"secret/data/bench/*\" { capabilities = [\"read\"] }"}' >/dev/null
api -X POST "$addr/v1/secret/data/bench/app" \
  -d '{"data":{"username":"svc-bench","password":"correct-horse-battery-staple","port":5432}}' >/dev/null
token="$(api -X POST "$addr/v1/auth/token/create" -d '{"policies":["reader"],"no_default_policy":true}' |
  sed -n 's/.*"client_token":"\([^"]*\)".*/\1/p')"
[ -n "$token" ] || { echo "could not create the bench token" >&2; exit 2; }
curl -sf "${curl_tls[@]}" -H "X-Vault-Token: $token" "$addr/v1/secret/data/bench/app" | grep -q correct-horse || {
  echo "the bench token cannot read the secret" >&2; exit 2; }

cat >"$work/read.lua" <<LUA
wrk.method = "GET"
wrk.headers["X-Vault-Token"] = "$token"
done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d errors=%d non2xx=%d rps=%.0f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f\n",
    summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
LUA
echo "polcheck serve --dev ($("$bin" --version 2>/dev/null | head -1)), $server_threads server threads, $addr;" \
  "wrk -t$threads -c$connections -d${seconds}s, KV v2 reads with a policy token"
wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency -s "$work/read.lua" "$addr/v1/secret/data/bench/app" |
  tee "$work/wrk.out"
result="$(grep '^RESULT' "$work/wrk.out")"
rps="$(sed -n 's/.* rps=\([0-9]*\).*/\1/p' <<<"$result")"
p99="$(sed -n 's/.* p99_ms=\([0-9.]*\).*/\1/p' <<<"$result")"
if [ "$rps" -ge 10000 ] && awk "BEGIN { exit !($p99 <= 10) }"; then
  echo "target met: $rps req/s >= 10000, p99 $p99 ms <= 10"
else
  echo "target missed: $rps req/s (target >= 10000), p99 $p99 ms (target <= 10)"
fi
