// Command terraform-provider-noop serves the benchmark's floor provider
// (internal/bench/noop).
package main

import (
	"context"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/bench/noop"
)

func main() {
	err := providerserver.Serve(context.Background(), noop.New, providerserver.ServeOpts{
		Address:         "registry.terraform.io/bench/noop",
		ProtocolVersion: 6,
	})
	if err != nil {
		log.Fatal(err)
	}
}
