// Package noop is the benchmark's floor: a provider with the shape of
// flashback_repo_ai_apikey whose resource does no work, so that what it costs
// is Terraform's, the plugin protocol's and the framework's share alone. Its
// command is internal/bench/testdata/noop.
package noop

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"regexp"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// New is the floor provider, whose type name is noop and whose one resource
// is noop_thing.
func New() provider.Provider { return noopProvider{} }

type noopProvider struct{}

func (noopProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "noop"
}

func (noopProvider) Schema(context.Context, provider.SchemaRequest, *provider.SchemaResponse) {}

// noopClient stands for the API client a real provider hands its resources.
type noopClient struct{}

func (noopProvider) Configure(_ context.Context, _ provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	resp.ResourceData = &noopClient{}
}

func (noopProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{func() resource.Resource { return &thing{} }}
}

func (noopProvider) DataSources(context.Context) []func() datasource.DataSource { return nil }

// thing mirrors flashback_repo_ai_apikey's schema: its attributes, their
// validators and plan modifiers, and its identity, so that Terraform and the
// framework do the same work per resource. Like every resource that talks to
// an API, it takes its client from the provider in Configure, which the
// framework calls (and logs) in every call on a resource.
type thing struct {
	client *noopClient
}

var (
	_ resource.ResourceWithConfigure  = (*thing)(nil)
	_ resource.ResourceWithModifyPlan = (*thing)(nil)
)

func (t *thing) Configure(_ context.Context, req resource.ConfigureRequest, _ *resource.ConfigureResponse) {
	if c, ok := req.ProviderData.(*noopClient); ok {
		t.client = c
	}
}

type thingModel struct {
	ID        types.String `tfsdk:"id"`
	RepoID    types.String `tfsdk:"repo_id"`
	Name      types.String `tfsdk:"name"`
	AIType    types.String `tfsdk:"ai_type"`
	Keepers   types.Map    `tfsdk:"keepers"`
	Key       types.String `tfsdk:"key"`
	Secret    types.String `tfsdk:"secret"`
	CreatedAt types.String `tfsdk:"created_at"`

	SecretRecipients types.List   `tfsdk:"secret_recipients"`
	EncryptedSecret  types.String `tfsdk:"encrypted_secret"`
}

func (thing) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_thing"
}

func (thing) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	stable := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	resp.Schema = schema.Schema{
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{Computed: true, PlanModifiers: stable},
			"repo_id": schema.StringAttribute{Required: true, PlanModifiers: replace,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)}},
			"name": schema.StringAttribute{Required: true, Validators: []validator.String{
				stringvalidator.LengthAtLeast(1),
				stringvalidator.RegexMatches(regexp.MustCompile(`\S`), "must not be empty or only white space"),
			}},
			"ai_type": schema.StringAttribute{Required: true, PlanModifiers: replace,
				Validators: []validator.String{stringvalidator.OneOf("OPENAI", "GOOGLE", "ANTHROPIC", "AWS", "OTHER")}},
			"keepers": schema.MapAttribute{ElementType: types.StringType, Optional: true, Computed: true,
				PlanModifiers: []planmodifier.Map{emptyKeepers{}, mapplanmodifier.RequiresReplaceIf(
					func(_ context.Context, req planmodifier.MapRequest, resp *mapplanmodifier.RequiresReplaceIfFuncResponse) {
						resp.RequiresReplace = req.PlanValue.IsUnknown() || len(req.PlanValue.Elements()) > 0 || len(req.StateValue.Elements()) > 0
					}, "entries changed", "entries changed")}},
			"key":        schema.StringAttribute{Computed: true, PlanModifiers: stable},
			"secret":     schema.StringAttribute{Computed: true, Sensitive: true, PlanModifiers: stable},
			"created_at": schema.StringAttribute{Computed: true, PlanModifiers: stable},
			"secret_recipients": schema.ListAttribute{ElementType: types.StringType, Optional: true,
				Validators: []validator.List{listvalidator.SizeAtLeast(1)}},
			"encrypted_secret": schema.StringAttribute{Computed: true, PlanModifiers: stable},
		},
	}
}

// emptyKeepers plans an unset keepers as {}, as the resource does.
type emptyKeepers struct{}

func (emptyKeepers) Description(context.Context) string         { return "unset is {}" }
func (emptyKeepers) MarkdownDescription(context.Context) string { return "unset is {}" }
func (emptyKeepers) PlanModifyMap(_ context.Context, req planmodifier.MapRequest, resp *planmodifier.MapResponse) {
	if req.ConfigValue.IsNull() && !req.Plan.Raw.IsNull() {
		resp.PlanValue = types.MapValueMust(types.StringType, map[string]attr.Value{})
	}
}

// ModifyPlan decodes the plan, as the resource's must to plan its secret:
// the framework calls (and logs) it in every plan.
func (thing) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var m thingModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
}

func (thing) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var m thingModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	m.ID = types.StringValue(randomHex(16))
	m.Key = types.StringValue("FB_AI_" + randomHex(12))
	m.Secret = types.StringValue(randomHex(36))
	m.EncryptedSecret = types.StringNull()
	m.CreatedAt = types.StringValue(time.Now().UTC().Format("2006-01-02T15:04:05.000Z07:00"))
	m.Keepers = keepersOrEmpty(m.Keepers)
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
	resp.Diagnostics.Append(setIdentity(ctx, m, resp.Identity)...)
}

// IdentitySchema mirrors the resource's identity, which Terraform keeps and
// sends beside every state.
func (thing) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = identityschema.Schema{Attributes: map[string]identityschema.Attribute{
		"repo_id": identityschema.StringAttribute{RequiredForImport: true},
		"id":      identityschema.StringAttribute{RequiredForImport: true},
	}}
}

// setIdentity sets the identity from m, as the resource does on every
// create, read and update.
func setIdentity(ctx context.Context, m thingModel, identity *tfsdk.ResourceIdentity) diag.Diagnostics {
	var diags diag.Diagnostics
	if identity == nil {
		return diags
	}
	diags.Append(identity.SetAttribute(ctx, path.Root("repo_id"), m.RepoID)...)
	diags.Append(identity.SetAttribute(ctx, path.Root("id"), m.ID)...)
	return diags
}

// Read decodes the state and writes it back, as any real Read must at the
// least: a Read that did nothing would make the floor lower than any
// provider can reach.
func (thing) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var m thingModel
	resp.Diagnostics.Append(req.State.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
	resp.Diagnostics.Append(setIdentity(ctx, m, resp.Identity)...)
}

func (thing) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var m thingModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	m.Keepers = keepersOrEmpty(m.Keepers)
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
	resp.Diagnostics.Append(setIdentity(ctx, m, resp.Identity)...)
}

// keepersOrEmpty is what the resource stores for keepers left unset: {}.
func keepersOrEmpty(k types.Map) types.Map {
	if k.IsUnknown() || k.IsNull() {
		return types.MapValueMust(types.StringType, map[string]attr.Value{})
	}
	return k
}

func (thing) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
