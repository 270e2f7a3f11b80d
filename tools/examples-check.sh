#!/usr/bin/env bash
# Checks every example: `terraform fmt -check` over examples/, then
# `terraform validate` of each directory holding .tf files, against the
# provider built from this checkout (dev_overrides, no registry, no init).
#
# A directory that needs a provider that is neither this one nor one built
# into .tools/providers (`make time-provider`) cannot be validated offline: it
# is reported as NOT VALIDATED, and fails the check when EXAMPLES_STRICT=1.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

tf=$(terraform_cli)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "==> $tf fmt -check -recursive examples"
if ! "$tf" fmt -check -recursive -diff examples; then
	echo "Examples are not formatted: run 'make fmt'." >&2
	exit 1
fi

dev_overrides_setup "$work"
export TF_CLI_CONFIG_FILE=$work/cli.tfrc CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
# Validate copies, so that nothing (.terraform, lock files) is left in the tree;
# the whole tree is copied so that relative module sources still resolve.
cp -R examples "$work/examples"

# errors_only drops what precedes the first error (the warning that dev
# overrides are in effect, which every run prints) and indents the rest.
errors_only() {
	awk '/^Error: /{e=1} e{print "        " $0}'
}

mapfile -t dirs < <(find examples -name '*.tf' -printf '%h\n' | sort -u)
validated=() skipped=() failed=()
for d in "${dirs[@]}"; do
	if out=$(cd "$work/$d" && "$tf" validate -no-color 2>&1); then
		validated+=("$d")
		echo "ok      $d"
	elif grep -qE 'required plugins are not installed|Missing required provider|Inconsistent dependency lock file|provider registry|Module not installed' <<<"$out"; then
		skipped+=("$d")
		echo "SKIPPED $d: needs a provider or module that cannot be installed offline (formatting checked only)"
		errors_only <<<"$out" | head -4
	else
		failed+=("$d")
		echo "FAIL    $d"
		errors_only <<<"$out"
	fi
done

echo
echo "Examples: ${#validated[@]} validated, ${#skipped[@]} not validated (formatting only), ${#failed[@]} failed."
if ((${#failed[@]})); then
	exit 1
fi
if ((${#skipped[@]})) && [[ ${EXAMPLES_STRICT:-0} == 1 ]]; then
	echo "EXAMPLES_STRICT=1: every example must be validated." >&2
	exit 1
fi
