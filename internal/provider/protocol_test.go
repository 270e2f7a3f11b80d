package provider

import (
	"context"
	"fmt"
	"math/big"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// protoProvider drives the provider through its protocol-6 server, the calls
// Terraform makes, for what the default Terraform CLI cannot: list resources
// need Terraform 1.14 (make testacc-query), and `make test` must prove them
// with any CLI.
type protoProvider struct {
	t          *testing.T
	server     protocolServer
	schema     *tfprotov6.GetProviderSchemaResponse
	identities *tfprotov6.GetResourceIdentitySchemasResponse
}

// protocolServer is the provider's protocol server with the list resource
// calls, which tfprotov6.ProviderServer does not have yet.
type protocolServer interface {
	tfprotov6.ProviderServer
	tfprotov6.ListResourceServer
}

// newProtoProvider is the provider, configured for env with token, as
// Terraform would have it after ConfigureProvider. Its list cache keeps lists
// for an hour, so that counting list requests does not depend on how fast
// the test runs.
func newProtoProvider(t *testing.T, env *testEnv, token string) *protoProvider {
	t.Helper()
	p := newUnconfiguredProtoProvider(t)
	cfg := p.dynamic(p.schema.Provider.ValueType(), map[string]tftypes.Value{
		"base_url":       tftypes.NewValue(tftypes.String, env.baseURL),
		"access_token":   tftypes.NewValue(tftypes.String, token),
		"max_retries":    tftypes.NewValue(tftypes.Number, big.NewFloat(8)),
		"list_cache_ttl": tftypes.NewValue(tftypes.String, "1h"),
	})
	resp, err := p.server.ConfigureProvider(context.Background(), &tfprotov6.ConfigureProviderRequest{
		TerraformVersion: "1.14.0",
		Config:           cfg,
	})
	if err != nil {
		t.Fatal(err)
	}
	if d := diagsText(resp.Diagnostics); d != "" {
		t.Fatalf("ConfigureProvider: %s", d)
	}
	return p
}

func newUnconfiguredProtoProvider(t *testing.T) *protoProvider {
	t.Helper()
	s, err := providerserver.NewProtocol6WithError(newWithTuning("test", testTuning)())()
	if err != nil {
		t.Fatal(err)
	}
	server, ok := s.(protocolServer)
	if !ok {
		t.Fatalf("the provider's protocol server (%T) has no list resource calls", s)
	}
	ctx := context.Background()
	schema, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if d := diagsText(schema.Diagnostics); d != "" {
		t.Fatalf("GetProviderSchema: %s", d)
	}
	identities, err := server.GetResourceIdentitySchemas(ctx, &tfprotov6.GetResourceIdentitySchemasRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if d := diagsText(identities.Diagnostics); d != "" {
		t.Fatalf("GetResourceIdentitySchemas: %s", d)
	}
	return &protoProvider{t: t, server: server, schema: schema, identities: identities}
}

// dynamic is an object of type typ with attrs set and every other attribute
// null.
func (p *protoProvider) dynamic(typ tftypes.Type, attrs map[string]tftypes.Value) *tfprotov6.DynamicValue {
	p.t.Helper()
	obj, ok := typ.(tftypes.Object)
	if !ok {
		p.t.Fatalf("%s is not an object type", typ)
	}
	vals := map[string]tftypes.Value{}
	for name, at := range obj.AttributeTypes {
		vals[name] = tftypes.NewValue(at, nil)
	}
	for name, v := range attrs {
		if _, ok := obj.AttributeTypes[name]; !ok {
			p.t.Fatalf("%s has no attribute %q", typ, name)
		}
		vals[name] = v
	}
	dv, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, vals))
	if err != nil {
		p.t.Fatal(err)
	}
	return &dv
}

// stringObject is an object of type typ with the given string attributes
// and every other attribute null.
func (p *protoProvider) stringObject(typ tftypes.Type, attrs map[string]string) *tfprotov6.DynamicValue {
	vals := map[string]tftypes.Value{}
	for name, v := range attrs {
		vals[name] = tftypes.NewValue(tftypes.String, v)
	}
	return p.dynamic(typ, vals)
}

