package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

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
	_ resource.ResourceWithConfigure   = &aiPolicyResource{}
	_ resource.ResourceWithImportState = &aiPolicyResource{}
	_ resource.ResourceWithModifyPlan  = &aiPolicyResource{}
)

type aiPolicyResource struct {
	data *providerData
}

func newAIPolicyResource() resource.Resource { return &aiPolicyResource{} }

type aiPolicyModel struct {
	ID          types.String `tfsdk:"id"`
	OrgID       types.String `tfsdk:"org_id"`
	WorkspaceID types.String `tfsdk:"workspace_id"`
	RepoID      types.String `tfsdk:"repo_id"`
	Name        types.String `tfsdk:"name"`
	Content     types.String `tfsdk:"content"`
	RiskType    types.String `tfsdk:"risk_type"`
	ActionType  types.String `tfsdk:"action_type"`
	CreatedAt   types.String `tfsdk:"created_at"`
}

func (r *aiPolicyResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_ai_policy"
}

func (r *aiPolicyResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	stable := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}

	resp.Schema = schema.Schema{
		MarkdownDescription: "An AI policy of the Flashback AI gateway: a rule, written in natural language, that the " +
			"gateway enforces on the AI traffic of an organization, of one of its workspaces, or of one repository. " +
			"A policy applies to everything below its scope: a lower level adds rules, it cannot override a higher " +
			"one.\n\n" +
			"`name`, `content`, `risk_type` and `action_type` change in place, with one request that sends only " +
			"what changed. The scope (`org_id`, `workspace_id`, `repo_id`) is fixed when the policy is created: " +
			"changing it creates a new policy and deletes the old one.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The policy's ID, assigned by Flashback.",
				Computed:            true,
				PlanModifiers:       stable,
			},
			"org_id": schema.StringAttribute{
				MarkdownDescription: "The organization the policy belongs to. Defaults to the provider's `org_id` " +
					"(or `" + envOrgID + "`), else to the organization of the access token's user, which is then read " +
					"from Flashback when the policy is created. Changing it creates a new policy.",
				Optional:   true,
				Computed:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers: []planmodifier.String{
					stringplanmodifier.UseStateForUnknown(),
					stringplanmodifier.RequiresReplace(),
				},
			},
			"workspace_id": schema.StringAttribute{
				MarkdownDescription: "Narrows the policy to one workspace of the organization (and every repository " +
					"in it). Without it, the policy applies to the whole organization. Changing it creates a new policy.",
				Optional:      true,
				Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers: replace,
			},
			"repo_id": schema.StringAttribute{
				MarkdownDescription: "Narrows the policy to one repository of `workspace_id`, which must be set too. " +
					"Changing it creates a new policy.",
				Optional: true,
				Validators: []validator.String{
					stringvalidator.LengthAtLeast(1),
					stringvalidator.AlsoRequires(path.MatchRoot("workspace_id")),
				},
				PlanModifiers: replace,
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "The policy's display name, which must not be empty or only white space. " +
					"Flashback does not require it to be unique.",
				Required:   true,
				Validators: nameValidators(),
			},
			"content": schema.StringAttribute{
				MarkdownDescription: "The rule itself, in natural language, such as \"Do not allow sharing of " +
					"personal data.\"",
				Required:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"risk_type": schema.StringAttribute{
				MarkdownDescription: "How serious a breach of the policy is: one of " +
					markdownList(client.AIPolicyRiskTypes()) + ".",
				Required:   true,
				Validators: []validator.String{stringvalidator.OneOf(client.AIPolicyRiskTypes()...)},
			},
			"action_type": schema.StringAttribute{
				MarkdownDescription: "What the gateway does with traffic that breaks the policy: `log` (only log " +
					"it), `alert` (log it and notify the administrators) or `block` (stop the request and alert).",
				Required:   true,
				Validators: []validator.String{stringvalidator.OneOf(client.AIPolicyActionNames()...)},
			},
			"created_at": schema.StringAttribute{
				MarkdownDescription: "When the policy was created, as an RFC 3339 timestamp in UTC.",
				Computed:            true,
				PlanModifiers:       stable,
			},
		},
	}
}

