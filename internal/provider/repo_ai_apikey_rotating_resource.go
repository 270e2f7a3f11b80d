package provider

import (
	"context"
	"fmt"

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
	_ resource.ResourceWithConfigure   = &repoAIAPIKeyRotatingResource{}
	_ resource.ResourceWithImportState = &repoAIAPIKeyRotatingResource{}
	_ resource.ResourceWithModifyPlan  = &repoAIAPIKeyRotatingResource{}
)

// rotatingKeyType is the resource's Terraform type.
const rotatingKeyType = "flashback_repo_ai_apikey_rotating"

// repoAIAPIKeyRotatingResource is an AI API key that rotates in place: a new
// key becomes the current one, and the one it replaces keeps working, as the
// previous key, until overlap has passed. The rotation itself (what each step
// does, and what a failed step leaves) is in repo_ai_apikey_rotation.go.
type repoAIAPIKeyRotatingResource struct {
	data *providerData
}

func newRepoAIAPIKeyRotatingResource() resource.Resource { return &repoAIAPIKeyRotatingResource{} }

type rotatingKeyModel struct {
	ID         types.String `tfsdk:"id"`
	RepoID     types.String `tfsdk:"repo_id"`
	Name       types.String `tfsdk:"name"`
	AIType     types.String `tfsdk:"ai_type"`
	RotateWhen types.Map    `tfsdk:"rotate_when"`
	Overlap    types.String `tfsdk:"overlap"`
	Key        types.String `tfsdk:"key"`
	Secret     types.String `tfsdk:"secret"`
	CreatedAt  types.String `tfsdk:"created_at"`

	// The secrets kept encrypted for their owners (secret_recipients.go):
	// with recipients set, secret and previous_secret are null, and each
	// key's secret is in its encrypted attribute instead.
	SecretRecipients types.List   `tfsdk:"secret_recipients"`
	EncryptedSecret  types.String `tfsdk:"encrypted_secret"`

	// The previous key: the current one until the latest rotation. Whatever
	// moves with a key from current to previous moves in takePrevious, and
	// is cleared in dropPrevious: an encrypted_secret (secret_recipients)
	// becomes previous_encrypted_secret there, beside previous_secret.
	PreviousID              types.String `tfsdk:"previous_id"`
	PreviousKey             types.String `tfsdk:"previous_key"`
	PreviousSecret          types.String `tfsdk:"previous_secret"`
	PreviousEncryptedSecret types.String `tfsdk:"previous_encrypted_secret"`
	PreviousName            types.String `tfsdk:"previous_name"`
	RotatedAt               types.String `tfsdk:"rotated_at"`

	// RetiredIDs are keys a rotation took out of service whose delete failed.
	RetiredIDs types.List `tfsdk:"retired_ids"`
}

func (r *repoAIAPIKeyRotatingResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_repo_ai_apikey_rotating"
	// The identity names the current key, which every rotation replaces.
	resp.ResourceBehavior.MutableIdentity = true
}

func (r *repoAIAPIKeyRotatingResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	// ModifyPlan plans every computed attribute itself (see planUpdate): it
	// alone knows whether the apply rotates, retires the previous key or
	// keeps both.
	computed := func(description string) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: description, Computed: true}
	}
	secret := func(description string) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: description, Computed: true, Sensitive: true}
	}

	resp.Schema = schema.Schema{
		MarkdownDescription: "An AI API key of a Flashback repository that rotates in place, with an overlap: " +
			"changing `rotate_when` creates a new key, which becomes the current one (`id`, `key`, `secret`), " +
			"while the key it replaces becomes the previous one (`previous_id`, `previous_key`, " +
			"`previous_secret`), renamed `<name> (retiring)` in Flashback, and keeps working until `overlap` has " +
			"passed. The first plan after that shows an update that deletes it. Applications that read " +
			"`secret` or `previous_secret` therefore never hold a key that no longer works, as long as they " +
			"pick up the new secret within `overlap`. With `secret_recipients`, both secrets are kept only " +
			"encrypted for their owners, in `encrypted_secret` and `previous_encrypted_secret`. Renaming renames " +
			"the current key in place; changing `repo_id` or `ai_type` replaces both keys; destroying deletes both.",
		Attributes: map[string]schema.Attribute{
			"id": computed("The current key's ID, assigned by Flashback. It changes at every rotation."),
			"repo_id": schema.StringAttribute{
				MarkdownDescription: "The ID of the repository the keys belong to. Changing it creates a new key " +
					"and deletes both the current and the previous one.",
				Required:      true,
				Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers: replace,
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "The current key's display name, which must not be empty or only white " +
					"space. Changing it renames the current key in place; the previous key keeps its name " +
					"`<name> (retiring)`.",
				Required:   true,
				Validators: nameValidators(),
			},
			"ai_type": schema.StringAttribute{
				MarkdownDescription: "The AI provider the keys are for: one of " + markdownList(client.AITypes()) +
					". Changing it creates a new key and deletes both the current and the previous one.",
				Required:      true,
				Validators:    []validator.String{stringvalidator.OneOf(client.AITypes()...)},
				PlanModifiers: replace,
			},
			"rotate_when": schema.MapAttribute{
				MarkdownDescription: "Arbitrary values that, when changed, rotate the key in place: a new key " +
					"becomes the current one and the current one becomes the previous one, which keeps working " +
					"until `overlap` has passed. Put a `time_rotating`'s ID here to rotate on a schedule. Adding, " +
					"changing or removing an entry rotates; leaving `rotate_when` unset, setting it to `null` or " +
					"to `{}` are the same (the state holds `{}`), so switching among them changes nothing.",
				ElementType: types.StringType,
				Optional:    true,
				// Computed only so that an unset rotate_when can be planned as {}.
				Computed:      true,
				PlanModifiers: []planmodifier.Map{noKeepersIsEmpty{}},
			},
			"overlap": schema.StringAttribute{
				MarkdownDescription: "How long the previous key keeps working after a rotation, as a positive Go " +
					"duration such as `\"168h\"` (a week) or `\"36h\"`; Go durations have no days. Once it has " +
					"passed since `rotated_at`, the next plan shows an update that deletes the previous key, " +
					"with a warning that says so. A refresh tells whether it has passed: a plan with " +
					"`-refresh=false` goes by the latest refresh. Changing `overlap` calls no API.",
				Required:   true,
				Validators: []validator.String{positiveDuration{}},
			},
			"key": computed("The current key's public identifier, generated by Flashback."),
			"secret": secret("The current key's secret. Flashback returns it only when the key is created, so " +
				"it is kept in the state for the life of the key; it is null for an imported key, and whenever " +
				"`secret_recipients` is set (see `encrypted_secret`)."),
			"secret_recipients": schema.ListAttribute{
				MarkdownDescription: "The [age](https://age-encryption.org) recipients to encrypt the keys' secrets " +
					"for, so that the state never holds them in plain text, as for `flashback_repo_ai_apikey`: age " +
					"public keys (`age1…`, the \"Public key\" that `age-keygen` prints; post-quantum `age1pq1…` keys " +
					"too, but not mixed with the others) and SSH public keys of type `ssh-ed25519` or `ssh-rsa` (a " +
					"line of a `.pub` file; its comment is ignored). When set, `secret` and `previous_secret` are null, " +
					"and `encrypted_secret` and `previous_encrypted_secret` hold the secrets, which any one of the " +
					"recipients can decrypt; the key a rotation creates is encrypted for the recipients configured " +
					"at that rotation. An empty list is refused, so that a list of recipients that turns out empty " +
					"never leaves a secret unencrypted: leave it unset (or `null`) to keep the secrets in plain " +
					"text. Setting it while the state holds `secret` and `previous_secret` encrypts both in place. " +
					"Once a secret is encrypted the provider no longer has it: changing or removing " +
					"`secret_recipients` keeps `encrypted_secret` and `previous_encrypted_secret` as they are, and " +
					"the plan warns so; the next rotation (a change of `rotate_when`) gives a key whose secret " +
					"follows the recipients configured then.",
				ElementType: types.StringType,
				Optional:    true,
				Validators:  []validator.List{secretRecipientsValidator{}},
			},
			"encrypted_secret": computed("The current key's secret encrypted for `secret_recipients`, as an " +
				"ASCII-armored [age](https://age-encryption.org) file (`-----BEGIN AGE ENCRYPTED FILE-----`): " +
				"decrypt it with `age -d -i key.txt` (or `-i ~/.ssh/id_ed25519`). It is encrypted when the key is " +
				"created (by the create or a rotation), or when `secret_recipients` is set while the state holds " +
				"`secret`, and never again; a rotation moves it to `previous_encrypted_secret`. Null without " +
				"`secret_recipients`, and for an imported key, which has no secret to encrypt. Not sensitive: only " +
				"the recipients' private keys can read it."),
			"created_at": computed("When the current key was created, as an RFC 3339 timestamp in UTC. " +
				"Flashback's create response does not say, so it is null right after a create or a rotation " +
				"and filled in by the next refresh, which never plans a change for it."),
			"previous_id": computed("The previous key's ID: the current key until the latest rotation, still " +
				"working until `overlap` has passed. Null when there is none."),
			"previous_key": computed("The previous key's public identifier. Null when there is none."),
			"previous_secret": secret("The previous key's secret, which keeps working until `overlap` has " +
				"passed since `rotated_at`. Null when there is none, when the key was imported, and whenever " +
				"`secret_recipients` is set (see `previous_encrypted_secret`)."),
			"previous_encrypted_secret": computed("The previous key's secret encrypted for `secret_recipients`, " +
				"as `encrypted_secret` holds the current key's: the current key's `encrypted_secret` until the " +
				"latest rotation, or the previous key's `previous_secret` encrypted in place when " +
				"`secret_recipients` was set after that rotation. Null when there is no previous key, or when its " +
				"secret is not encrypted."),
			"previous_name": computed("The previous key's name in Flashback: `<name> (retiring)`, from the " +
				"`name` it had when it was rotated out, so that the Flashback console shows which key is on its " +
				"way out. Null when there is none."),
			"rotated_at": computed("When the latest rotation made the previous key, as an RFC 3339 timestamp " +
				"in UTC: the previous key's overlap runs from then. Null when there is no previous key."),
			"retired_ids": schema.ListAttribute{
				MarkdownDescription: "Keys that a rotation took out of service but could not delete (the " +
					"delete failed): they still work. Null when there are none, which is always the case unless " +
					"an apply failed; the next plan shows their deletion.",
				ElementType: types.StringType,
				Computed:    true,
			},
		},
	}
}

func (r *repoAIAPIKeyRotatingResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// ModifyPlan plans the computed attributes: see planUpdate.
func (r *repoAIAPIKeyRotatingResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var plan rotatingKeyModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if req.State.Raw.IsNull() {
		plan.dropPrevious()
		plan.RetiredIDs = types.ListNull(types.StringType)
		fresh := secretSealing{recipients: plan.SecretRecipients, priorRecipients: types.ListNull(types.StringType),
			fresh: true}.plan()
		plan.Secret, plan.EncryptedSecret = fresh.secret, fresh.encrypted
		resp.Diagnostics.Append(resp.Plan.Set(ctx, plan)...)
		return
	}
	if len(resp.RequiresReplace) > 0 {
		// Replaced (repo_id, ai_type): Terraform plans the new object as a
		// create, and the destroy deletes both keys.
		return
	}
	var state rotatingKeyModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	checked, _ := timeIn(ctx, req.Private, privateCheckedKey)
	planned, diags := planUpdate(state, plan, checked)
	resp.Diagnostics.Append(diags...)
	resp.Diagnostics.Append(resp.Plan.Set(ctx, planned)...)
}

func (r *repoAIAPIKeyRotatingResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan rotatingKeyModel
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

	created, diags := r.keys().createKey(ctx, repoID, plan.Name.ValueString(), plan.AIType.ValueString())
	resp.Diagnostics.Append(diags...)
	if created == nil {
		return
	}
	ctx = maskSecret(ctx, created.Secret)
	tflog.Info(ctx, "created rotating AI API key", map[string]any{"repo_id": repoID, "id": created.ID})

	if err := plan.setCurrent(created, recipients); err != nil {
		resp.Diagnostics.Append(secretNotKept(aiAPIKeyRef(repoID, created.ID).String(), err,
			"Terraform keeps the key, marked tainted, and the next apply replaces it with one whose secret is encrypted."))
	}
	plan.dropPrevious()
	plan.RetiredIDs = types.ListNull(types.StringType)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	resp.Diagnostics.Append(repoAIAPIKeyRotatingIdentity.set(ctx, resp.State, resp.Identity)...)
	resp.Diagnostics.Append(r.data.engine.rememberCreated(ctx, resp.Private)...)
}

func (r *repoAIAPIKeyRotatingResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state rotatingKeyModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !r.configured(&resp.Diagnostics) {
		return
	}
	resp.Diagnostics.Append(repoAIAPIKeyRotatingIdentity.set(ctx, resp.State, resp.Identity)...)
	ctx = state.masked(maskToken(ctx, r.data.token))
	repoID, id := state.RepoID.ValueString(), state.ID.ValueString()
	importing := hasPrivateKey(ctx, req.Private, privateImportingKey)
	op := "read"
	if importing {
		op = "import"
	}

	keys := r.data.keys
	ref := aiAPIKeyRef(repoID, id)
	found, err := keys.find(ctx, repoID, id, !importing && keys.recentlyCreated(state.CreatedAt))
	if err != nil {
		resp.Diagnostics.Append(errorDiag(op, ref, err))
		return
	}
	listed := keys.settle(ctx, req, resp, readState{ref: ref, createdAt: state.CreatedAt, importing: importing,
		importID: repoID + "/" + id}, found)
	if listed == nil {
		if resp.State.Raw.IsNull() {
			resp.Diagnostics.Append(leftWhenCurrentGone(state)...)
		}
		return
	}
	state.applyListed(*listed)
	if !r.readPrevious(ctx, req, resp, &state) {
		return
	}
	if state.RotateWhen.IsNull() {
		state.RotateWhen = noKeepers()
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	// The plans that follow this refresh, the one at apply time included,
	// decide by this reading of the clock whether the overlap has passed.
	resp.Diagnostics.Append(setTime(ctx, resp.Private, privateCheckedKey, r.data.engine.rotationNow())...)
	if importing {
		resp.Diagnostics.AddWarning("Secret not imported",
			fmt.Sprintf("Flashback returns an AI API key's secret only when the key is created, so the secret of imported "+
				"key %s cannot be recovered: secret stays null. An import leaves rotate_when {}: if the configuration "+
				"sets it, the first apply rotates, and the new key's secret is kept in the state, while key %s keeps "+
				"working, as the previous key, until overlap has passed.", id, id))
	}
}

func (r *repoAIAPIKeyRotatingResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state rotatingKeyModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !r.configured(&resp.Diagnostics) {
		return
	}
	ctx = state.masked(maskToken(ctx, r.data.token))
	// The secrets the state holds, as secret_recipients has them kept: before
	// anything is sent, so that a secret that cannot be encrypted changes
	// nothing, and before a rotation moves the current one to previous.
	sealed, diags := state.sealedFor(plan)
	if resp.Diagnostics.Append(diags...); diags.HasError() {
		return
	}

	var next rotatingKeyModel
	if plan.ID.IsUnknown() {
		var rotated bool
		next, rotated, diags = r.rotate(ctx, req.Private, resp.Private, sealed, plan)
		resp.Diagnostics.Append(diags...)
		if !rotated {
			// Nothing changed: the framework returns the prior state.
			return
		}
	} else {
		next, diags = r.update(ctx, sealed, plan)
		resp.Diagnostics.Append(diags...)
	}
	// next is what Flashback holds, whatever failed: a key that exists is
	// never dropped from the state, nor one that is gone kept in it.
	resp.Diagnostics.Append(resp.State.Set(ctx, next)...)
	resp.Diagnostics.Append(repoAIAPIKeyRotatingIdentity.set(ctx, resp.State, resp.Identity)...)
	resp.Diagnostics.Append(setTime(ctx, resp.Private, privateCheckedKey, r.data.engine.rotationNow())...)
}

func (r *repoAIAPIKeyRotatingResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state rotatingKeyModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !r.configured(&resp.Diagnostics) {
		return
	}
	ctx = state.masked(maskToken(ctx, r.data.token))
	repoID, id := state.RepoID.ValueString(), state.ID.ValueString()

	resp.Diagnostics.Append(r.sweep(ctx, state, "")...)
	// The previous and retired keys go first: the state can hold them only
	// beside a current key, so that one is deleted last.
	rest, diags := r.deleteOthers(ctx, state)
	resp.Diagnostics.Append(diags...)
	if diags.HasError() {
		resp.Diagnostics.Append(resp.State.Set(ctx, rest)...)
		return
	}
	resp.Diagnostics.Append(r.data.keys.delete(aiAPIKeyRef(repoID, id), repoID, func() error {
		return r.data.client.AIAPIKeys.Delete(ctx, repoID, id)
	})...)
	if resp.Diagnostics.HasError() {
		resp.Diagnostics.Append(resp.State.Set(ctx, rest)...)
	}
}

// ImportState takes the current key: the previous one is null, and Read
// looks the key up as it would any other.
func (r *repoAIAPIKeyRotatingResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if req.ID = repoAIAPIKeyRotatingIdentity.importID(ctx, req, &resp.Diagnostics); resp.Diagnostics.HasError() {
		return
	}
	repoID, id, ok := parseImportID(req.ID)
	if !ok {
		resp.Diagnostics.AddError("Invalid import ID",
			fmt.Sprintf("Expected an import ID of the form <repo_id>/<id>, the current key's, such as "+
				"repo-123/550e8400-e29b-41d4-a716-446655440000; got %q.", req.ID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("repo_id"), repoID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	resp.Diagnostics.Append(repoAIAPIKeyRotatingIdentity.set(ctx, resp.State, resp.Identity)...)
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateImportingKey, []byte("true"))...)
}

func (r *repoAIAPIKeyRotatingResource) configured(diags *diag.Diagnostics) bool {
	return requireConfigured(r.data, diags)
}

// keys is the key resource on the same provider data: its createKey is the
// one create of every AI API key, through the create engine.
func (r *repoAIAPIKeyRotatingResource) keys() *repoAIAPIKeyResource {
	return &repoAIAPIKeyResource{data: r.data}
}

// masked hides both secrets in what ctx logs.
func (m rotatingKeyModel) masked(ctx context.Context) context.Context {
	return maskSecret(maskSecret(ctx, m.Secret.ValueString()), m.PreviousSecret.ValueString())
}

// setCurrent makes a key just created the current one, its secret kept as
// recipients say: in plain text, or only encrypted for them. On an error
// the secret is not kept at all. Its created_at waits for the next refresh,
// as the key resource's does.
func (m *rotatingKeyModel) setCurrent(k *client.CreatedAIAPIKey, recipients secretRecipients) error {
	m.ID = types.StringValue(k.ID)
	m.Key = types.StringValue(k.Key)
	m.CreatedAt = types.StringNull()
	var err error
	m.Secret, m.EncryptedSecret, err = recipients.keepNew(k.Secret)
	return err
}

// applyListed copies what the list says of the current key.
func (m *rotatingKeyModel) applyListed(k client.AIAPIKey) {
	m.Name = types.StringValue(k.Name)
	m.AIType = types.StringValue(k.AIType)
	if k.Key != nil {
		m.Key = types.StringValue(*k.Key)
	}
	m.CreatedAt = types.StringValue(normalizeTimestamp(k.CreatedAt))
}

func (m rotatingKeyModel) hasPrevious() bool {
	return !m.PreviousID.IsNull() && !m.PreviousID.IsUnknown() && m.PreviousID.ValueString() != ""
}

// takePrevious makes the current key of from m's previous key: the plan of a
// rotation and the state after it both take it so. The name and rotated_at
// are the caller's to set.
func (m *rotatingKeyModel) takePrevious(from rotatingKeyModel) {
	m.PreviousID, m.PreviousKey, m.PreviousSecret = from.ID, from.Key, from.Secret
	m.PreviousEncryptedSecret = from.EncryptedSecret
}

// dropPrevious says there is no previous key.
func (m *rotatingKeyModel) dropPrevious() {
	m.PreviousID, m.PreviousKey, m.PreviousSecret = types.StringNull(), types.StringNull(), types.StringNull()
	m.PreviousEncryptedSecret = types.StringNull()
	m.PreviousName, m.RotatedAt = types.StringNull(), types.StringNull()
}

// The secrets of a rotating key for secret_recipients (secret_recipients.go):
// the current key's, and the previous key's. A rotation gives the new key's
// secret to the recipients then configured, and gives no warning: the new
// key follows them, and the previous one retires.
var (
	rotatingSecret = sealedSecret{secret: "secret", encrypted: "encrypted_secret",
		rotate: "change rotate_when: the next rotation's new key has its secret encrypted for the recipients " +
			"configured then (or in secret when there are none), while the key it replaces keeps its secret as it " +
			"is, in previous_encrypted_secret, until it retires"}
	previousRotatingSecret = sealedSecret{secret: "previous_secret", encrypted: "previous_encrypted_secret",
		rotate: rotatingSecret.rotate}
)

// currentSealing is how an update that issues no new key keeps the
// state's current secret; previousSealing the previous one's.
func currentSealing(state, plan rotatingKeyModel) secretSealing {
	return secretSealing{recipients: plan.SecretRecipients, priorRecipients: state.SecretRecipients,
		priorSecret: state.Secret, priorEncrypted: state.EncryptedSecret}
}

func previousSealing(state, plan rotatingKeyModel) secretSealing {
	return secretSealing{recipients: plan.SecretRecipients, priorRecipients: state.SecretRecipients,
		priorSecret: state.PreviousSecret, priorEncrypted: state.PreviousEncryptedSecret}
}

// sealingPlans are the plans of both secrets of state, and the one warning
// they give, if any: the current key's, or else the previous key's.
func sealingPlans(state, plan rotatingKeyModel) (cur, prev sealingPlan, warning diag.Diagnostics) {
	repoID := state.RepoID.ValueString()
	cur, prev = currentSealing(state, plan).plan(), previousSealing(state, plan).plan()
	warning = cur.warn(rotatingSecret, aiAPIKeyRef(repoID, state.ID.ValueString()).String())
	if warning == nil && state.hasPrevious() {
		warning = prev.warn(previousRotatingSecret,
			"previous "+aiAPIKeyRef(repoID, state.PreviousID.ValueString()).String())
	}
	return cur, prev, warning
}

// sealedFor is m with its secrets kept as plan's secret_recipients says,
// for an update to start from: a plain secret is encrypted in place when
// recipients are set. It is called before the update sends anything.
func (m rotatingKeyModel) sealedFor(plan rotatingKeyModel) (rotatingKeyModel, diag.Diagnostics) {
	var diags, d diag.Diagnostics
	repoID := m.RepoID.ValueString()
	sealed := m
	sealed.SecretRecipients = plan.SecretRecipients
	sealed.Secret, sealed.EncryptedSecret, d = currentSealing(m, plan).settle(aiAPIKeyRef(repoID, m.ID.ValueString()).String())
	diags.Append(d...)
	if m.hasPrevious() {
		sealed.PreviousSecret, sealed.PreviousEncryptedSecret, d = previousSealing(m, plan).settle(
			"previous " + aiAPIKeyRef(repoID, m.PreviousID.ValueString()).String())
		diags.Append(d...)
	}
	return sealed, diags
}
