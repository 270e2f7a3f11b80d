package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/resourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/client"
)

var (
	_ resource.ResourceWithConfigure        = &aiLLMResource{}
	_ resource.ResourceWithImportState      = &aiLLMResource{}
	_ resource.ResourceWithConfigValidators = &aiLLMResource{}
)

type aiLLMResource struct {
	data *providerData
}

func newAILLMResource() resource.Resource { return &aiLLMResource{} }

type aiLLMModel struct {
	ID              types.String `tfsdk:"id"`
	WorkspaceID     types.String `tfsdk:"workspace_id"`
	Name            types.String `tfsdk:"name"`
	AIType          types.String `tfsdk:"ai_type"`
	Endpoint        types.String `tfsdk:"endpoint"`
	SecretWO        types.String `tfsdk:"secret_wo"`
	SecretWOVersion types.Int64  `tfsdk:"secret_wo_version"`
	Secret          types.String `tfsdk:"secret"`
	Key             types.String `tfsdk:"key"`
	OrgID           types.String `tfsdk:"org_id"`
	CreatedAt       types.String `tfsdk:"created_at"`
}

func (r *aiLLMResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_ai_llm"
}

func (r *aiLLMResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	// What the server decides never changes for the life of a configuration:
	// keep it in the plan so an update does not show it as "(known after apply)".
	stable := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	notEmpty := stringvalidator.LengthAtLeast(1)

	resp.Schema = schema.Schema{
		MarkdownDescription: "An AI LLM configuration of a Flashback workspace: the connection to an upstream AI " +
			"provider (OpenAI, Anthropic, ...), with its endpoint and credentials, that repositories expose to " +
			"applications. `name`, `ai_type`, `endpoint`, the secret and `key` change in place; `workspace_id` " +
			"creates a new configuration, and so does removing `key`. The upstream secret is given as exactly one " +
			"of `secret_wo` (write-only: never in the plan or the state; Terraform 1.11 or OpenTofu 1.11 and later) " +
			"and `secret` (kept in the state, for older CLIs). Flashback never returns the secret or the key, so a " +
			"change made to them outside Terraform is invisible to it.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The configuration's ID, assigned by Flashback.",
				Computed:            true,
				PlanModifiers:       stable,
			},
			"workspace_id": schema.StringAttribute{
				MarkdownDescription: "The ID of the workspace the configuration belongs to. Changing it creates a new " +
					"configuration in the other workspace and deletes this one.",
				Required:      true,
				Validators:    []validator.String{notEmpty},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "The configuration's name, unique within its workspace, which must not be empty " +
					"or only white space. Changing it renames the configuration in place.",
				Required:   true,
				Validators: nameValidators(),
			},
			"ai_type": schema.StringAttribute{
				MarkdownDescription: "The upstream AI provider: one of " + markdownList(client.AITypes()) +
					". Changing it updates the configuration in place.",
				Required:   true,
				Validators: []validator.String{stringvalidator.OneOf(client.AITypes()...)},
			},
			"endpoint": schema.StringAttribute{
				MarkdownDescription: "The provider's base URL, an absolute URL such as `https://api.openai.com/v1`. " +
					"Changing it updates the configuration in place.",
				Required:   true,
				Validators: []validator.String{absoluteURLValidator{}},
			},
			"secret_wo": schema.StringAttribute{
				MarkdownDescription: "The upstream provider's secret (its API key or token), **write-only**: Terraform " +
					"sends it to Flashback and keeps it in neither the plan nor the state. It is sent when the " +
					"configuration is created and whenever `secret_wo_version` changes; changing `secret_wo` alone " +
					"sends nothing. Needs Terraform 1.11 or OpenTofu 1.11 and later; set it from an ephemeral " +
					"variable or resource. Exactly one of `secret_wo` and `secret` is required.",
				Optional:   true,
				Sensitive:  true,
				WriteOnly:  true,
				Validators: []validator.String{notEmpty, stringvalidator.AlsoRequires(path.MatchRoot("secret_wo_version"))},
			},
			"secret_wo_version": schema.Int64Attribute{
				MarkdownDescription: "The version of `secret_wo`, required with it: Terraform cannot compare a " +
					"write-only value with what it sent before, so changing this number is what sends `secret_wo` " +
					"again. Increase it whenever the secret changes, to rotate it in place.",
				Optional: true,
				Validators: []validator.Int64{
					int64validator.AlsoRequires(path.MatchRoot("secret_wo")),
					int64validator.ConflictsWith(path.MatchRoot("secret")),
				},
			},
			"secret": schema.StringAttribute{
				MarkdownDescription: "The upstream provider's secret, for CLIs older than Terraform 1.11 and OpenTofu " +
					"1.11: it is kept in the state (sensitive), so prefer `secret_wo` where it is available. Changing " +
					"it sends the new secret in place. Exactly one of `secret_wo` and `secret` is required.",
				Optional:   true,
				Sensitive:  true,
				Validators: []validator.String{notEmpty},
			},
			"key": schema.StringAttribute{
				MarkdownDescription: "An additional access key, for providers that need one besides the secret. " +
					"Setting or changing it updates the configuration in place; removing it creates a new " +
					"configuration, since Flashback documents no way to clear it. Flashback never returns it: the " +
					"state holds what the configuration says.",
				Optional:   true,
				Sensitive:  true,
				Validators: []validator.String{notEmpty},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplaceIf(keyRemoved,
					"Removing key creates a new configuration.", "Removing `key` creates a new configuration.")},
			},
			"org_id": schema.StringAttribute{
				MarkdownDescription: "The ID of the organization the workspace belongs to. Flashback's create " +
					"response does not say, so it is null right after the configuration is created and filled in by " +
					"the next refresh, which never plans a change for it.",
				Computed:      true,
				PlanModifiers: stable,
			},
			"created_at": schema.StringAttribute{
				MarkdownDescription: "When the configuration was created, as an RFC 3339 timestamp in UTC. Null right " +
					"after the create, like `org_id`, and filled in by the next refresh.",
				Computed:      true,
				PlanModifiers: stable,
			},
		},
	}
}