func (r *aiPolicyResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// ModifyPlan gives a policy without org_id the provider's org_id, when the
// provider's configuration names one: known in the plan at no cost, and a
// change of it replaces the policies that follow it. An organization that
// would have to be read from Flashback is left unknown until a create needs
// it, so that planning never calls the API for it.
func (r *aiPolicyResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.data == nil || r.data.org.Configured() == "" {
		return
	}
	var configured types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("org_id"), &configured)...)
	if resp.Diagnostics.HasError() || !configured.IsNull() {
		return
	}
	orgID := types.StringValue(r.data.org.Configured())
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("org_id"), orgID)...)
	if req.State.Raw.IsNull() {
		return
	}
	var prior types.String
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("org_id"), &prior)...)
	if !prior.Equal(orgID) {
		resp.RequiresReplace = append(resp.RequiresReplace, path.Root("org_id"))
	}
}

func (r *aiPolicyResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan aiPolicyModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || !requireConfigured(r.data, &resp.Diagnostics) {
		return
	}
	ctx = maskToken(ctx, r.data.token)

	orgID := plan.OrgID.ValueString()
	if plan.OrgID.IsUnknown() || orgID == "" {
		var err error
		if orgID, err = r.data.org.ID(ctx); err != nil {
			resp.Diagnostics.Append(orgDiscoveryDiag(fmt.Sprintf("AI policy %q", plan.Name.ValueString()), err))
			return
		}
	}
	action, _ := client.ParseAIPolicyAction(plan.ActionType.ValueString())
	in := client.CreateAIPolicyRequest{
		OrgID:       orgID,
		WorkspaceID: plan.WorkspaceID.ValueString(),
		RepoID:      plan.RepoID.ValueString(),
		Name:        plan.Name.ValueString(),
		Content:     plan.Content.ValueString(),
		RiskType:    plan.RiskType.ValueString(),
		ActionType:  action,
	}
	created, diags := r.createPolicy(ctx, in)
	resp.Diagnostics.Append(diags...)
	if created == nil {
		return
	}
	plan.setFrom(*created)
	tflog.Info(ctx, "created AI policy", map[string]any{"id": created.ID, "org_id": created.OrgID,
		"workspace_id": created.WorkspaceID, "repo_id": created.RepoID})
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	resp.Diagnostics.Append(aiPolicyIdentity.set(ctx, resp.State, resp.Identity)...)
}

func (r *aiPolicyResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state aiPolicyModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !requireConfigured(r.data, &resp.Diagnostics) {
		return
	}
	resp.Diagnostics.Append(aiPolicyIdentity.set(ctx, resp.State, resp.Identity)...)
	ctx = maskToken(ctx, r.data.token)
	scope := scopeOf(state)
	id := state.ID.ValueString()

	found, err := r.find(ctx, scope, id)
	if err != nil {
		resp.Diagnostics.Append(errorDiag("read", scope.ref(id, ""), err))
		return
	}
	p := r.data.policies.settle(ctx, req, resp, readState{ref: scope.ref(id, state.Name.ValueString()), createdAt: state.CreatedAt}, found)
	if p == nil {
		return
	}
	state.setFrom(*p)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}

