#!/usr/bin/env bash
# Runs one end-to-end case: run_case.sh POLCHECK_BINARY CASE_DIR
# With POLCHECK_E2E_UPDATE=1 it rewrites the expected files from the actual run.
set -uo pipefail
bin=$1
dir=$2
cd "$dir" || exit 2
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT

stdin=/dev/null
[ -f stdin ] && stdin=stdin
# shellcheck disable=SC2086
eval "\"$bin\" $(cat args)" <"$stdin" >"$out" 2>"$err"
code=$?

if [ "${POLCHECK_E2E_UPDATE:-}" = 1 ]; then
  echo "$code" >expected_exit
  cp "$out" expected_stdout
  if [ -s "$err" ] || [ -f expected_stderr ]; then cp "$err" expected_stderr; fi
  echo "updated $dir"
  exit 0
fi

fail=0
expected_code=$(cat expected_exit)
if [ "$code" != "$expected_code" ]; then
  echo "exit code: expected $expected_code, got $code"
  fail=1
fi
if [ -f expected_stdout ] && ! diff -u expected_stdout "$out" >&2; then
  echo "stdout differs (expected_stdout vs actual, above)"
  fail=1
fi
if [ -f expected_stderr ] && ! diff -u expected_stderr "$err" >&2; then
  echo "stderr differs (expected_stderr vs actual, above)"
  fail=1
fi
if [ $fail -ne 0 ]; then
  echo "--- actual stderr:"; cat "$err"
  echo "(regenerate with POLCHECK_E2E_UPDATE=1 after checking the new output is right)"
fi
exit $fail
