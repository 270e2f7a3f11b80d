package provider

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// TestMain makes sure terraform-plugin-testing never downloads a Terraform
// CLI: without TF_ACC_TERRAFORM_PATH it would fetch one from the internet
// when none is on PATH. The GNUmakefile always sets it; a bare `go test` with
// TF_ACC set uses the terraform on PATH, or stops and says what to do.
func TestMain(m *testing.M) {
	if os.Getenv("TF_ACC") != "" && os.Getenv("TF_ACC_TERRAFORM_PATH") == "" {
		cli, err := exec.LookPath("terraform")
		if err != nil {
			fmt.Fprintln(os.Stderr, "acceptance tests need a Terraform CLI and must not download one: "+
				"run `make test` (it builds one when none is on PATH), or set TF_ACC_TERRAFORM_PATH")
			os.Exit(1)
		}
		if err := os.Setenv("TF_ACC_TERRAFORM_PATH", cli); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	os.Exit(m.Run())
}