func (p *protoProvider) listSchema(typeName string) *tfprotov6.Schema {
	p.t.Helper()
	s, ok := p.schema.ListResourceSchemas[typeName]
	if !ok {
		p.t.Fatalf("the provider serves no list resource %s", typeName)
	}
	return s
}

func (p *protoProvider) resourceType(typeName string) tftypes.Type {
	p.t.Helper()
	s, ok := p.schema.ResourceSchemas[typeName]
	if !ok {
		p.t.Fatalf("the provider serves no resource %s", typeName)
	}
	return s.ValueType()
}

func (p *protoProvider) identityType(typeName string) tftypes.Type {
	p.t.Helper()
	s, ok := p.identities.IdentitySchemas[typeName]
	if !ok {
		p.t.Fatalf("resource %s has no identity schema", typeName)
	}
	return s.ValueType()
}

// validateList is ValidateListResourceConfig with the given config, returning
// its diagnostics as text.
func (p *protoProvider) validateList(typeName string, cfg map[string]string) string {
	p.t.Helper()
	resp, err := p.server.ValidateListResourceConfig(context.Background(), &tfprotov6.ValidateListResourceConfigRequest{
		TypeName: typeName,
		Config:   p.stringObject(p.listSchema(typeName).ValueType(), cfg),
	})
	if err != nil {
		p.t.Fatal(err)
	}
	return diagsText(resp.Diagnostics)
}

// listResult is one result of a ListResource call, decoded.
type listResult struct {
	displayName string
	identity    map[string]any
	// resource is nil when it was not sent.
	resource map[string]any
	diags    string
}

// list is a ListResource call, with every result it streams.
//
//nolint:unparam // typeName: every list resource is tested through it as it comes
func (p *protoProvider) list(typeName string, cfg map[string]string, includeResource bool, limit int64) []listResult {
	p.t.Helper()
	stream, err := p.server.ListResource(context.Background(), &tfprotov6.ListResourceRequest{
		TypeName:        typeName,
		Config:          p.stringObject(p.listSchema(typeName).ValueType(), cfg),
		IncludeResource: includeResource,
		Limit:           limit,
	})
	if err != nil {
		p.t.Fatal(err)
	}
	var results []listResult
	for r := range stream.Results {
		res := listResult{displayName: r.DisplayName, diags: diagsText(r.Diagnostics)}
		if r.Identity != nil && r.Identity.IdentityData != nil {
			res.identity = p.decode(r.Identity.IdentityData, p.identityType(typeName))
		}
		if r.Resource != nil {
			res.resource = p.decode(r.Resource, p.resourceType(typeName))
		}
		results = append(results, res)
	}
	return results
}

// decode turns an object into a map whose values are nil (null), strings,
// bools, slices (sets and lists) or maps of the same kind; the attributes
// here are of no other types.
func (p *protoProvider) decode(dv *tfprotov6.DynamicValue, typ tftypes.Type) map[string]any {
	p.t.Helper()
	v, err := dv.Unmarshal(typ)
	if err != nil {
		p.t.Fatal(err)
	}
	m, err := goValue(v)
	if err != nil {
		p.t.Fatal(err)
	}
	obj, ok := m.(map[string]any)
	if !ok {
		p.t.Fatalf("decoded %s to %T, want an object", typ, m)
	}
	return obj
}

func goValue(v tftypes.Value) (any, error) {
	switch {
	case v.IsNull():
		return nil, nil
	case !v.IsKnown():
		return nil, fmt.Errorf("unknown value of type %s", v.Type())
	case v.Type().Is(tftypes.String):
		var s string
		err := v.As(&s)
		return s, err
	case v.Type().Is(tftypes.Bool):
		var b bool
		err := v.As(&b)
		return b, err
	case v.Type().Is(tftypes.Set{}) || v.Type().Is(tftypes.List{}):
		var elems []tftypes.Value
		if err := v.As(&elems); err != nil {
			return nil, err
		}
		out := make([]any, len(elems))
		for i, e := range elems {
			var err error
			if out[i], err = goValue(e); err != nil {
				return nil, err
			}
		}
		return out, nil
	case v.Type().Is(tftypes.Object{}) || v.Type().Is(tftypes.Map{}):
		var attrs map[string]tftypes.Value
		if err := v.As(&attrs); err != nil {
			return nil, err
		}
		out := make(map[string]any, len(attrs))
		for name, av := range attrs {
			gv, err := goValue(av)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			out[name] = gv
		}
		return out, nil
	default:
		return nil, fmt.Errorf("no test decoding for type %s", v.Type())
	}
}

