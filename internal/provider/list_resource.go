package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	listschema "github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
)

// listResource lists the remote objects of one resource type for
// `terraform query` (Terraform 1.14+), which turns each result into an import
// block and, with -generate-config-out, a resource block. C is the model of
// the list block's config, T an object as the API returns it.
//
// Each result carries the object's identity, a display name and, when
// Terraform asks for it, the resource object exactly as an import of the
// object would leave it in the state. The identity is read off that object,
// so it cannot disagree with what the resource itself sets.
//
// A resource with an identity (see resourceIdentity) gets its list resource
// from a constructor registered in the provider's ListResources:
//
//	func newAIPolicyListResource() list.ListResource {
//		return &listResource[aiPolicyListConfig, client.AIPolicy]{
//			typeName: "_ai_policy",
//			identity: aiPolicyIdentity,
//			schema:   listschema.Schema{MarkdownDescription: "...", Attributes: ...},
//			list: func(ctx context.Context, data *providerData, cfg aiPolicyListConfig) ([]client.AIPolicy, diag.Diagnostics) {
//				// one API list per scope queried, through the provider's list cache where there is one
//			},
//			result: func(cfg aiPolicyListConfig, p client.AIPolicy) (string, any) {
//				return p.Name, aiPolicyModelFrom(p) // what ImportState and Read would leave in the state
//			},
//		}
//	}
type listResource[C, T any] struct {
	data *providerData

	// typeName is the resource's type name without the provider's, such as
	// "_repo_ai_apikey": a list resource has the name of what it lists.
	typeName string
	identity resourceIdentity
	schema   listschema.Schema
	// list returns the objects the config asks for, filtered, in the order
	// they are to be shown. Its errors say what to do next.
	list func(ctx context.Context, data *providerData, cfg C) ([]T, diag.Diagnostics)
	// result is an object's display name and its resource model as an import
	// would leave it in the state: a secret the API never returns is null.
	result func(cfg C, obj T) (displayName string, model any)
}

var _ list.ListResourceWithConfigure = &listResource[struct{}, struct{}]{}

func (l *listResource[C, T]) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + l.typeName
}

func (l *listResource[C, T]) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = l.schema
}

func (l *listResource[C, T]) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	l.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (l *listResource[C, T]) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var cfg C
	diags := req.Config.Get(ctx, &cfg)
	if diags.HasError() || !requireConfigured(l.data, &diags) {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	ctx = maskToken(ctx, l.data.token)

	// The objects are fetched now, while ctx is the request's, and streamed
	// from memory.
	objs, listDiags := l.list(ctx, l.data, cfg)
	diags.Append(listDiags...)
	if diags.HasError() {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	stream.Results = func(push func(list.ListResult) bool) {
		if len(diags) > 0 && !push(list.ListResult{Diagnostics: diags}) {
			return
		}
		for i, obj := range objs {
			if req.Limit > 0 && int64(i) >= req.Limit {
				return
			}
			if !push(l.newResult(ctx, req, cfg, obj)) {
				return
			}
		}
	}
}

func (l *listResource[C, T]) newResult(ctx context.Context, req list.ListRequest, cfg C, obj T) list.ListResult {
	result := req.NewListResult(ctx)
	name, model := l.result(cfg, obj)
	result.DisplayName = name
	result.Diagnostics.Append(result.Resource.Set(ctx, model)...)
	if !result.Diagnostics.HasError() {
		result.Diagnostics.Append(l.identity.set(ctx, result.Resource, result.Identity)...)
	}
	return result
}
