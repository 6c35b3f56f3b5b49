#!/usr/bin/env bash
# README command 2: install dependencies, build with warnings as errors and
# assertions on, and run the whole test suite (CTest, without the `slow` label),
# then a short libFuzzer smoke run of the parser.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
bash scripts/install-test-tools.sh
bash scripts/test-databases.sh install   # PostgreSQL and MariaDB for the SQL executor tests

cmake --preset ci
cmake --build --preset ci
ctest --preset ci

bash scripts/fuzz.sh --smoke
