#!/usr/bin/env bash
# Installs the npm packages the test suite uses (the SARIF schema validator)
# into tests/tools/node_modules, from the lock file. Needs node and npm
# (scripts/install-deps.sh installs them from Debian when missing).
set -euo pipefail
cd "$(dirname "$0")/../tests/tools"
if [ -d node_modules/ajv-draft-04 ] && [ -d node_modules/ajv-formats ]; then
  exit 0
fi
npm ci --no-audit --no-fund --loglevel=error
