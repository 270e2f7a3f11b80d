package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/zclconf/go-cty/cty"
)

// served is what a provider's protocol server says it serves.
type served struct {
	schema     *tfprotov6.GetProviderSchemaResponse
	identities *tfprotov6.GetResourceIdentitySchemasResponse
}

func serve(ctx context.Context, server tfprotov6.ProviderServer) (served, error) {
	resp, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		return served{}, err
	}
	if err := diagsError("GetProviderSchema", resp.Diagnostics); err != nil {
		return served{}, err
	}
	identities, err := server.GetResourceIdentitySchemas(ctx, &tfprotov6.GetResourceIdentitySchemasRequest{})
	if err != nil {
		return served{}, err
	}
	if err := diagsError("GetResourceIdentitySchemas", identities.Diagnostics); err != nil {
		return served{}, err
	}
	return served{schema: resp, identities: identities}, nil
}

// providerSchemas is what s serves as the document `terraform providers
// schema -json` writes, under key.
func providerSchemas(s served, key string) (*tfjson.ProviderSchemas, error) {
	resp, identities := s.schema, s.identities
	// What this command cannot convert yet must not be dropped from the docs
	// in silence.
	for kind, n := range map[string]int{
		"functions": len(resp.Functions), "actions": len(resp.ActionSchemas), "state stores": len(resp.StateStoreSchemas),
	} {
		if n > 0 {
			return nil, fmt.Errorf("the provider serves %s, which schemajson does not convert yet: teach it, or the docs would lack them", kind)
		}
	}

	ps := &tfjson.ProviderSchema{
		ResourceSchemas:          map[string]*tfjson.Schema{},
		DataSourceSchemas:        map[string]*tfjson.Schema{},
		EphemeralResourceSchemas: map[string]*tfjson.Schema{},
		ListResourceSchemas:      map[string]*tfjson.Schema{},
		ResourceIdentitySchemas:  map[string]*tfjson.IdentitySchema{},
	}
	var errs []error
	convertAll := func(kind string, from map[string]*tfprotov6.Schema, to map[string]*tfjson.Schema) {
		for name, s := range from {
			js, err := schema(s)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s %s: %w", kind, name, err))
			}
			to[name] = js
		}
	}
	if resp.Provider != nil {
		var err error
		if ps.ConfigSchema, err = schema(resp.Provider); err != nil {
			errs = append(errs, fmt.Errorf("provider: %w", err))
		}
	}
	convertAll("resource", resp.ResourceSchemas, ps.ResourceSchemas)
	convertAll("data source", resp.DataSourceSchemas, ps.DataSourceSchemas)
	convertAll("ephemeral resource", resp.EphemeralResourceSchemas, ps.EphemeralResourceSchemas)
	convertAll("list resource", resp.ListResourceSchemas, ps.ListResourceSchemas)
	for name, s := range identities.IdentitySchemas {
		js, err := identitySchema(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("identity of %s: %w", name, err))
		}
		ps.ResourceIdentitySchemas[name] = js
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &tfjson.ProviderSchemas{FormatVersion: "1.0", Schemas: map[string]*tfjson.ProviderSchema{key: ps}}, nil
}

func diagsError(call string, diags []*tfprotov6.Diagnostic) error {
	var msgs []string
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			msgs = append(msgs, d.Summary+": "+d.Detail)
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	return fmt.Errorf("%s: %s", call, strings.Join(msgs, "; "))
}

func schema(s *tfprotov6.Schema) (*tfjson.Schema, error) {
	b, err := block(s.Block)
	if err != nil {
		return nil, err
	}
	return &tfjson.Schema{Version: uint64(s.Version), Block: b}, nil
}

func block(b *tfprotov6.SchemaBlock) (*tfjson.SchemaBlock, error) {
	if b == nil {
		return &tfjson.SchemaBlock{DescriptionKind: tfjson.SchemaDescriptionKindPlain}, nil
	}
	out := &tfjson.SchemaBlock{
		Description:     b.Description,
		DescriptionKind: descriptionKind(b.DescriptionKind),
		Deprecated:      b.Deprecated,
	}
	var err error
	if out.Attributes, err = attributes(b.Attributes); err != nil {
		return nil, err
	}
	for _, nb := range b.BlockTypes {
		nested, err := block(nb.Block)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", nb.TypeName, err)
		}
		mode, ok := blockNesting[nb.Nesting]
		if !ok {
			return nil, fmt.Errorf("block %s: unknown nesting mode %s", nb.TypeName, nb.Nesting)
		}
		if out.NestedBlocks == nil {
			out.NestedBlocks = map[string]*tfjson.SchemaBlockType{}
		}
		out.NestedBlocks[nb.TypeName] = &tfjson.SchemaBlockType{
			NestingMode: mode,
			Block:       nested,
			MinItems:    uint64(nb.MinItems),
			MaxItems:    uint64(nb.MaxItems),
		}
	}
	return out, nil
}