// find reads a policy: from its scope's list, shared by every policy of that
// scope, or, when the list does not show it, with the read-one call, which has
// the last word. nil means the read-one call said 404: the policy is gone.
func (r *aiPolicyResource) find(ctx context.Context, scope policyScope, id string) (*client.AIPolicy, error) {
	if scope.org != "" {
		policies, err := r.data.policies.lists.List(ctx, scope.key())
		// A scope that no longer exists (its workspace or repo deleted) takes
		// its policies with it; only the read-one call can say so for sure.
		if err != nil && !client.IsNotFound(err) {
			return nil, err
		}
		for i := range policies {
			if p := policies[i]; p.ID == id && scopeOfPolicy(p) == scope {
				return &p, nil
			}
		}
	}
	tflog.Debug(ctx, "AI policy not in its scope's list; reading it by id", map[string]any{"id": id})
	p, err := r.data.client.AIPolicies.Get(ctx, id)
	if client.IsNotFound(err) {
		return nil, nil
	}
	return p, err
}

func (r *aiPolicyResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state aiPolicyModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !requireConfigured(r.data, &resp.Diagnostics) {
		return
	}
	ctx = maskToken(ctx, r.data.token)
	scope := scopeOf(state)
	id := state.ID.ValueString()

	// Everything else either replaces the policy or is the server's: only
	// these four can differ here, and only those that do are sent.
	var in client.UpdateAIPolicyRequest
	var sent []string
	changed := func(attr string, planned, prior types.String) *string {
		if planned.Equal(prior) {
			return nil
		}
		sent = append(sent, attr)
		v := planned.ValueString()
		return &v
	}
	in.Name = changed("name", plan.Name, state.Name)
	in.Content = changed("content", plan.Content, state.Content)
	in.RiskType = changed("risk_type", plan.RiskType, state.RiskType)
	if changed("action_type", plan.ActionType, state.ActionType) != nil {
		action, _ := client.ParseAIPolicyAction(plan.ActionType.ValueString())
		in.ActionType = &action
	}
	if len(sent) == 0 {
		resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
		resp.Diagnostics.Append(aiPolicyIdentity.set(ctx, resp.State, resp.Identity)...)
		return
	}

	var updated *client.AIPolicy
	err := r.data.policies.write(scope.key(), func() (err error) {
		updated, err = r.data.client.AIPolicies.Update(ctx, id, in)
		return err
	})
	if err != nil {
		resp.Diagnostics.Append(errorDiag("update", scope.ref(id, "").sending(sent), err))
		return
	}
	state.setFrom(*updated)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	resp.Diagnostics.Append(aiPolicyIdentity.set(ctx, resp.State, resp.Identity)...)
}

func (r *aiPolicyResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state aiPolicyModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !requireConfigured(r.data, &resp.Diagnostics) {
		return
	}
	ctx = maskToken(ctx, r.data.token)
	scope := scopeOf(state)
	id := state.ID.ValueString()

	resp.Diagnostics.Append(r.data.policies.delete(scope.ref(id, ""), scope.key(), func() error {
		return r.data.client.AIPolicies.Delete(ctx, id)
	})...)
}

// ImportState reads the policy by id, given as a string or as an import
// block's identity: the read-one call gives its scope too, so the import is
// complete.
func (r *aiPolicyResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	// An import block's identity takes the path of a string ID from here on.
	if req.ID = aiPolicyIdentity.importID(ctx, req, &resp.Diagnostics); resp.Diagnostics.HasError() {
		return
	}
	id := req.ID
	if id == "" || strings.TrimSpace(id) != id || strings.ContainsAny(id, " \t\r\n") {
		resp.Diagnostics.AddError("Invalid import ID", fmt.Sprintf(
			"Expected the ID of an AI policy, such as 550e8400-e29b-41d4-a716-446655440000; got %q.", id))
		return
	}
	if !requireConfigured(r.data, &resp.Diagnostics) {
		return
	}
	ctx = maskToken(ctx, r.data.token)

	p, err := r.data.client.AIPolicies.Get(ctx, id)
	switch {
	case client.IsNotFound(err):
		resp.Diagnostics.AddError("AI policy not found", fmt.Sprintf(
			"Flashback has no AI policy with id %s (deleted policies cannot be imported): check the import ID.", id))
		return
	case err != nil:
		resp.Diagnostics.Append(errorDiag("import", objectRef{kind: aiPolicyKind, id: id, lookup: []string{"the import ID"}}, err))
		return
	}
	var state aiPolicyModel
	state.setFrom(*p)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	resp.Diagnostics.Append(aiPolicyIdentity.set(ctx, resp.State, resp.Identity)...)
}

