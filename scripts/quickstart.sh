#!/usr/bin/env bash
# README command 1: install dependencies, build polcheck (Release) and run its
# main job on the shipped examples.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release
bin=build/release/cli/polcheck
if [ ! -x "$bin" ]; then
  echo "quickstart: $bin was not built" >&2
  exit 2
fi

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
run simulate -C examples/k8s-aws-teams --role aaa-role --path secret/data/aaa/app/config --op update
run simulate -C examples/k8s-aws-teams --identity kubernetes:aaa-namespace/default --kv secret/aaa/app/config --op get --explain
run simulate -C examples/oidc-groups --identity jwt:examples/oidc-groups/claims/alice.json --path sys/policies/acl/ops --op update --explain
run who-can -C examples/k8s-aws-teams --path secret/data/aaa/app/config --op delete
run matrix -C examples/k8s-aws-teams --paths examples/k8s-aws-teams/paths.txt
run test examples/k8s-aws-teams --coverage
run test examples/db-read
run test examples/oidc-groups --coverage --coverage-min 80
