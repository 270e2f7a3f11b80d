# Helpers shared by the scripts in tools/: sourced, not run.
#
# They run the Terraform CLI against the provider built from this checkout,
# through a CLI configuration with dev_overrides, so that nothing is ever
# downloaded from a registry and `terraform init` is not needed.

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOOLS_DIR=$REPO_ROOT/.tools

# The Terraform CLI: $TERRAFORM (the GNUmakefile sets it), else the one on
# PATH, else the one `make terraform-cli` builds.
terraform_cli() {
	local tf=${TERRAFORM:-}
	if [[ -z $tf ]]; then
		tf=$(command -v terraform 2>/dev/null || true)
	fi
	if [[ -z $tf && -x $TOOLS_DIR/bin/terraform ]]; then
		tf=$TOOLS_DIR/bin/terraform
	fi
	if [[ -z $tf ]]; then
		echo "No Terraform CLI: put terraform on PATH, set TERRAFORM, or run 'make terraform-cli'." >&2
		return 1
	fi
	printf '%s\n' "$tf"
}

# dev_overrides_setup DIR builds the provider into DIR/providers and writes
# DIR/cli.tfrc, which points flashbacknetwork/flashback at it (and
# hashicorp/time too, when `make time-provider` built it into
# .tools/providers). The file is written by internal/devcli, as for the demo
# and the tests. Export TF_CLI_CONFIG_FILE=DIR/cli.tfrc to use it.
dev_overrides_setup() {
	local dir=$1
	local sources=(flashbacknetwork/flashback)
	mkdir -p "$dir/providers"
	(cd "$REPO_ROOT" && go build -o "$dir/providers/terraform-provider-flashback" .)
	if [[ -x $TOOLS_DIR/providers/terraform-provider-time ]]; then
		cp "$TOOLS_DIR/providers/terraform-provider-time" "$dir/providers/"
		sources+=(hashicorp/time)
	fi
	(cd "$REPO_ROOT" && go run ./internal/cmd/cliconfig -dir "$dir/providers" "${sources[@]}") >"$dir/cli.tfrc"
}
