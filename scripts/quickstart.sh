#!/usr/bin/env bash
# README command 1: install dependencies, build polcheck (Release) and run its
# main job on the shipped examples.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release
bin=build/release/polcheck

run() {
  echo
  echo "\$ polcheck $*"
  set +e
  "$bin" "$@"
  echo "(exit code $?)"
  set -e
}

run parse examples/policies
run eval --policy examples/policies --path secret/data/team-a/app1/config --op read --explain
run eval --policy examples/policies --path secret/data/team-a/app1/config --op delete --explain
run eval --policy examples/policies --path sys/policies/acl/admin --op update
