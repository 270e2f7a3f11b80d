// Command demo shows the provider end to end on a machine with nothing but Go
// and a Terraform CLI: it builds the provider, serves the Flashback emulator
// in-process with the organization alone, applies examples/quickstart (a
// governed AI gateway from nothing: a workspace, an LLM connection with a
// write-only secret, a repository that serves it, two policies and three AI
// API keys), renames one key in place and proves that the rename was an
// in-place update. `make demo` runs it.
//
//	go run ./internal/cmd/demo -terraform "$(command -v terraform)"
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	o := options{out: os.Stdout}
	flag.StringVar(&o.terraform, "terraform", "terraform", "the Terraform (or OpenTofu) CLI to run: a path, or a name looked up on PATH")
	flag.StringVar(&o.dir, "dir", ".demo", "where the provider binary, CLI configuration, emulator data and Terraform state live")
	flag.Parse()

	// Ctrl-C in a terminal reaches Terraform directly, and Terraform stops
	// gracefully on its own; catching it here keeps the emulator answering
	// until then, and stops the demo before its next step.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "demo failed:", err)
		os.Exit(1)
	}
}