// keyRemoved asks for a new configuration when key goes from set to unset:
// what the API does with a key sent as null or empty is not documented.
func keyRemoved(_ context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
	resp.RequiresReplace = !req.StateValue.IsNull() && req.ConfigValue.IsNull()
}

func (r *aiLLMResource) ConfigValidators(context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{
		resourcevalidator.ExactlyOneOf(path.MatchRoot("secret_wo"), path.MatchRoot("secret")),
	}
}

func (r *aiLLMResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *aiLLMResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan, cfg aiLLMModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() || !requireConfigured(r.data, &resp.Diagnostics) {
		return
	}
	// A write-only value is null in the plan: the configuration has it.
	secret := plan.Secret.ValueString()
	if !cfg.SecretWO.IsNull() {
		secret = cfg.SecretWO.ValueString()
	}
	ctx = maskSecret(maskSecret(maskToken(ctx, r.data.token), secret), plan.Key.ValueString())
	create := client.CreateAILLMRequest{
		WorkspaceID: plan.WorkspaceID.ValueString(),
		Name:        plan.Name.ValueString(),
		AIType:      plan.AIType.ValueString(),
		Endpoint:    plan.Endpoint.ValueString(),
		Secret:      secret,
		Key:         plan.Key.ValueString(),
	}

	id, diags := r.createLLM(ctx, create)
	resp.Diagnostics.Append(diags...)
	if id == "" {
		return
	}
	// Only the id comes back, and reading the list for org_id and created_at
	// would cost every create a second round trip: the next refresh fills
	// them.
	plan.ID = types.StringValue(id)
	plan.OrgID, plan.CreatedAt = types.StringNull(), types.StringNull()
	tflog.Info(ctx, "created AI LLM configuration", map[string]any{"workspace_id": create.WorkspaceID, "id": id})
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	resp.Diagnostics.Append(aiLLMIdentity.set(ctx, resp.State, resp.Identity)...)
	// Until a list shows it, a read cannot tell a configuration not listed
	// yet from one deleted since.
	resp.Diagnostics.Append(r.data.engine.rememberCreated(ctx, resp.Private)...)
}

func (r *aiLLMResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state aiLLMModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !requireConfigured(r.data, &resp.Diagnostics) {
		return
	}
	resp.Diagnostics.Append(aiLLMIdentity.set(ctx, resp.State, resp.Identity)...)
	ctx = maskSecret(maskSecret(maskToken(ctx, r.data.token), state.Secret.ValueString()), state.Key.ValueString())
	workspaceID, id := state.WorkspaceID.ValueString(), state.ID.ValueString()

	llms := r.data.llms
	ref := aiLLMRef(workspaceID, id)
	found, err := llms.find(ctx, workspaceID, id, llms.recentlyCreated(state.CreatedAt))
	if err != nil {
		resp.Diagnostics.Append(errorDiag("read", ref, err))
		return
	}
	listed := llms.settle(ctx, req, resp, readState{ref: ref, createdAt: state.CreatedAt}, found)
	if listed == nil {
		return
	}
	applyListedLLM(&state, *listed)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}