// setFrom copies the policy as Flashback stores it into the model.
func (m *aiPolicyModel) setFrom(p client.AIPolicy) {
	m.ID = types.StringValue(p.ID)
	m.OrgID = types.StringValue(p.OrgID)
	m.WorkspaceID = nullIfEmpty(p.WorkspaceID)
	m.RepoID = nullIfEmpty(p.RepoID)
	m.Name = types.StringValue(p.Name)
	m.Content = types.StringValue(p.Content)
	m.RiskType = types.StringValue(p.RiskType)
	m.ActionType = types.StringValue(p.ActionType.String())
	m.CreatedAt = nullIfEmpty(normalizeTimestamp(p.CreatedAt))
}

// policyScope is where a policy applies: an organization, one of its
// workspaces, or one repository of that workspace. It never changes.
type policyScope struct {
	org, workspace, repo string
}

func scopeOf(m aiPolicyModel) policyScope {
	return policyScope{org: m.OrgID.ValueString(), workspace: m.WorkspaceID.ValueString(), repo: m.RepoID.ValueString()}
}

func scopeOfPolicy(p client.AIPolicy) policyScope {
	return policyScope{org: p.OrgID, workspace: p.WorkspaceID, repo: p.RepoID}
}

// key is the scope's key in the provider's policy list cache.
func (s policyScope) key() string { return client.AIPolicyScopeKey(s.org, s.workspace, s.repo) }

// parent is the scope as messages name it: its innermost level ("repo r1"),
// of the levels that hold it ("of workspace w1 of organization o1").
func (s policyScope) parent() *parentRef {
	p := inOrganization(s.org)
	if s.workspace != "" {
		p = inWorkspace(s.workspace).within(p)
	}
	if s.repo != "" {
		p = inRepo(s.repo).within(p)
	}
	return p
}

func (s policyScope) String() string { return s.parent().String() }

// attributes are the resource's attributes that name the scope.
func (s policyScope) attributes() []string { return s.parent().attrs() }

// ref names a policy of the scope, by id, by name before it has one, or,
// with neither, all the policies of the scope.
func (s policyScope) ref(id, name string) objectRef {
	return objectRef{kind: aiPolicyKind, id: id, name: name, parent: s.parent()}
}

// orgDiscoveryDiag says why the organization of subject, such as
// `AI policy "PII"`, which sets no org_id, could not be found.
func orgDiscoveryDiag(subject string, err error) diag.Diagnostic {
	setIt := fmt.Sprintf("set org_id there, or org_id in the provider block (or the %s environment variable), to "+
		"the organization it is for.", envOrgID)
	if errors.Is(err, errNoOrganization) {
		return diag.NewAttributeErrorDiagnostic(path.Root("org_id"), "No organization for the AI policy", fmt.Sprintf(
			"%s sets no org_id, and neither does the provider, so it would be the organization of the access "+
				"token's user; but %s. So %s", subject, errNoOrganization, setIt))
	}
	summary := "Cannot find the organization for the AI policy"
	if client.IsUnauthorized(err) {
		summary = "Flashback rejected the access token"
	}
	profile := objectRef{kind: userProfileKind, lookup: []string{"access_token"}}
	return diag.NewAttributeErrorDiagnostic(path.Root("org_id"), summary, fmt.Sprintf(
		"%s sets no org_id, and neither does the provider, so the provider read the access token's user profile for "+
			"its organization, which failed: %s. %s Or %s", subject, err, nextStep("read", profile, err), setIt))
}

