#!/usr/bin/env bash
# Checks that `polcheck test` machine formats are valid: JUnit as well-formed
# XML (xmllint), JSON parsed with its documented fields, both written with
# --output.   usage: validate_test_formats.sh POLCHECK_BINARY
set -euo pipefail
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$here/cases/test/failing"

expect_exit() {  # expect_exit CODE command...
  local want=$1; shift
  set +e; "$@"; local got=$?; set -e
  if [ "$got" != "$want" ]; then echo "FAIL: exit $got (want $want): $*"; exit 1; fi
}

expect_exit 1 "$bin" test failing_test.yaml -C "$root/examples/k8s-aws-teams" --format junit --output "$work/out.xml"
xmllint --noout "$work/out.xml"
python3 - "$work/out.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
suites = ET.parse(sys.argv[1]).getroot()
assert suites.tag == "testsuites" and suites.get("tests") == "4" and suites.get("failures") == "3", suites.attrib
cases = suites.findall("./testsuite/testcase")
assert [c.get("name") for c in cases][3] == '<xml> & "quotes" in a name'
assert len(suites.findall("./testsuite/testcase/failure")) == 3
print("well-formed JUnit XML")
PY

expect_exit 0 "$bin" test "$root/examples/oidc-groups" --format json --coverage-min 50 --output "$work/out.json"
python3 - "$work/out.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert set(r) == {"tool", "summary", "tests", "coverage"}, r.keys()
assert r["summary"] == {"tests": 9, "passed": 9, "failed": 0, "files": 1}, r["summary"]
assert r["coverage"]["minimum"] == 50 and r["coverage"]["below_minimum"] is False
assert r["coverage"]["covered"] == 7 and r["coverage"]["total"] == 8
print("valid JSON report")
PY