// diagsText is the diagnostics as one line each, "" when there are none.
func diagsText(diags []*tfprotov6.Diagnostic) string {
	lines := make([]string, 0, len(diags))
	for _, d := range diags {
		lines = append(lines, fmt.Sprintf("%s: %s: %s", d.Severity, d.Summary, d.Detail))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// listValidationCase is a list block's config and the diagnostics its
// validation must give: none when want is nil.
type listValidationCase struct {
	name string
	cfg  map[string]string
	want *regexp.Regexp
}

// checkListValidation validates each case's config against typeName's list
// resource.
func (p *protoProvider) checkListValidation(typeName string, cases []listValidationCase) {
	p.t.Helper()
	for _, tc := range cases {
		got := p.validateList(typeName, tc.cfg)
		switch {
		case tc.want == nil && got != "":
			p.t.Errorf("%s: unexpected diagnostics: %s", tc.name, got)
		case tc.want != nil && !tc.want.MatchString(got):
			p.t.Errorf("%s: diagnostics %q do not match %s", tc.name, got, tc.want)
		}
	}
}

// checkListSchema checks that typeName's list resource and each of its config
// attributes are described, where Terraform and the docs show them, and that
// its attributes are the strings want names ("required" or "optional").
func (p *protoProvider) checkListSchema(typeName string, want map[string]string) {
	p.t.Helper()
	s := p.listSchema(typeName)
	if s.Block.Description == "" {
		p.t.Error("the list resource has no description")
	}
	got := map[string]string{}
	for _, a := range s.Block.Attributes {
		if a.Description == "" {
			p.t.Errorf("list config attribute %s has no description", a.Name)
		}
		if !a.Type.Is(tftypes.String) {
			p.t.Errorf("list config attribute %s is a %s, want a string", a.Name, a.Type)
		}
		switch {
		case a.Required:
			got[a.Name] = "required"
		case a.Optional:
			got[a.Name] = "optional"
		}
	}
	if !reflect.DeepEqual(got, want) {
		p.t.Errorf("list config attributes %v, want %v", got, want)
	}
}

// checkIdentitySchema checks that typeName's identity has exactly the given
// attributes, each a described string required for import.
func (p *protoProvider) checkIdentitySchema(typeName string, names ...string) {
	p.t.Helper()
	s, ok := p.identities.IdentitySchemas[typeName]
	if !ok {
		p.t.Fatalf("%s has no identity schema", typeName)
	}
	got := map[string]bool{}
	for _, a := range s.IdentityAttributes {
		got[a.Name] = true
		if !a.Type.Is(tftypes.String) || !a.RequiredForImport || a.OptionalForImport || a.Description == "" {
			p.t.Errorf("identity attribute %s: %s, required %t, optional %t, description %q; want a described, required string",
				a.Name, a.Type, a.RequiredForImport, a.OptionalForImport, a.Description)
		}
	}
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	if !reflect.DeepEqual(got, want) {
		p.t.Errorf("identity attributes %v, want %v", got, want)
	}
}

// queryListBlock is a list block of a query file (.tfquery.hcl) for typeName,
// scoped by attribute scopeAttr = scope, with filters added to its config.
// The provider block it names stays in the configuration (.tf) of the step
// before, as in the adoption workflow the documentation shows.
func queryListBlock(typeName, label, scopeAttr, scope, filters string) string {
	return fmt.Sprintf(`
list %[1]q %[2]q {
  provider         = flashback
  include_resource = true
  config {
    %[3]s = %[4]q
    %[5]s
  }
}
`, typeName, label, scopeAttr, scope, filters)
}
