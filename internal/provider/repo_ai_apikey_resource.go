package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"

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
	_ resource.ResourceWithConfigure   = &repoAIAPIKeyResource{}
	_ resource.ResourceWithImportState = &repoAIAPIKeyResource{}
	_ resource.ResourceWithModifyPlan  = &repoAIAPIKeyResource{}
)

// createdAtLayout is how the API writes createdAt; state keeps the same form.
const createdAtLayout = "2006-01-02T15:04:05.000Z07:00"

// privateImportingKey marks a key that ImportState handed to Read: not
// finding it is then an error, not drift.
const privateImportingKey = "importing"

type repoAIAPIKeyResource struct {
	data *providerData
}

func newRepoAIAPIKeyResource() resource.Resource { return &repoAIAPIKeyResource{} }

type repoAIAPIKeyModel struct {
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

// keySecret is the key's secret for secret_recipients (secret_recipients.go).
var keySecret = sealedSecret{secret: "secret", encrypted: "encrypted_secret",
	rotate: "change a value in keepers, which replaces the key with one whose secret follows secret_recipients"}

func (r *repoAIAPIKeyResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_repo_ai_apikey"
}

func (r *repoAIAPIKeyResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	// Everything the server decides is fixed for the life of a key: keep it in
	// the plan so a rename does not show it as "(known after apply)".
	stable := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}

	resp.Schema = schema.Schema{
		MarkdownDescription: "An AI API key of a Flashback repository. The server generates the key and its " +
			"secret; the secret is returned once, when the key is created, and is kept in the Terraform state: in " +
			"plain text in `secret`, or, with `secret_recipients`, only encrypted for them in `encrypted_secret`. " +
			"Renaming updates the key in place; changing `repo_id`, `ai_type` or `keepers` creates a new key and " +
			"deletes the old one.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The key's ID, assigned by Flashback.",
				Computed:            true,
				PlanModifiers:       stable,
			},
			"repo_id": schema.StringAttribute{
				MarkdownDescription: "The ID of the repository the key belongs to. Changing it creates a new key.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers:       replace,
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "The key's display name, which must not be empty or only white space. Changing " +
					"it renames the key in place.",
				Required: true,
				Validators: []validator.String{
					stringvalidator.LengthAtLeast(1),
					stringvalidator.RegexMatches(notBlank, "must not be empty or only white space"),
				},
			},
			"ai_type": schema.StringAttribute{
				MarkdownDescription: "The AI provider the key is for: one of " + markdownList(client.AITypes()) +
					". Changing it creates a new key.",
				Required:      true,
				Validators:    []validator.String{stringvalidator.OneOf(client.AITypes()...)},
				PlanModifiers: replace,
			},
			"keepers": schema.MapAttribute{
				MarkdownDescription: "Arbitrary values that, when changed, create a new key and delete the old one: " +
					"the way to rotate a key, for example on a schedule with `time_rotating`. Adding, changing or " +
					"removing an entry replaces the key; leaving `keepers` unset, setting it to `null` or to `{}` are the " +
					"same (the state holds `{}`), so switching among them changes nothing.",
				ElementType: types.StringType,
				Optional:    true,
				// Computed only so that an unset keepers can be planned as {}.
				Computed:      true,
				PlanModifiers: []planmodifier.Map{noKeepersIsEmpty{}, replaceWhenKeepersChange},
			},
			"key": schema.StringAttribute{
				MarkdownDescription: "The key's public identifier, generated by Flashback.",
				Computed:            true,
				PlanModifiers:       stable,
			},
			"secret": schema.StringAttribute{
				MarkdownDescription: "The key's secret. Flashback returns it only when the key is created, so it is " +
					"kept in the state for the life of the key; it is null for an imported key, and whenever " +
					"`secret_recipients` is set (see `encrypted_secret`).",
				Computed:      true,
				Sensitive:     true,
				PlanModifiers: stable,
			},
			"secret_recipients": schema.ListAttribute{
				MarkdownDescription: "The [age](https://age-encryption.org) recipients to encrypt the secret for, so " +
					"that the state never holds it in plain text: age public keys (`age1…`, the \"Public key\" that " +
					"`age-keygen` prints; post-quantum `age1pq1…` keys too, but not mixed with the others) and SSH " +
					"public keys of type `ssh-ed25519` or `ssh-rsa` (a line of a `.pub` file; its comment is ignored). " +
					"When set, `secret` is null and `encrypted_secret` holds the secret, which any one of the recipients " +
					"can decrypt. An empty list is refused, so that a list of recipients that turns out empty never " +
					"leaves the secret unencrypted: leave it unset (or `null`) to keep the secret in plain text. Setting " +
					"it on a key whose `secret` the state holds encrypts that secret in place. Once the secret is " +
					"encrypted the provider no longer has it: changing or removing `secret_recipients` keeps " +
					"`encrypted_secret` as it is, and the plan warns so; to have a secret for the new recipients, " +
					"rotate the key (change `keepers`).",
				ElementType: types.StringType,
				Optional:    true,
				Validators:  []validator.List{secretRecipientsValidator{}},
			},
			"encrypted_secret": schema.StringAttribute{
				MarkdownDescription: "The key's secret encrypted for `secret_recipients`, as an ASCII-armored " +
					"[age](https://age-encryption.org) file (`-----BEGIN AGE ENCRYPTED FILE-----`): decrypt it with " +
					"`age -d -i key.txt` (or `-i ~/.ssh/id_ed25519`). It is encrypted when the key is created, or when " +
					"`secret_recipients` is set on a key whose `secret` the state holds, and never again. Null until then, " +
					"and for an imported key, which has no secret to encrypt. Not sensitive: only the recipients' private " +
					"keys can read it.",
				Computed:      true,
				PlanModifiers: stable,
			},
			"created_at": schema.StringAttribute{
				MarkdownDescription: "When the key was created, as an RFC 3339 timestamp in UTC. Flashback's create " +
					"response does not say, so it is null right after the key is created and filled in by the next " +
					"refresh (the next plan or apply), which never plans a change for it.",
				Computed:      true,
				PlanModifiers: stable,
			},
		},
	}
}

