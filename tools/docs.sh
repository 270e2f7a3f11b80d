#!/usr/bin/env bash
# Regenerates docs/ from the provider's schema (its MarkdownDescriptions),
# templates/ and examples/, with terraform-plugin-docs (`go tool tfplugindocs`,
# pinned in go.mod). Run through `make docs` or `go generate ./...`.
#
# The schema comes from the provider's own protocol server
# (internal/cmd/schemajson), in the form of `terraform providers schema
# -json`, not from a CLI: a CLI reports only what it knows, and Terraform
# before 1.12 knows no resource identities, before 1.14 no list resources,
# which would then be missing from docs/ without an error. Nothing is
# downloaded and no CLI is needed.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# tfplugindocs looks the schema up by the provider's short name (or under
# registry.terraform.io/hashicorp/), not by its full source address.
go run ./internal/cmd/schemajson -key flashback >"$work/schema.json"

go tool tfplugindocs generate \
	--provider-name flashback \
	--rendered-provider-name Flashback \
	--providers-schema "$work/schema.json"
# validate checks the rendered files' layout and front matter; its [DEBUG] log
# lines (one per file) are dropped.
go tool tfplugindocs validate \
	--provider-name flashback \
	--providers-schema "$work/schema.json" 2>&1 | { grep -v '\[DEBUG\]' || true; }
# tfplugindocs renders what the schema and the templates hold and says nothing
# of what they leave out: check that every identity and list resource the
# provider serves is documented.
go run ./internal/cmd/schemajson -check-docs docs
