package provider

import (
	"context"
	"regexp"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// identityOf is an import block's identity for ri, with the given values
// (null where a value is missing).
func identityOf(t *testing.T, ri resourceIdentity, values map[string]tftypes.Value) *tfsdk.ResourceIdentity {
	t.Helper()
	schema := ri.schema()
	typ := schema.Type().TerraformType(context.Background())
	attrs := map[string]tftypes.Value{}
	for _, a := range ri {
		attrs[a.name] = tftypes.NewValue(tftypes.String, nil)
		if v, ok := values[a.name]; ok {
			attrs[a.name] = v
		}
	}
	return &tfsdk.ResourceIdentity{Schema: schema, Raw: tftypes.NewValue(typ, attrs)}
}

func str(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }

// The identities the next resources will have: one scoped like a key, one
// that is its ID alone.
var (
	scopedIdentity = resourceIdentity{{name: "workspace_id", description: "The workspace's ID."}, {name: "id", description: "The ID."}}
	idOnlyIdentity = resourceIdentity{{name: "id", description: "The ID."}}
)

func TestResourceIdentity_importID(t *testing.T) {
	t.Parallel()
	unknown := tftypes.NewValue(tftypes.String, tftypes.UnknownValue)
	for _, tc := range []struct {
		name     string
		ri       resourceIdentity
		id       string
		identity map[string]tftypes.Value // nil: no identity in the request
		want     string
		wantErr  *regexp.Regexp
	}{
		{name: "string ID passes through", ri: scopedIdentity, id: "w/1", want: "w/1"},
		{name: "string ID wins over identity", ri: scopedIdentity, id: "w/1",
			identity: map[string]tftypes.Value{"workspace_id": str("x"), "id": str("2")}, want: "w/1"},
		{name: "scoped identity", ri: scopedIdentity,
			identity: map[string]tftypes.Value{"workspace_id": str("ws-1"), "id": str("550e8400")}, want: "ws-1/550e8400"},
		{name: "first part may hold slashes", ri: scopedIdentity,
			identity: map[string]tftypes.Value{"workspace_id": str("org/ws"), "id": str("7")}, want: "org/ws/7"},
		{name: "ID-only identity", ri: idOnlyIdentity, identity: map[string]tftypes.Value{"id": str("p-1")}, want: "p-1"},
		{name: "empty part", ri: scopedIdentity,
			identity: map[string]tftypes.Value{"workspace_id": str("ws-1"), "id": str("")},
			wantErr:  regexp.MustCompile(`(?s)Invalid import identity.*identity\.id is empty.*workspace_id, id.*<workspace_id>/<id>`)},
		{name: "null part", ri: scopedIdentity, identity: map[string]tftypes.Value{"id": str("7")},
			wantErr: regexp.MustCompile(`identity\.workspace_id is empty`)},
		{name: "slash in a later part", ri: scopedIdentity,
			identity: map[string]tftypes.Value{"workspace_id": str("ws"), "id": str("a/b")},
			wantErr:  regexp.MustCompile(`identity\.id \("a/b"\) contains a slash`)},
		{name: "spaces", ri: idOnlyIdentity, identity: map[string]tftypes.Value{"id": str(" p-1")},
			wantErr: regexp.MustCompile(`identity\.id \(" p-1"\) begins or ends with spaces`)},
		{name: "unknown", ri: idOnlyIdentity, identity: map[string]tftypes.Value{"id": unknown},
			wantErr: regexp.MustCompile(`identity\.id is not known until apply`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req := resource.ImportStateRequest{ID: tc.id}
			if tc.identity != nil {
				req.Identity = identityOf(t, tc.ri, tc.identity)
			}
			var resp resource.ImportStateResponse
			got := tc.ri.importID(context.Background(), req, &resp.Diagnostics)
			text := diagText(resp.Diagnostics)
			switch {
			case tc.wantErr == nil && (resp.Diagnostics.HasError() || got != tc.want):
				t.Fatalf("got %q (%s), want %q", got, text, tc.want)
			case tc.wantErr != nil && (!resp.Diagnostics.HasError() || !tc.wantErr.MatchString(text) || got != ""):
				t.Fatalf("got %q (%s), want an error matching %s", got, text, tc.wantErr)
			}
		})
	}
}

func TestResourceIdentity_schema(t *testing.T) {
	t.Parallel()
	s := scopedIdentity.schema()
	var names []string
	for name, a := range s.Attributes {
		names = append(names, name)
		if !a.IsRequiredForImport() || a.IsOptionalForImport() || a.GetDescription() == "" {
			t.Errorf("identity attribute %s: required %t, optional %t, description %q; want required, described",
				name, a.IsRequiredForImport(), a.IsOptionalForImport(), a.GetDescription())
		}
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"id", "workspace_id"}) {
		t.Errorf("identity attributes %v, want [id workspace_id]", names)
	}
}

// Every resource the provider serves has an identity and a list resource of
// its name, as issue 11 asks: `terraform query` then adopts all of them. A new
// resource gets both in a few lines: see resourceIdentity and listResource.
func TestEveryResourceHasIdentityAndListResource(t *testing.T) {
	t.Parallel()
	p := newUnconfiguredProtoProvider(t)
	if len(p.schema.ResourceSchemas) == 0 {
		t.Fatal("the provider serves no resources")
	}
	for name := range p.schema.ResourceSchemas {
		if _, ok := p.identities.IdentitySchemas[name]; !ok {
			t.Errorf("resource %s has no identity: implement resource.ResourceWithIdentity with a resourceIdentity", name)
		}
		if _, ok := p.schema.ListResourceSchemas[name]; !ok {
			t.Errorf("resource %s has no list resource: add one (a listResource) to the provider's ListResources", name)
		}
	}
	for name := range p.schema.ListResourceSchemas {
		if _, ok := p.schema.ResourceSchemas[name]; !ok {
			t.Errorf("list resource %s lists no resource of the provider", name)
		}
	}
}
