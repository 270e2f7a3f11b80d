#!/usr/bin/env bash
# Builds the Terraform CLI of a given version from its Go module, for the tests
# that need a newer CLI than `go install` can build here (`terraform query` and
# list resources need Terraform 1.14):
#
#   tools/build-terraform.sh VERSION OUTPUT    e.g. 1.14.5 .tools/bin/terraform-1.14.5
#
# Nothing but the Go module proxy is used. `go install github.com/hashicorp/terraform@v1.14.x`
# fails, for two reasons: Terraform's go.mod has replace directives, which `go install
# module@version` refuses, and they point at nested modules (remote-state backends such as s3,
# gcs and azurerm, and internal/legacy, which only they use) that the module's zip leaves out,
# so the proxy has no source for them. So the module is downloaded with `go mod download`,
# copied, every requirement whose replacement directory is missing is dropped from go.mod, the
# backends that import them are removed from the list of backends, and the copy is built in
# place. What is left is Terraform with the local, remote, cloud, http and inmem backends:
# everything provider tests use. Configuring a removed backend fails with "Unsupported backend
# type".
#
# Does nothing when OUTPUT already reports that version. Takes a few minutes on 2 cores the first
# time; with a warm Go build cache, about a minute.
set -euo pipefail

usage="usage: $0 VERSION OUTPUT"
version=${1:?$usage}
out=${2:?$usage}
case $out in /*) ;; *) out=$PWD/$out ;; esac

# reports VERSION: whether the binary at OUTPUT is Terraform VERSION.
reports() {
	[[ -x $out ]] && [[ $("$out" version 2>/dev/null | head -1) == "Terraform v$1" ]]
}
if reports "$version"; then
	echo "$out is Terraform v$version already."
	exit 0
fi

module=github.com/hashicorp/terraform
echo "Building Terraform $version from the Go module proxy into $out (a few minutes, once)"
src=$(go mod download -json "$module@v$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
if [[ -z $src || ! -f $src/go.mod ]]; then
	echo "go mod download $module@v$version gave no source directory" >&2
	exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -R "$src" "$work/terraform"
chmod -R u+w "$work/terraform"
cd "$work/terraform"

# The modules that go.mod replaces with a directory of the repository that the module zip lacks.
missing=()
while read -r mod dir; do
	[[ -e $dir ]] || missing+=("$mod")
done < <(sed -n -E 's#^replace[[:space:]]+([^[:space:]]+)[[:space:]]+=>[[:space:]]+(\./[^[:space:]]+)[[:space:]]*$#\1 \2#p' go.mod)

for mod in "${missing[@]}"; do
	echo "  leaving out $mod (not in the module zip)"
	# Its require and replace lines.
	grep -v -F -e "$mod " go.mod >go.mod.new
	mv go.mod.new go.mod
	# Every Go file that imports it (the list of backends, internal/backend/init/init.go)
	# loses the import and each line that uses it: one entry of the backends map.
	while IFS= read -r file; do
		alias=$(sed -n -E 's#^[[:space:]]*([A-Za-z_][A-Za-z0-9_]*)[[:space:]]+"'"$mod"'"[[:space:]]*$#\1#p' "$file")
		if [[ -z $alias ]]; then
			echo "$file imports $mod without a name: cannot cut it out; see $0" >&2
			exit 1
		fi
		grep -v -w -e "$alias" "$file" >"$file.new"
		mv "$file.new" "$file"
	done < <(grep -rlF --include='*.go' --exclude='*_test.go' "\"$mod\"" . || true)
done

mkdir -p "$(dirname "$out")"
# The build's own go.mod and go.sum decide, not a go.work or GOFLAGS of the caller; -mod=mod
# lets go update go.sum for the requirements that are gone.
GOWORK=off GOFLAGS= go build -mod=mod -ldflags "-X $module/version.dev=no" -o "$out.tmp" .
mv "$out.tmp" "$out"
if ! reports "$version"; then
	echo "the build at $out does not report Terraform v$version:" >&2
	"$out" version >&2 || true
	exit 1
fi
echo "Built $("$out" version | head -1) at $out"
