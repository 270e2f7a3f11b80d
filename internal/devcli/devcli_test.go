package devcli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCLIConfig_overridesEverySourceForTerraformAndOpenTofu(t *testing.T) {
	got := CLIConfig("/tmp/bin", "flashbacknetwork/flashback", "bench/noop")
	for _, want := range []string{
		`"registry.terraform.io/flashbacknetwork/flashback" = "/tmp/bin"`,
		`"registry.opentofu.org/flashbacknetwork/flashback" = "/tmp/bin"`,
		`"registry.terraform.io/bench/noop" = "/tmp/bin"`,
		`"registry.opentofu.org/bench/noop" = "/tmp/bin"`,
		"direct {}",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("CLI configuration lacks %s:\n%s", want, got)
		}
	}
}

func TestModuleRoot_findsThisModule(t *testing.T) {
	root, err := ModuleRoot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), "module github.com/flashbacknetwork/terraform-provider-flashback\n") {
		t.Errorf("%s/go.mod is not this module's", root)
	}
}