func nullIfEmpty(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

// newPolicyCollection declares the AI policies: listed by scope, with no
// unique name, and enforced from the moment they exist, so a lost create is
// never repeated (see repeatRule).
func newPolicyCollection(c *client.Client, ttl time.Duration, e *engine) *collection[client.AIPolicy] {
	return &collection[client.AIPolicy]{
		kind:         aiPolicyKind,
		resourceType: "flashback_ai_policy",
		repeat:       neverRepeat,
		lists:        client.NewListCache(c.AIPolicies.ListScope, ttl),
		id:           policyID,
		name:         func(p client.AIPolicy) string { return p.Name },
		createdAt:    func(p client.AIPolicy) string { return p.CreatedAt },
		importID:     func(_ string, p client.AIPolicy) string { return p.ID },
		describe: func(p client.AIPolicy) string {
			return fmt.Sprintf("%q, risk_type %s, action_type %s", p.Name, p.RiskType, p.ActionType)
		},
		goneNote: " Flashback no longer enforces it.",
		engine:   e,
	}
}

func policyID(p client.AIPolicy) string { return p.ID }

// createPolicy creates a policy through the create engine, and returns it as
// Flashback stored it.
func (r *aiPolicyResource) createPolicy(ctx context.Context, in client.CreateAIPolicyRequest) (*client.AIPolicy, diag.Diagnostics) {
	scope := policyScope{org: in.OrgID, workspace: in.WorkspaceID, repo: in.RepoID}
	sent := append([]string{"name", "content", "risk_type", "action_type"}, scope.attributes()...)
	return createObject(ctx, r.data.policies, createOp[client.AIPolicy, *client.AIPolicy]{
		scope: scope.key(),
		ref:   scope.ref("", in.Name).sending(sent),
		name:  in.Name,
		alike: in.Name + "\x00" + in.Content,
		post: func(ctx context.Context, _ string) (*client.AIPolicy, string, error) {
			created, err := r.data.client.AIPolicies.Create(ctx, in)
			if created == nil {
				return nil, "", err
			}
			return created, created.ID, err
		},
		same: func(p client.AIPolicy, name string) bool {
			return p.Name == name && p.Content == in.Content && p.RiskType == in.RiskType && p.ActionType == in.ActionType &&
				scopeOfPolicy(p) == scope
		},
		unusable: func(ctx context.Context, id string, err error) (*client.AIPolicy, diag.Diagnostics) {
			return r.readBackUnusable(ctx, in, id, err)
		},
	})
}

// readBackUnusable reads back policy id, which Flashback made but described in
// an unusable answer (createErr). If it cannot be read either, it is returned
// as it was requested, with an error: Terraform then records it as tainted,
// and the next apply replaces it. It is this create's, so it is never left
// behind unrecorded.
func (r *aiPolicyResource) readBackUnusable(ctx context.Context, in client.CreateAIPolicyRequest, id string, createErr error) (*client.AIPolicy, diag.Diagnostics) {
	var diags diag.Diagnostics
	scope := policyScope{org: in.OrgID, workspace: in.WorkspaceID, repo: in.RepoID}
	p, err := r.data.client.AIPolicies.Get(ctx, id)
	if err == nil {
		diags.AddWarning("AI policy read back after an unusable answer", fmt.Sprintf(
			"Flashback created AI policy %s in %s, but its answer was unusable (%s); the policy was read back "+
				"instead.", id, scope, createErr))
		return p, diags
	}
	diags.AddError("Cannot create AI policy", fmt.Sprintf(
		"Flashback created AI policy %s in %s, but its answer was unusable (%s), and reading the policy back failed: "+
			"%s. Terraform records it as tainted: the next terraform apply deletes it and creates it again.",
		id, scope, createErr, err))
	return &client.AIPolicy{ID: id, OrgID: in.OrgID, WorkspaceID: in.WorkspaceID, RepoID: in.RepoID, Name: in.Name,
		Content: in.Content, RiskType: in.RiskType, ActionType: in.ActionType}, diags
}