// notBlank matches a name with a character that is not white space: a blank
// name tells no one which key it is.
var notBlank = regexp.MustCompile(`\S`)

func (r *repoAIAPIKeyResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *repoAIAPIKeyResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan repoAIAPIKeyModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || !r.configured(&resp.Diagnostics) {
		return
	}
	ctx = maskToken(ctx, r.data.token)
	repoID := plan.RepoID.ValueString()
	// Parsed before the create, so that recipients that cannot be used never cost a key.
	recipients, diags := parseSecretRecipients(plan.SecretRecipients)
	if resp.Diagnostics.Append(diags...); diags.HasError() {
		return
	}

	created, diags := r.create(ctx, repoID, plan.Name.ValueString(), plan.AIType.ValueString())
	resp.Diagnostics.Append(diags...)
	if created == nil {
		return
	}
	ctx = maskSecret(ctx, created.Secret)
	tflog.Info(ctx, "created AI API key", map[string]any{"repo_id": repoID, "id": created.ID})

	// The create response has no creation time, and reading the list for it
	// would cost every create a second round trip: the next refresh fills it.
	plan.ID = types.StringValue(created.ID)
	plan.Key = types.StringValue(created.Key)
	plan.Secret, plan.EncryptedSecret, diags = recipients.keep(created.Secret, aiAPIKeyRef(repoID, created.ID).String())
	resp.Diagnostics.Append(diags...)
	plan.CreatedAt = types.StringNull()
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	resp.Diagnostics.Append(repoAIAPIKeyIdentity.set(ctx, resp.State, resp.Identity)...)
	// Until a list shows the key, a read cannot tell a key not listed yet from
	// one deleted since; remember roughly when it was made.
	resp.Diagnostics.Append(r.data.rememberCreated(ctx, resp.Private)...)
}

