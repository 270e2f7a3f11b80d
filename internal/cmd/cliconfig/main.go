// Command cliconfig prints a Terraform/OpenTofu CLI configuration whose
// dev_overrides take the given providers from one directory, for the scripts
// in tools/. It is devcli.CLIConfig from the command line, so that the Go
// programs and the scripts share one writer of that file.
//
//	go run ./internal/cmd/cliconfig -dir DIR flashbacknetwork/flashback hashicorp/time
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/devcli"
)

func main() {
	dir := flag.String("dir", "", "the directory that holds the provider binaries (required)")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: cliconfig -dir DIR SOURCE...")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *dir == "" || flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	fmt.Print(devcli.CLIConfig(*dir, flag.Args()...))
}
