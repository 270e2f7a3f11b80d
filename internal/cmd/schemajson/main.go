// Command schemajson writes the provider's schemas in the form of
// `terraform providers schema -json`, for terraform-plugin-docs, from the
// provider's own protocol server rather than from a CLI: a CLI only reports
// what it knows, and Terraform 1.11 knows neither resource identities (1.12)
// nor list resources (1.14), which would then be silently missing from docs/.
//
// With -check-docs it instead checks that a rendered docs/ directory covers
// every identity and every list resource the provider serves.
//
//	go run ./internal/cmd/schemajson > schema.json
//	go run ./internal/cmd/schemajson -check-docs docs
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/provider"
)

// address is the key Terraform gives the provider's schemas.
const address = "registry.terraform.io/flashbacknetwork/flashback"

func main() {
	key := flag.String("key", address, "the key of the provider's schemas in the output (terraform-plugin-docs looks them up by the provider's short name)")
	checkDocs := flag.String("check-docs", "", "check that this rendered docs directory documents every identity and list resource, instead of writing the schemas")
	flag.Parse()

	if err := run(context.Background(), *key, *checkDocs); err != nil {
		fmt.Fprintln(os.Stderr, "schemajson:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, key, checkDocs string) error {
	server, err := providerserver.NewProtocol6WithError(provider.New("docs")())()
	if err != nil {
		return err
	}
	s, err := serve(ctx, server)
	if err != nil {
		return err
	}
	if checkDocs != "" {
		// Checked against what the server says, not against the document:
		// a conversion that dropped something must not hide its absence.
		problems := checkDocsCover(os.DirFS(checkDocs), s)
		for _, p := range problems {
			fmt.Fprintf(os.Stderr, "%s: %s\n", checkDocs, p)
		}
		if len(problems) > 0 {
			return fmt.Errorf("%d problems in %s: run 'make docs' and commit it", len(problems), checkDocs)
		}
		return nil
	}
	schemas, err := providerSchemas(s, key)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(schemas)
}
