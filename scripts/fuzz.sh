#!/usr/bin/env bash
# Fuzzes the policy parser with libFuzzer (clang, ASan+UBSan), seeded from the
# shared corpus when it is present.
#   scripts/fuzz.sh --smoke        20 s, for the test suite
#   scripts/fuzz.sh [SECONDS]      a longer run you start yourself (default 600)
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=600
if [ "${1:-}" = "--smoke" ]; then
  seconds=20
elif [ -n "${1:-}" ]; then
  seconds=$1
fi

bash scripts/install-deps.sh
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz --target parser_fuzz

work=build/fuzz/corpus
mkdir -p "$work"
seeds=()
if [ -d ../shared/corpus/policies ]; then
  seeds+=(../shared/corpus/policies)
else
  echo "fuzz: ../shared/corpus is absent; starting from examples/ only" >&2
fi
seeds+=(examples)

# The parser must not be slow on any input: -timeout catches hangs.
build/fuzz/fuzz/parser_fuzz "$work" "${seeds[@]}" \
  -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 -max_len=65536 \
  -print_final_stats=1 2>&1 | tail -n 25
echo "fuzz: parser fuzzing ran ${seconds}s without a crash"
