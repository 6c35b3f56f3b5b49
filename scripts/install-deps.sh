#!/usr/bin/env bash
# Installs every Debian package polcheck needs to build, test and benchmark.
# Idempotent: packages already present are skipped without touching apt.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  clang libclang-rt-14-dev
  nlohmann-json3-dev libcli11-dev libfmt-dev libre2-dev libyaml-cpp-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libxml2-utils
  libboost-dev libsqlite3-dev libssl-dev libicu-dev
  libpq-dev libmariadb-dev
  # the system trust store of the runtime's https client (no CA PEM configured);
  # curl talks to the TLS listener in tests/runtime/tls_test.cc; the openssl CLI
  # makes throw-away certificates (client tests over HTTPS, test-databases.sh)
  ca-certificates curl openssl
)

# node and npm run the SARIF schema validator in the tests; the machine image
# may bring its own Node.js, otherwise Debian's is installed.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
