#!/usr/bin/env bash
# Builds the benchmarks in Release (build/bench), runs them and prints one table
# per part with each benchmark's time and its ratio to the part's baseline.
#
#   bench/run.sh                 # every part that has a *_bench binary
#   bench/run.sh evaluator       # only BM_Evaluator_*
#   BENCH_FILTER='Check/1000' bench/run.sh evaluator
#   BENCH_JOBS=1 bench/run.sh    # build parallelism (default 2)
#
# Baselines: evaluator Check/Capabilities/CheckNoPlus vs Reference/<N> (the
# test suite's reference evaluator, which works like Vault's acl.go); parser
# Corpus vs ScanOnly; linter Corpus10k vs ParseOnly10k.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build/bench"
parts=("$@")
if [ ${#parts[@]} -eq 0 ]; then
  parts=(parser evaluator linter)
fi

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPOLCHECK_BUILD_TESTS=OFF \
  -DPOLCHECK_BUILD_BENCH=ON >/dev/null
targets=()
for part in "${parts[@]}"; do
  targets+=("${part}_bench")
  [ "$part" = evaluator ] && targets+=(polcheck)
done
cmake --build "$build" -j"${BENCH_JOBS:-2}" --target "${targets[@]}" >/dev/null

for part in "${parts[@]}"; do
  bin="$build/bench/${part}_bench"
  [ -x "$bin" ] || { echo "no $bin" >&2; continue; }
  json="$build/${part}_bench.json"
  "$bin" --benchmark_format=json --benchmark_filter="${BENCH_FILTER:-.}" >"$json" 2>/dev/null
  python3 - "$json" "$part" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))
part = sys.argv[2]
# benchmark -> baseline (same /<N> suffix when present)
baselines = {
    "evaluator": {"Check": "Reference", "CheckNoPlus": "Reference", "Capabilities": "Reference"},
    "parser": {"Corpus": "ScanOnly", "CorpusLoad": "ScanOnly"},
    "linter": {"Corpus10k": "ParseOnly10k"},
    "diff": {"Workspaces": "Load"},
}.get(part, {})
to_ns = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
rows = {}
for b in data["benchmarks"]:
    if b.get("run_type", "iteration") != "iteration":
        continue
    name = b["name"].split("_", 2)[-1]           # "Check/1000"
    what, _, size = name.partition("/")
    rows[(what, size)] = (b["real_time"] * to_ns[b["time_unit"]], b)
def fmt(ns):
    if ns >= 1e6: return f"{ns/1e6:10.2f} ms"
    if ns >= 1e3: return f"{ns/1e3:10.2f} us"
    return f"{ns:10.1f} ns"
print(f"\n{part}: {data['context'].get('num_cpus')} cpus, {data['context'].get('mhz_per_cpu')} MHz, "
      f"load {data['context'].get('load_avg', ['?'])[0]}, libbenchmark {data['context'].get('library_build_type')}")
print(f"{'benchmark':<32}{'time/op':>14}{'baseline':>14}{'speed-up':>12}  counters")
for (what, size), (ns, b) in sorted(rows.items(), key=lambda kv: (kv[0][0], int(kv[0][1] or 0))):
    base = baselines.get(what)
    base_ns = rows.get((base, size), (None,))[0] if base else None
    ratio = f"{base_ns/ns:10.1f}x" if base_ns else " " * 11
    extra = ", ".join(f"{k}={v:.2f}" for k, v in b.items()
                      if k in ("acl_mb", "allowed_pct", "blocks", "files_per_second", "bytes_per_second",
                               "principals_changed", "groups_compared", "regions"))
    label = f"BM_{part.capitalize()}_{what}" + (f"/{size}" if size else "")
    print(f"{label:<32}{fmt(ns):>14}{(fmt(base_ns) if base_ns else ''):>14}{ratio:>12}  {extra}")
PY
done

# The same workload through the CLI timing loop (policies parsed from files).
if [[ " ${parts[*]} " == *" evaluator "* ]] && [ -z "${BENCH_FILTER:-}" ]; then
  work="$build/workload"
  for n in 10 100 1000; do
    "$build/cli/polcheck" bench generate --out "$work/$n" --policies "$n" >/dev/null
    printf 'polcheck bench eval N=%-5s %s\n' "$n" \
      "$("$build/cli/polcheck" bench eval --policies "$work/$n/policies" --requests "$work/$n/requests.jsonl")"
  done
fi