func (r *repoAIAPIKeyResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state repoAIAPIKeyModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !r.configured(&resp.Diagnostics) {
		return
	}
	resp.Diagnostics.Append(repoAIAPIKeyIdentity.set(ctx, resp.State, resp.Identity)...)
	ctx = maskSecret(maskToken(ctx, r.data.token), state.Secret.ValueString())
	repoID, id := state.RepoID.ValueString(), state.ID.ValueString()
	importing := hasPrivateKey(ctx, req.Private, privateImportingKey)
	op := "read"
	if importing {
		op = "import"
	}

	listed, err := r.find(ctx, repoID, id, !importing && r.data.recentlyCreated(state.CreatedAt))
	if err != nil {
		resp.Diagnostics.Append(errorDiag(op, aiAPIKeyRef(repoID, id), err))
		return
	}
	switch {
	case importing && (listed == nil || listed.Deleted()):
		resp.Diagnostics.AddError("AI API key not found",
			fmt.Sprintf("Repo %s has no AI API key with id %s (deleted keys cannot be imported). Check both parts of the "+
				"import ID %q.", repoID, id, repoID+"/"+id))
		return
	case listed != nil && listed.Deleted():
		resp.Diagnostics.AddWarning("AI API key deleted outside Terraform",
			fmt.Sprintf("Flashback lists AI API key %s of repo %s as deleted; it will be created again on the next apply.", id, repoID))
		resp.State.RemoveResource(ctx)
		return
	case listed == nil && r.data.tooNewToBeListed(ctx, state.CreatedAt, req.Private):
		// Removing it would make the next apply create a second key and leave
		// this one, whose secret only the state holds, orphaned.
		resp.Diagnostics.AddWarning("AI API key not listed yet",
			fmt.Sprintf("AI API key %s was created in repo %s moments ago and the repo's list does not show it yet; "+
				"it is kept in the state. A later refresh reads it again.", id, repoID))
		return
	case listed == nil:
		resp.Diagnostics.AddWarning("AI API key deleted outside Terraform",
			fmt.Sprintf("AI API key %s no longer exists in repo %s; it will be created again on the next apply.", id, repoID))
		resp.State.RemoveResource(ctx)
		return
	}
	applyListed(&state, *listed)
	if state.Keepers.IsNull() {
		state.Keepers = noKeepers()
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	// Listed once, the key has its created_at: a later absence is a deletion.
	resp.Diagnostics.Append(forgetCreated(ctx, resp.Private)...)
	if importing {
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateImportingKey, nil)...)
		resp.Diagnostics.AddWarning("Secret not imported",
			fmt.Sprintf("Flashback returns an AI API key's secret only when the key is created, so the secret of imported "+
				"key %s cannot be recovered: secret stays null. If you need it, rotate the key (change keepers) to create "+
				"one whose secret Terraform keeps.", id))
	}
}

