package main

import (
	"context"
	"fmt"
	"maps"
	"sort"
	"testing"

	fwprovider "github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/bench/noop"
	"github.com/flashbacknetwork/terraform-provider-flashback/internal/provider"
)

// The floor is only a floor if Terraform and the framework do the same work
// for its resource as for the key: the same attributes with the same flags,
// as many validators and plan modifiers on each, the same identity, a
// Configure that takes the provider's client (the framework calls and logs it
// in every call on the resource), and a ModifyPlan (called in every plan).
func TestFloor_mirrorsTheKeyResource(t *testing.T) {
	t.Parallel()
	ours := resourceNamed(t, provider.New("test")(), "flashback_repo_ai_apikey")
	floor := resourceNamed(t, noop.New(), "noop_thing")

	if got, want := attributeShapes(t, floor), attributeShapes(t, ours); !maps.Equal(got, want) {
		t.Errorf("noop_thing's attributes differ from flashback_repo_ai_apikey's:\n got %v\nwant %v", got, want)
	}
	if got, want := identityShape(t, floor), identityShape(t, ours); got != want {
		t.Errorf("noop_thing's identity is %s, want flashback_repo_ai_apikey's %s", got, want)
	}
	for name, r := range map[string]resource.Resource{"flashback_repo_ai_apikey": ours, "noop_thing": floor} {
		if _, ok := r.(resource.ResourceWithConfigure); !ok {
			t.Errorf("%s does not take the provider's data in Configure", name)
		}
		if _, ok := r.(resource.ResourceWithModifyPlan); !ok {
			t.Errorf("%s has no ModifyPlan, which the framework calls in every plan", name)
		}
	}
}

func resourceNamed(t *testing.T, p fwprovider.Provider, typeName string) resource.Resource {
	t.Helper()
	ctx := context.Background()
	var meta fwprovider.MetadataResponse
	p.Metadata(ctx, fwprovider.MetadataRequest{}, &meta)
	for _, f := range p.Resources(ctx) {
		r := f()
		var rm resource.MetadataResponse
		r.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: meta.TypeName}, &rm)
		if rm.TypeName == typeName {
			return r
		}
	}
	t.Fatalf("provider %s has no resource %s", meta.TypeName, typeName)
	return nil
}

// attributeShapes describes each attribute by what Terraform and the
// framework act on: its kind and type, its flags, and how many validators and
// plan modifiers it runs.
func attributeShapes(t *testing.T, r resource.Resource) map[string]string {
	t.Helper()
	ctx := context.Background()
	var resp resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatalf("schema: %v", resp.Diagnostics)
	}
	shapes := map[string]string{}
	for name, a := range resp.Schema.Attributes {
		var validators, modifiers int
		switch a := a.(type) {
		case schema.StringAttribute:
			validators, modifiers = len(a.Validators), len(a.PlanModifiers)
		case schema.MapAttribute:
			validators, modifiers = len(a.Validators), len(a.PlanModifiers)
		case schema.ListAttribute:
			validators, modifiers = len(a.Validators), len(a.PlanModifiers)
		default:
			t.Fatalf("attribute %s is a %T, which this check does not know: teach it, and the floor", name, a)
		}
		shapes[name] = fmt.Sprintf("%T %s required=%t optional=%t computed=%t sensitive=%t write-only=%t validators=%d plan-modifiers=%d",
			a, a.GetType(), a.IsRequired(), a.IsOptional(), a.IsComputed(), a.IsSensitive(), a.IsWriteOnly(), validators, modifiers)
	}
	return shapes
}

func identityShape(t *testing.T, r resource.Resource) string {
	t.Helper()
	ri, ok := r.(resource.ResourceWithIdentity)
	if !ok {
		return "none"
	}
	var resp resource.IdentitySchemaResponse
	ri.IdentitySchema(context.Background(), resource.IdentitySchemaRequest{}, &resp)
	var attrs []string
	for name, a := range resp.IdentitySchema.Attributes {
		attrs = append(attrs, fmt.Sprintf("%s %s required-for-import=%t", name, a.GetType(), a.IsRequiredForImport()))
	}
	sort.Strings(attrs)
	return fmt.Sprint(attrs)
}