func (r *aiLLMResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state, cfg aiLLMModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() || !requireConfigured(r.data, &resp.Diagnostics) {
		return
	}
	ctx = maskSecret(maskSecret(maskToken(ctx, r.data.token), plan.Secret.ValueString()), plan.Key.ValueString())
	ctx = maskSecret(ctx, cfg.SecretWO.ValueString())
	workspaceID, id := state.WorkspaceID.ValueString(), state.ID.ValueString()

	update := llmChanges(plan, state, cfg)
	if update != (client.UpdateAILLMRequest{}) {
		err := r.data.llms.write(workspaceID, func() error { return r.data.client.AILLMs.Update(ctx, id, update) })
		if err != nil {
			resp.Diagnostics.Append(errorDiag("update", aiLLMRef(workspaceID, id).sending(llmSentByUpdate(update)), err))
			return
		}
		tflog.Info(ctx, "updated AI LLM configuration", map[string]any{
			"workspace_id": workspaceID, "id": id, "sent": strings.Join(llmSentByUpdate(update), ", "),
		})
	}
	// Everything else is the server's and fixed, or forces a new
	// configuration: the plan holds the values the configuration now has.
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	resp.Diagnostics.Append(aiLLMIdentity.set(ctx, resp.State, resp.Identity)...)
}

// llmChanges is the update that takes a configuration from state to plan: the
// attributes that changed, and nothing else. cfg gives secret_wo, which is
// never in the plan: it is sent when secret_wo_version changes.
func llmChanges(plan, state, cfg aiLLMModel) client.UpdateAILLMRequest {
	var u client.UpdateAILLMRequest
	changed := func(p, s types.String) *string {
		if p.IsNull() || p.IsUnknown() || p.Equal(s) {
			return nil
		}
		v := p.ValueString()
		return &v
	}
	u.Name = changed(plan.Name, state.Name)
	u.AIType = changed(plan.AIType, state.AIType)
	u.Endpoint = changed(plan.Endpoint, state.Endpoint)
	u.Key = changed(plan.Key, state.Key)
	u.Secret = changed(plan.Secret, state.Secret)
	if !cfg.SecretWO.IsNull() && !cfg.SecretWO.IsUnknown() && !plan.SecretWOVersion.Equal(state.SecretWOVersion) {
		v := cfg.SecretWO.ValueString()
		u.Secret = &v
	}
	return u
}

func (r *aiLLMResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state aiLLMModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !requireConfigured(r.data, &resp.Diagnostics) {
		return
	}
	ctx = maskSecret(maskSecret(maskToken(ctx, r.data.token), state.Secret.ValueString()), state.Key.ValueString())
	workspaceID, id := state.WorkspaceID.ValueString(), state.ID.ValueString()
	ref := aiLLMRef(workspaceID, id)

	err := r.data.llms.write(workspaceID, func() error { return r.data.client.AILLMs.Delete(ctx, id) })
	switch {
	case err == nil || client.IsNotFound(err):
		return
	case client.IsForbidden(err):
		// Flashback answers 403 both to a caller without access and for a
		// configuration that repositories use: the list tells which.
		if repos := r.usedBy(ctx, workspaceID, id); len(repos) > 0 {
			resp.Diagnostics.Append(llmInUseDiag(ref, repos, err))
			return
		}
	}
	resp.Diagnostics.Append(errorDiag("delete", ref, err))
}

// usedBy returns the repositories that use the configuration, as a list sent
// after the refused delete shows them; nil if it cannot tell.
func (r *aiLLMResource) usedBy(ctx context.Context, workspaceID, id string) []client.AILLMRepo {
	llms, err := r.data.llms.lists.ListFresh(ctx, workspaceID, time.Now())
	if err != nil {
		tflog.Warn(ctx, "cannot list the workspace to tell why the delete was refused", map[string]any{
			"workspace_id": workspaceID, "error": err.Error(),
		})
		return nil
	}
	for _, l := range llms {
		if l.ID == id {
			return l.Repos
		}
	}
	return nil
}

