#!/usr/bin/env bash
# Runs the acceptance tests that need Terraform 1.14 or later with the Terraform CLI given, and
# fails unless every one of them ran: a CLI older than 1.14, a pattern that matches no test, or
# a test that skipped fails the run, where `go test` alone would pass it unseen (the tests skip
# on older CLIs). `make testacc-query` and `make test TERRAFORM_QUERY=...` run it.
#
#   tools/testacc-query.sh TERRAFORM_CLI PATTERN [go test flags...]
#
# PATTERN is the GNUmakefile's QUERY_TESTS, for `go test -run`. Against a real Flashback API
# (FLASHBACK_ACCESS_TOKEN and FLASHBACK_TEST_REPO_ID set) the tests that need the emulator's
# hooks skip, as everywhere; no test may skip because of the CLI's version.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

usage="usage: $0 TERRAFORM_CLI PATTERN [go test flags...]"
tf=${1:?$usage}
pattern=${2:?$usage}
shift 2

need=1.14.0
first=$("$tf" version 2>/dev/null | head -1 || true)
have=
if [[ $first =~ ^Terraform\ v([0-9]+\.[0-9]+\.[0-9]+) ]]; then
	have=${BASH_REMATCH[1]}
fi
if [[ -z $have || $(printf '%s\n%s\n' "$need" "$have" | sort -V | head -1) != "$need" ]]; then
	echo "$tf is not Terraform $need or later (it says: ${first:-nothing}): the query tests need terraform query." >&2
	echo "Run 'make testacc-query', which builds one, or give one with TERRAFORM_QUERY=/path/to/terraform." >&2
	exit 1
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
echo "==> the tests that need Terraform $need or later (-run '$pattern'), with $tf (v$have)"
status=0
TF_ACC=1 TF_ACC_TERRAFORM_PATH=$tf go test -count=1 -v -run "$pattern" "$@" ./internal/provider/ 2>&1 |
	tee "$log" || status=$?

passed=$(grep -cE '^--- PASS: ' "$log" || true)
skipped=$(grep -cE '^[[:space:]]*--- SKIP: ' "$log" || true)
echo "==> $passed passed and $skipped skipped on Terraform v$have"
if ((status != 0)); then
	exit "$status"
fi
if ((passed == 0)); then
	echo "No test matched -run '$pattern': the query tests did not run." >&2
	exit 1
fi
if grep -q 'is below minimum version' "$log"; then
	echo "A test skipped because of the CLI's version: see the log above." >&2
	exit 1
fi
if ((skipped > 0)) && [[ -z ${FLASHBACK_ACCESS_TOKEN:-} || -z ${FLASHBACK_TEST_REPO_ID:-} ]]; then
	echo "$skipped test(s) skipped against the emulator, where every one must run:" >&2
	grep -E '^[[:space:]]*--- SKIP: ' "$log" >&2
	exit 1
fi
