#!/usr/bin/env bash
# Checks every example: `terraform fmt -check` over examples/, then
# `terraform validate` of each directory holding .tf files, against the
# provider built from this checkout (dev_overrides, no registry, no init).
#
# A directory that needs a provider that is neither this one nor one built
# into .tools/providers (`make time-provider`) cannot be validated offline: it
# is reported as NOT VALIDATED, and fails the check when EXAMPLES_STRICT=1.
#
# Some examples need a newer CLI than the one checking them. They are
# validated with $TERRAFORM_QUERY (a Terraform 1.14 or later: `make
# examples-check TERRAFORM_QUERY=...`, as CI runs it) when the CLI is too old,
# and otherwise reported as such, by name, rather than failing or passing
# unseen:
# - import-by-identity.tf (an import block with identity, Terraform and
#   OpenTofu 1.12+) is validated in place of its directory's
#   import-by-string-id.tf, which imports the same resource;
# - query files (*.tfquery.hcl, `terraform query`, Terraform 1.14+) are
#   validated with `terraform validate -query` in their directory. Without
#   such a CLI they are format-checked only; TestListResourceExamples (make
#   test) checks their list blocks against the provider's list resources.
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

# cli_version CLI: its version, "terraform_version" in both Terraform's and
# OpenTofu's `version -json`.
cli_version() {
	"$1" version -json 2>/dev/null | sed -n 's/^ *"terraform_version": *"\([0-9.]*\).*/\1/p' | head -1
}
version=$(cli_version "$tf")
query_tf=${TERRAFORM_QUERY:-}
query_version=
if [[ -n $query_tf ]]; then
	query_version=$(cli_version "$query_tf")
fi
# at_least X.Y VERSION: whether VERSION is X.Y or later.
at_least() {
	local want=$1 have=${2:-0.0}
	[[ $(printf '%s\n%s\n' "$want" "$have" | sort -V | head -1) == "$want" ]]
}
# cli_for X.Y: the CLI to validate what needs version X.Y with, the one
# checking the examples first; none when neither is recent enough.
cli_for() {
	if at_least "$1" "$version"; then
		printf '%s\n' "$tf"
	elif [[ -n $query_tf ]] && at_least "$1" "$query_version"; then
		printf '%s\n' "$query_tf"
	fi
}

# Query files: `fmt` before Terraform 1.14 does not read them, so each is
# checked under a .tf name (formatting is the same HCL).
mapfile -t queries < <(find examples -name '*.tfquery.hcl' | sort)
for q in "${queries[@]}"; do
	cp "$q" "$work/query.tf"
	if ! "$tf" fmt -check -diff "$work/query.tf" >/dev/null; then
		echo "$q is not formatted: run '$tf fmt' on a copy named .tf (terraform fmt before 1.14 skips query files)." >&2
		exit 1
	fi
done
rm -f "$work/query.tf"

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

# validate DIR NAME [CLI [ARGS...]]: validates the copy at $work/DIR with CLI
# (the one checking the examples by default), reported as NAME.
validated=() skipped=() failed=() newer=()
validate() {
	local d=$1 name=$2 cli=${3:-$tf} out
	local args=("${@:4}")
	if out=$(cd "$work/$d" && "$cli" validate -no-color "${args[@]}" 2>&1); then
		validated+=("$name")
		echo "ok      $name"
	elif grep -qE 'required plugins are not installed|Missing required provider|Inconsistent dependency lock file|provider registry|Module not installed' <<<"$out"; then
		skipped+=("$name")
		echo "SKIPPED $name: needs a provider or module that cannot be installed offline (formatting checked only)"
		errors_only <<<"$out" | head -4
	else
		failed+=("$name")
		echo "FAIL    $name"
		errors_only <<<"$out"
	fi
}

mapfile -t dirs < <(find examples -name '*.tf' -printf '%h\n' | sort -u)
for d in "${dirs[@]}"; do
	identity=$work/$d/import-by-identity.tf
	if [[ ! -f $identity ]]; then
		validate "$d" "$d"
		continue
	fi
	# Both import files import the same resource: one at a time.
	mv "$identity" "$work/import-by-identity.tf"
	validate "$d" "$d"
	cli=$(cli_for 1.12)
	if [[ -n $cli ]]; then
		rm -f "$work/$d/import-by-string-id.tf"
		mv "$work/import-by-identity.tf" "$identity"
		validate "$d" "$d with import-by-identity.tf" "$cli"
	else
		rm "$work/import-by-identity.tf"
		newer+=("$d/import-by-identity.tf")
		echo "NEWER   $d/import-by-identity.tf: import blocks with identity need Terraform or OpenTofu 1.12 or later, this CLI is $version (formatting checked only; make examples-check TERRAFORM_QUERY=... validates it)"
	fi
done
# Each directory with query files, validated with them (terraform validate -query).
mapfile -t query_dirs < <(for q in "${queries[@]}"; do dirname "$q"; done | sort -u)
cli=$(cli_for 1.14)
for d in "${query_dirs[@]}"; do
	if [[ -n $cli ]]; then
		validate "$d" "$d with its query files" "$cli" -query
		continue
	fi
	for q in "$d"/*.tfquery.hcl; do
		newer+=("$q")
		echo "NEWER   $q: query files need Terraform 1.14 or later (terraform query); formatting checked, and TestListResourceExamples checks its list blocks against the provider (make examples-check TERRAFORM_QUERY=... validates it)"
	done
done

echo
newer_than="$tf $version${query_tf:+ and $query_tf $query_version}"
echo "Examples: ${#validated[@]} validated, ${#skipped[@]} not validated (formatting only), ${#newer[@]} for a newer CLI than $newer_than, ${#failed[@]} failed."
if ((${#failed[@]})); then
	exit 1
fi
if ((${#skipped[@]})) && [[ ${EXAMPLES_STRICT:-0} == 1 ]]; then
	echo "EXAMPLES_STRICT=1: every example must be validated." >&2
	exit 1
fi
