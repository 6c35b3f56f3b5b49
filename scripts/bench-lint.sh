#!/usr/bin/env bash
# Times `polcheck lint` (Release) on the shared corpus replicated to >= 10,000
# policy files in a temporary directory. Target: the whole run under 2 s.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=../shared/corpus/policies
if [ ! -d "$corpus" ]; then
  echo "bench-lint: $corpus not found" >&2
  exit 2
fi
bash scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target polcheck >/dev/null
work=$(mktemp -d)
out=$(mktemp -d)  # reports go outside the linted tree (a .json report would be linted next run)
trap 'rm -rf "$work" "$out"' EXIT
n=0 copy=0
while [ "$n" -lt 10000 ]; do
  mkdir -p "$work/copy$copy"
  cp -r "$corpus"/. "$work/copy$copy/"
  n=$(find "$work" -type f \( -name '*.hcl' -o -name '*.json' \) | wc -l)
  copy=$((copy + 1))
done
echo "bench-lint: $n policy files in $copy copies of the corpus"
for run in 1 2 3; do
  start=$EPOCHREALTIME
  set +e
  build/release/cli/polcheck lint "$work" --format json --output "$out/report.json"
  code=$?
  set -e
  end=$EPOCHREALTIME
  printf 'run %d: %.3f s (exit %d, %s findings)\n' "$run" "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" "$code" \
    "$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['summary']['findings'])" "$out/report.json")"
done