func (r *repoAIAPIKeyResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state repoAIAPIKeyModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !r.configured(&resp.Diagnostics) {
		return
	}
	ctx = maskSecret(maskToken(ctx, r.data.token), state.Secret.ValueString())
	repoID, id := state.RepoID.ValueString(), state.ID.ValueString()
	var diags diag.Diagnostics
	plan.Secret, plan.EncryptedSecret, diags = keySealing(plan, state).settle(aiAPIKeyRef(repoID, id).String())
	if resp.Diagnostics.Append(diags...); diags.HasError() {
		return
	}

	// name is the only attribute that changes in place on the server
	// (secret_recipients changes the state alone); everything else
	// either forces a new key or is the server's, so the plan already holds
	// the values the key will have.
	if !plan.Name.Equal(state.Name) {
		name := plan.Name.ValueString()
		err := r.data.client.AIAPIKeys.Update(ctx, repoID, id, client.UpdateAIAPIKeyRequest{Name: &name})
		r.data.lists.Invalidate(repoID)
		if err != nil {
			resp.Diagnostics.Append(errorDiag("update", aiAPIKeyRef(repoID, id).sending([]string{sentValue("name", name)}), err))
			return
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	resp.Diagnostics.Append(repoAIAPIKeyIdentity.set(ctx, resp.State, resp.Identity)...)
}

func (r *repoAIAPIKeyResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state repoAIAPIKeyModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !r.configured(&resp.Diagnostics) {
		return
	}
	ctx = maskSecret(maskToken(ctx, r.data.token), state.Secret.ValueString())
	repoID, id := state.RepoID.ValueString(), state.ID.ValueString()

	err := r.data.client.AIAPIKeys.Delete(ctx, repoID, id)
	r.data.lists.Invalidate(repoID)
	if err != nil && !client.IsNotFound(err) {
		resp.Diagnostics.Append(errorDiag("delete", aiAPIKeyRef(repoID, id), err))
	}
}

// ModifyPlan plans secret and encrypted_secret as secret_recipients says,
// and warns when encrypted_secret cannot follow it (secret_recipients.go).
func (r *repoAIAPIKeyResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var plan, state repoAIAPIKeyModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	sealing := secretSealing{recipients: plan.SecretRecipients, priorRecipients: types.ListNull(types.StringType), fresh: true}
	if !req.State.Raw.IsNull() {
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		sealing = keySealing(plan, state)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	subject := aiAPIKeyRef(state.RepoID.ValueString(), state.ID.ValueString()).String()
	resp.Diagnostics.Append(sealing.planInto(ctx, &resp.Plan, keySecret, subject)...)
}

// keySealing is how a plan of an existing key keeps its secret. The plan
// modifiers of repo_id, ai_type and keepers decide whether it replaces the
// key, but ModifyPlan is not told: replacing says it again.
func keySealing(plan, state repoAIAPIKeyModel) secretSealing {
	replacing := !plan.RepoID.Equal(state.RepoID) || !plan.AIType.Equal(state.AIType) ||
		(!plan.Keepers.Equal(state.Keepers) && keepersReplace(plan.Keepers, state.Keepers))
	return secretSealing{recipients: plan.SecretRecipients, priorRecipients: state.SecretRecipients,
		priorSecret: state.Secret, priorEncrypted: state.EncryptedSecret, fresh: replacing}
}

// ImportState hands the key's repo_id and id to Read, which looks the key up
// like any other: Read knows from the private state that it is importing, so
// that an unknown key is an error naming the import ID, not drift.
func (r *repoAIAPIKeyResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if req.ID = repoAIAPIKeyIdentity.importID(ctx, req, &resp.Diagnostics); resp.Diagnostics.HasError() {
		return
	}
	repoID, id, ok := parseImportID(req.ID)
	if !ok {
		resp.Diagnostics.AddError("Invalid import ID",
			fmt.Sprintf("Expected an import ID of the form <repo_id>/<id>, such as repo-123/550e8400-e29b-41d4-a716-446655440000; got %q.", req.ID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("repo_id"), repoID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	resp.Diagnostics.Append(repoAIAPIKeyIdentity.set(ctx, resp.State, resp.Identity)...)
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateImportingKey, []byte("true"))...)
}

// parseImportID splits "<repo_id>/<id>" at its last slash: key ids are UUIDs,
// while repo ids are opaque and might contain one.
func parseImportID(importID string) (repoID, id string, ok bool) {
	i := strings.LastIndex(importID, "/")
	if i <= 0 || i == len(importID)-1 {
		return "", "", false
	}
	repoID, id = importID[:i], importID[i+1:]
	if strings.TrimSpace(repoID) != repoID || strings.TrimSpace(id) != id {
		return "", "", false
	}
	return repoID, id, true
}

// find looks a key up in its repo's list; nil means it is not there, and a
// key the list shows as deleted is returned as such. A key created moments
// ago may not be listed yet, so for a recent one the list is asked again a few
// times, with growing waits, before it is given up.
func (r *repoAIAPIKeyResource) find(ctx context.Context, repoID, id string, recent bool) (*client.AIAPIKey, error) {
	lookup := listLookup[client.AIAPIKey]{lists: r.data.lists, id: keyID, what: "AI API key", tuning: r.data.tuning}
	return lookup.find(ctx, repoID, id, recent)
}

func (r *repoAIAPIKeyResource) configured(diags *diag.Diagnostics) bool {
	return requireConfigured(r.data, diags)
}

// aiAPIKeyRef names a key of repo repoID in messages: by id, or, with id "",
// all the keys of the repo.
func aiAPIKeyRef(repoID, id string) objectRef {
	return objectRef{kind: aiAPIKeyKind, id: id, parent: inRepo(repoID)}
}

// applyListed copies what the list says of a key into the model. The secret
// and keepers are not the server's to say and are left as they are; a key
// the list shows as null keeps the one the create response gave.
func applyListed(m *repoAIAPIKeyModel, k client.AIAPIKey) {
	m.Name = types.StringValue(k.Name)
	m.AIType = types.StringValue(k.AIType)
	if k.Key != nil {
		m.Key = types.StringValue(*k.Key)
	}
	m.CreatedAt = types.StringValue(formatCreatedAt(k))
}

// formatCreatedAt writes the creation time in the API's own layout, in UTC, so
// that state holds one spelling of it whatever the server's offset. A value
// that does not parse is kept as the server wrote it.
func formatCreatedAt(k client.AIAPIKey) string {
	at, ok := k.Created()
	if !ok {
		return k.CreatedAt
	}
	return at.UTC().Format(createdAtLayout)
}

func markdownList(values []string) string {
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = "`" + v + "`"
	}
	return strings.Join(quoted, ", ")
}

func keyID(k client.AIAPIKey) string { return k.ID }
