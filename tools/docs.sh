#!/usr/bin/env bash
# Regenerates docs/ from the provider's schema (its MarkdownDescriptions),
# templates/ and examples/, with terraform-plugin-docs (`go tool tfplugindocs`,
# pinned in go.mod). Run through `make docs` or `go generate ./...`.
#
# tfplugindocs would otherwise build the provider and run `terraform init`
# itself, and download Terraform when none is found; here the schema comes from
# the local CLI through dev_overrides, and tfplugindocs is handed the file.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

tf=$(terraform_cli)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

dev_overrides_setup "$work"
mkdir -p "$work/config"
cat >"$work/config/main.tf" <<'TF'
terraform {
  required_providers {
    flashback = {
      source = "flashbacknetwork/flashback"
    }
  }
}
TF

(
	cd "$work/config"
	TF_CLI_CONFIG_FILE=$work/cli.tfrc CHECKPOINT_DISABLE=1 "$tf" providers schema -json >"$work/schema.full.json"
)

# tfplugindocs looks the schema up by the provider's short name (or under
# registry.terraform.io/hashicorp/), not by its full source address.
sed 's#"registry.terraform.io/flashbacknetwork/flashback":#"flashback":#' "$work/schema.full.json" >"$work/schema.json"
if ! grep -q '"flashback":' "$work/schema.json"; then
	echo "docs.sh: no schema for registry.terraform.io/flashbacknetwork/flashback in the output of '$tf providers schema -json'" >&2
	exit 1
fi

go tool tfplugindocs generate \
	--provider-name flashback \
	--rendered-provider-name Flashback \
	--providers-schema "$work/schema.json"
# validate checks the rendered files' layout and front matter; its [DEBUG] log
# lines (one per file) are dropped.
go tool tfplugindocs validate \
	--provider-name flashback \
	--providers-schema "$work/schema.json" 2>&1 | { grep -v '\[DEBUG\]' || true; }
