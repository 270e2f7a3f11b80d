package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/devcli"
	"github.com/flashbacknetwork/terraform-provider-flashback/internal/provider"
)

// servedByProvider is what the provider's protocol server serves.
func servedByProvider(t *testing.T) served {
	t.Helper()
	server, err := providerserver.NewProtocol6WithError(provider.New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	s, err := serve(context.Background(), server)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// document is the schema document for the provider, encoded and decoded as
// terraform-plugin-docs reads it (tfjson validates the format version).
func document(t *testing.T) *tfjson.ProviderSchema {
	t.Helper()
	schemas, err := providerSchemas(servedByProvider(t), address)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(schemas)
	if err != nil {
		t.Fatal(err)
	}
	var decoded tfjson.ProviderSchemas
	if err := json.Unmarshal(b, &decoded); err != nil {
		t.Fatalf("terraform-json cannot read the document: %v", err)
	}
	ps, ok := decoded.Schemas[address]
	if !ok {
		t.Fatalf("the document has no schemas under %s", address)
	}
	return ps
}

func TestProviderSchemas_identitiesAndListResources(t *testing.T) {
	t.Parallel()
	ps := document(t)

	identity, ok := ps.ResourceIdentitySchemas["flashback_repo_ai_apikey"]
	if !ok {
		t.Fatal("no identity schema for flashback_repo_ai_apikey")
	}
	for _, name := range []string{"repo_id", "id"} {
		a, ok := identity.Attributes[name]
		if !ok || !a.RequiredForImport || a.Description == "" || a.IdentityType.FriendlyName() != "string" {
			t.Errorf("identity attribute %s: %+v; want a described string, required for import", name, a)
		}
	}

	list, ok := ps.ListResourceSchemas["flashback_repo_ai_apikey"]
	if !ok {
		t.Fatal("no list resource schema for flashback_repo_ai_apikey")
	}
	if list.Block.Description == "" || list.Block.DescriptionKind != tfjson.SchemaDescriptionKindMarkdown {
		t.Errorf("list resource description %q (%s), want a Markdown description", list.Block.Description, list.Block.DescriptionKind)
	}
	want := map[string]string{"repo_id": "required", "name": "optional", "ai_type": "optional"}
	got := map[string]string{}
	for name, a := range list.Block.Attributes {
		got[name] = map[bool]string{true: "required", false: "optional"}[a.Required]
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("list resource attributes %v, want %v", got, want)
	}
}

// What both can say, the document says as `terraform providers schema -json`
// does, so that the pages rendered from it do not change with its source.
// It needs a Terraform CLI (TF_ACC and TF_ACC_TERRAFORM_PATH, as `make test`
// sets them) and builds the provider.
func TestProviderSchemas_matchTerraform(t *testing.T) {
	cli := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if os.Getenv("TF_ACC") == "" || cli == "" {
		t.Skip("compares with `terraform providers schema -json`: set TF_ACC and TF_ACC_TERRAFORM_PATH (make test does)")
	}
	ctx := context.Background()
	root, err := devcli.ModuleRoot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	build := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(dir, "terraform-provider-flashback"), ".")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	if err := devcli.WriteCLIConfig(filepath.Join(dir, "cli.tfrc"), dir, "flashbacknetwork/flashback"); err != nil {
		t.Fatal(err)
	}
	config := `terraform {
  required_providers {
    flashback = { source = "flashbacknetwork/flashback" }
  }
}
`
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, cli, "providers", "schema", "-json")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+filepath.Join(dir, "cli.tfrc"), "CHECKPOINT_DISABLE=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s providers schema -json: %v\n%s", cli, err, stderr.String())
	}
	var fromCLI tfjson.ProviderSchemas
	if err := json.Unmarshal(out, &fromCLI); err != nil {
		t.Fatal(err)
	}
	var cliSchema *tfjson.ProviderSchema
	for addr, ps := range fromCLI.Schemas {
		if filepath.Base(addr) == "flashback" {
			cliSchema = ps
		}
	}
	if cliSchema == nil {
		t.Fatalf("%s providers schema -json has no flashback provider: %s", cli, out)
	}
	ours := document(t)

	for _, c := range []struct {
		what     string
		ours, tf any
	}{
		{"provider", ours.ConfigSchema, cliSchema.ConfigSchema},
		{"resources", ours.ResourceSchemas, cliSchema.ResourceSchemas},
		{"data sources", ours.DataSourceSchemas, cliSchema.DataSourceSchemas},
	} {
		a, _ := json.Marshal(c.ours)
		b, _ := json.Marshal(c.tf)
		if !bytes.Equal(a, b) {
			t.Errorf("%s differ from %s's:\n ours %s\n  cli %s", c.what, cli, a, b)
		}
	}
	// A CLI that knows identities (Terraform or OpenTofu 1.12+) must agree on them too.
	if len(cliSchema.ResourceIdentitySchemas) > 0 {
		a, _ := json.Marshal(ours.ResourceIdentitySchemas)
		b, _ := json.Marshal(cliSchema.ResourceIdentitySchemas)
		if !bytes.Equal(a, b) {
			t.Errorf("identity schemas differ from %s's:\n ours %s\n  cli %s", cli, a, b)
		}
	}
}
