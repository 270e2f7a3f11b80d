package provider

import (
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/zclconf/go-cty/cty"
)

// examplesDir holds the examples/ that the documentation renders.
const examplesDir = "../../examples"

// The query files in examples/ (*.tfquery.hcl) need `terraform query`
// (Terraform 1.14+), which `make examples-check` has only when given
// TERRAFORM_QUERY (as in CI): in every `make test`, their list blocks are
// checked against the provider's list resources, through the
// ValidateListResourceConfig call Terraform would make.
func TestListResourceExamples(t *testing.T) {
	t.Parallel()
	var files []string
	err := filepath.WalkDir(examplesDir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".tfquery.hcl") {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no query file (*.tfquery.hcl) in %s", examplesDir)
	}
	p := newUnconfiguredProtoProvider(t)
	for _, file := range files {
		t.Run(strings.TrimPrefix(file, examplesDir+"/"), func(t *testing.T) {
			f, diags := hclparse.NewParser().ParseHCLFile(file)
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			content, diags := f.Body.Content(&hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
				{Type: "list", LabelNames: []string{"type", "name"}},
			}})
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			if len(content.Blocks) == 0 {
				t.Fatal("no list block")
			}
			for _, b := range content.Blocks {
				checkListBlock(t, p, b)
			}
		})
	}
}

// checkListBlock checks one list block: a list resource of this provider,
// through the flashback provider, whose config Terraform would accept.
func checkListBlock(t *testing.T, p *protoProvider, b *hcl.Block) {
	t.Helper()
	typeName, where := b.Labels[0], b.DefRange.String()
	schema, ok := p.schema.ListResourceSchemas[typeName]
	if !ok {
		t.Errorf("%s: the provider has no list resource %s", where, typeName)
		return
	}
	inner, diags := b.Body.Content(&hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{{Name: "provider", Required: true}, {Name: "include_resource"}, {Name: "limit"}},
		Blocks:     []hcl.BlockHeaderSchema{{Type: "config"}},
	})
	if diags.HasErrors() {
		t.Errorf("%s: %s", where, diags)
		return
	}
	if tr, d := hcl.AbsTraversalForExpr(inner.Attributes["provider"].Expr); d.HasErrors() || tr.RootName() != "flashback" {
		t.Errorf("%s: provider must be flashback", where)
	}
	if a, ok := inner.Attributes["include_resource"]; ok {
		if v, d := a.Expr.Value(nil); d.HasErrors() || v.Type() != cty.Bool {
			t.Errorf("%s: include_resource must be true or false", where)
		}
	}
	if len(inner.Blocks) != 1 {
		t.Errorf("%s: want one config block, got %d", where, len(inner.Blocks))
		return
	}
	attrs, diags := inner.Blocks[0].Body.JustAttributes()
	if diags.HasErrors() {
		t.Errorf("%s: %s", where, diags)
		return
	}
	known := map[string]bool{}
	cfg := map[string]string{}
	for _, a := range schema.Block.Attributes {
		known[a.Name] = true
		if _, set := attrs[a.Name]; a.Required && !set {
			t.Errorf("%s: config lacks the required %s", where, a.Name)
		}
	}
	for name, a := range attrs {
		v, d := a.Expr.Value(nil)
		switch {
		case !known[name]:
			t.Errorf("%s: %s has no config attribute %s", where, typeName, name)
		case d.HasErrors() || v.Type() != cty.String:
			t.Errorf("%s: config attribute %s must be a literal string here", where, name)
		default:
			cfg[name] = v.AsString()
		}
	}
	if t.Failed() {
		return
	}
	if got := p.validateList(typeName, cfg); got != "" {
		t.Errorf("%s: Terraform would refuse the config: %s", where, got)
	}
}
