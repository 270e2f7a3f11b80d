// Package devcli sets up the Terraform or OpenTofu CLI to run providers built
// from this repository, for the demo, the benchmark and the tests that drive
// the CLI directly. Nothing it sets up ever reaches a registry.
package devcli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// registries are the hosts a short provider source such as
// "flashbacknetwork/flashback" means: Terraform's, and OpenTofu's.
var registries = []string{"registry.terraform.io", "registry.opentofu.org"}

// ModuleRoot is the directory of this module's go.mod, found from the working
// directory, so that a program runs from anywhere inside the repository.
func ModuleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("find the module root with `go env GOMOD`: %w; run from inside the repository", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("not inside a Go module: run from inside the repository")
	}
	return filepath.Dir(gomod), nil
}

// CLIConfig is a CLI configuration whose dev_overrides make both Terraform and
// OpenTofu take each of sources (short sources, "namespace/name") from dir.
func CLIConfig(dir string, sources ...string) string {
	var b strings.Builder
	b.WriteString("provider_installation {\n  dev_overrides {\n")
	for _, source := range sources {
		for _, host := range registries {
			fmt.Fprintf(&b, "    %q = %q\n", host+"/"+source, filepath.ToSlash(dir))
		}
	}
	b.WriteString("  }\n  direct {}\n}\n")
	return b.String()
}

// WriteCLIConfig writes CLIConfig(dir, sources...) to path.
func WriteCLIConfig(path, dir string, sources ...string) error {
	if err := os.WriteFile(path, []byte(CLIConfig(dir, sources...)), 0o644); err != nil {
		return fmt.Errorf("write the Terraform CLI configuration: %w", err)
	}
	return nil
}