func attributes(attrs []*tfprotov6.SchemaAttribute) (map[string]*tfjson.SchemaAttribute, error) {
	if len(attrs) == 0 {
		return nil, nil
	}
	out := make(map[string]*tfjson.SchemaAttribute, len(attrs))
	for _, a := range attrs {
		ja := &tfjson.SchemaAttribute{
			Description:     a.Description,
			DescriptionKind: descriptionKind(a.DescriptionKind),
			Deprecated:      a.Deprecated,
			Required:        a.Required,
			Optional:        a.Optional,
			Computed:        a.Computed,
			Sensitive:       a.Sensitive,
			WriteOnly:       a.WriteOnly,
		}
		switch {
		case a.NestedType != nil:
			nested, err := attributes(a.NestedType.Attributes)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", a.Name, err)
			}
			mode, ok := objectNesting[a.NestedType.Nesting]
			if !ok {
				return nil, fmt.Errorf("attribute %s: unknown nesting mode %s", a.Name, a.NestedType.Nesting)
			}
			ja.AttributeNestedType = &tfjson.SchemaNestedAttributeType{Attributes: nested, NestingMode: mode}
		case a.Type != nil:
			t, err := ctyType(a.Type)
			if err != nil {
				return nil, fmt.Errorf("attribute %s: %w", a.Name, err)
			}
			ja.AttributeType = t
		default:
			return nil, fmt.Errorf("attribute %s has neither a type nor a nested type", a.Name)
		}
		out[a.Name] = ja
	}
	return out, nil
}

func identitySchema(s *tfprotov6.ResourceIdentitySchema) (*tfjson.IdentitySchema, error) {
	out := &tfjson.IdentitySchema{
		Version:    uint64(s.Version),
		Attributes: make(map[string]*tfjson.IdentityAttribute, len(s.IdentityAttributes)),
	}
	for _, a := range s.IdentityAttributes {
		t, err := ctyType(a.Type)
		if err != nil {
			return nil, fmt.Errorf("attribute %s: %w", a.Name, err)
		}
		out.Attributes[a.Name] = &tfjson.IdentityAttribute{
			IdentityType:      t,
			Description:       a.Description,
			RequiredForImport: a.RequiredForImport,
			OptionalForImport: a.OptionalForImport,
		}
	}
	return out, nil
}

// ctyType converts through the JSON type notation, which tftypes and cty
// share and Terraform's own schema output uses.
func ctyType(t tftypes.Type) (cty.Type, error) {
	b, err := json.Marshal(t)
	if err != nil {
		return cty.NilType, err
	}
	var ct cty.Type
	if err := ct.UnmarshalJSON(b); err != nil {
		return cty.NilType, fmt.Errorf("type %s: %w", t, err)
	}
	return ct, nil
}

func descriptionKind(k tfprotov6.StringKind) tfjson.SchemaDescriptionKind {
	if k == tfprotov6.StringKindMarkdown {
		return tfjson.SchemaDescriptionKindMarkdown
	}
	return tfjson.SchemaDescriptionKindPlain
}

var blockNesting = map[tfprotov6.SchemaNestedBlockNestingMode]tfjson.SchemaNestingMode{
	tfprotov6.SchemaNestedBlockNestingModeSingle: tfjson.SchemaNestingModeSingle,
	tfprotov6.SchemaNestedBlockNestingModeGroup:  tfjson.SchemaNestingModeGroup,
	tfprotov6.SchemaNestedBlockNestingModeList:   tfjson.SchemaNestingModeList,
	tfprotov6.SchemaNestedBlockNestingModeSet:    tfjson.SchemaNestingModeSet,
	tfprotov6.SchemaNestedBlockNestingModeMap:    tfjson.SchemaNestingModeMap,
}

var objectNesting = map[tfprotov6.SchemaObjectNestingMode]tfjson.SchemaNestingMode{
	tfprotov6.SchemaObjectNestingModeSingle: tfjson.SchemaNestingModeSingle,
	tfprotov6.SchemaObjectNestingModeList:   tfjson.SchemaNestingModeList,
	tfprotov6.SchemaObjectNestingModeSet:    tfjson.SchemaNestingModeSet,
	tfprotov6.SchemaObjectNestingModeMap:    tfjson.SchemaNestingModeMap,
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
