#!/usr/bin/env bash
# Installs the npm packages the test suite uses, from their lock files:
#  - tests/tools: the SARIF schema validator;
#  - tests/runtime/clients: the Vault clients node-vault 0.12 and hashi-vault-js 0.5
#    that drive `polcheck serve --dev` in the runtime client tests.
# Needs node and npm (scripts/install-deps.sh installs them from Debian when
# missing). With --bench it also installs wrk (Debian) for bench/runtime_bench.sh.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

cd "$root/tests/tools"
if [ ! -d node_modules/ajv-draft-04 ] || [ ! -d node_modules/ajv-formats ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

cd "$root/tests/runtime/clients"
if [ ! -d node_modules/node-vault ] || [ ! -d node_modules/hashi-vault-js ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

if [ "${1:-}" = "--bench" ] && ! command -v wrk >/dev/null; then
  apt-get install -y wrk
fi