func (r *aiLLMResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if req.ID = aiLLMIdentity.importID(ctx, req, &resp.Diagnostics); resp.Diagnostics.HasError() {
		return
	}
	id := req.ID
	if id == "" || strings.TrimSpace(id) != id || strings.Contains(id, "/") {
		resp.Diagnostics.AddError("Invalid import ID",
			fmt.Sprintf("Expected the AI LLM configuration's own ID, such as 550e8400-e29b-41d4-a716-446655440000 (the "+
				"flashback_ai_llms data source lists them); got %q.", id))
		return
	}
	if !requireConfigured(r.data, &resp.Diagnostics) {
		return
	}
	ctx = maskToken(ctx, r.data.token)

	// The ID alone does not say which workspace to list: list them all.
	all, err := r.data.client.AILLMs.List(ctx, "")
	if err != nil {
		resp.Diagnostics.Append(errorDiag("import", aiLLMRef("", id), err))
		return
	}
	var listed *client.AILLM
	for i := range all {
		if all[i].ID == id {
			listed = &all[i]
		}
	}
	if listed == nil {
		resp.Diagnostics.AddError("AI LLM configuration not found",
			fmt.Sprintf("No workspace the access token can access has an AI LLM configuration with ID %s. Check the ID "+
				"(the flashback_ai_llms data source lists a workspace's configurations) and that the token can access "+
				"its workspace.", id))
		return
	}
	state := aiLLMModel{
		ID:              types.StringValue(id),
		WorkspaceID:     types.StringValue(listed.WorkspaceID),
		SecretWO:        types.StringNull(),
		SecretWOVersion: types.Int64Null(),
		Secret:          types.StringNull(),
		Key:             types.StringNull(),
	}
	applyListedLLM(&state, *listed)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	resp.Diagnostics.Append(aiLLMIdentity.set(ctx, resp.State, resp.Identity)...)
	resp.Diagnostics.AddWarning("Secret and key not imported",
		fmt.Sprintf("Flashback never returns an AI LLM configuration's secret or key, so those of imported configuration "+
			"%s cannot be read: the state holds neither. The first plan after the import shows an in-place update "+
			"that sends the secret (secret, or secret_wo with secret_wo_version) and key from the configuration; that "+
			"is expected, and applying it makes Flashback hold what the configuration says.", id))
}

// applyListedLLM copies what the list says of a configuration into the model.
// The secret and the key are never the server's to say (it sends the key as
// null or masked) and are left as they are.
func applyListedLLM(m *aiLLMModel, l client.AILLM) {
	m.Name = types.StringValue(l.Name)
	m.AIType = types.StringValue(l.AIType)
	m.Endpoint = types.StringValue(l.Endpoint)
	m.OrgID = types.StringValue(l.OrgID)
	m.CreatedAt = types.StringValue(normalizeTimestamp(l.CreatedAt))
}

// newLLMCollection declares the AI LLM configurations: listed by workspace,
// with names unique in a workspace, so a lost create is repeated as it was
// sent: Flashback refuses a second one (see repeatRule).
func newLLMCollection(c *client.Client, ttl time.Duration, e *engine) *collection[client.AILLM] {
	return &collection[client.AILLM]{
		kind:         aiLLMKind,
		resourceType: "flashback_ai_llm",
		repeat:       repeatAsSent,
		lists:        client.NewListCache(c.AILLMs.List, ttl),
		id:           llmID,
		name:         func(l client.AILLM) string { return l.Name },
		createdAt:    func(l client.AILLM) string { return l.CreatedAt },
		importID:     func(_ string, l client.AILLM) string { return l.ID },
		describe: func(l client.AILLM) string {
			return fmt.Sprintf("ai_type %s, endpoint %q", l.AIType, l.Endpoint)
		},
		engine: e,
	}
}

func llmID(l client.AILLM) string { return l.ID }

// createLLM creates a configuration through the create engine, and returns
// its ID.
func (r *aiLLMResource) createLLM(ctx context.Context, req client.CreateAILLMRequest) (string, diag.Diagnostics) {
	return createObject(ctx, r.data.llms, createOp[client.AILLM, string]{
		scope: req.WorkspaceID,
		ref:   llmCreateRef(req),
		name:  req.Name,
		post: func(ctx context.Context, _ string) (string, string, error) {
			id, err := r.data.client.AILLMs.Create(ctx, req)
			return id, id, err
		},
		same: func(l client.AILLM, name string) bool {
			return l.Name == name && l.AIType == req.AIType && l.Endpoint == req.Endpoint
		},
	})
}
