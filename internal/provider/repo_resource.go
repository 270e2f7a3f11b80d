package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
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
	_ resource.ResourceWithConfigure      = &repoResource{}
	_ resource.ResourceWithImportState    = &repoResource{}
	_ resource.ResourceWithValidateConfig = &repoResource{}
)

type repoResource struct {
	data *providerData
}

func newRepoResource() resource.Resource { return &repoResource{} }

// repoResourceModel is a repository as Terraform manages it. What a listing
// also carries (storage keys, AI API keys, embedded bucket objects, encrypted
// blobs) has no place here: the client does not even decode it.
type repoResourceModel struct {
	ID          types.String `tfsdk:"id"`
	WorkspaceID types.String `tfsdk:"workspace_id"`
	Name        types.String `tfsdk:"name"`
	StorageType types.String `tfsdk:"storage_type"`
	Mode        types.String `tfsdk:"mode"`
	Buckets     types.Set    `tfsdk:"bucket"`
	AILLMIDs    types.Set    `tfsdk:"ai_llm_ids"`
	CreatedAt   types.String `tfsdk:"created_at"`
	Disabled    types.Bool   `tfsdk:"disabled"`
}

type repoBucketModel struct {
	BucketID types.String `tfsdk:"bucket_id"`
	Folder   types.String `tfsdk:"folder"`
	Master   types.Bool   `tfsdk:"master"`
}

var repoBucketType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"bucket_id": types.StringType, "folder": types.StringType, "master": types.BoolType,
}}

func (r *repoResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_repo"
}

func (r *repoResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	stable := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	notEmpty := stringvalidator.LengthAtLeast(1)
	resp.Schema = schema.Schema{
		MarkdownDescription: "A Flashback repository: the endpoint through which applications reach a workspace's " +
			"storage buckets and AI LLM configurations, and which holds their API keys. `name`, `bucket` and " +
			"`ai_llm_ids` change in place, each update one request that sends the whole repository; `workspace_id`, " +
			"`storage_type` and `mode` create a new repository. Terraform owns every `bucket` and the whole " +
			"`ai_llm_ids` set: one attached outside Terraform shows as an update that detaches it. The repository's " +
			"storage credentials and keys are never read into Terraform.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The repository's ID, assigned by Flashback.",
				Computed:            true,
				PlanModifiers:       stable,
			},
			"workspace_id": schema.StringAttribute{
				MarkdownDescription: "The ID of the workspace the repository belongs to, and its buckets and AI LLM " +
					"configurations with it. Changing it creates a new repository and deletes this one.",
				Required:      true,
				Validators:    []validator.String{notEmpty},
				PlanModifiers: replace,
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "The repository's name, unique within the organization, which must not be empty " +
					"or only white space. Changing it renames the repository in place.",
				Required:   true,
				Validators: nameValidators(),
			},
			"storage_type": schema.StringAttribute{
				MarkdownDescription: "The repository's storage type, such as `S3`, `GCS` or `BLOB`. It is sent as " +
					"written and not checked against a list, so that a type Flashback adds later can be used. Changing " +
					"it creates a new repository.",
				Required:      true,
				Validators:    []validator.String{notEmpty},
				PlanModifiers: replace,
			},
			"mode": schema.StringAttribute{
				MarkdownDescription: "`NORMAL` (each bucket in a folder of its own) or `MIRROR` (the buckets mirror " +
					"the one whose `master` is `true`). Changing it creates a new repository.",
				Required:      true,
				Validators:    []validator.String{stringvalidator.OneOf(client.RepoModeNormal, client.RepoModeMirror)},
				PlanModifiers: replace,
			},
			"ai_llm_ids": schema.SetAttribute{
				MarkdownDescription: "The IDs of the AI LLM configurations (`flashback_ai_llm`) the repository " +
					"exposes, all of them: unset is the same as `[]`, none. An LLM configuration attached outside " +
					"Terraform shows as an update that detaches it; add its ID here to keep it. Changes are made in place.",
				ElementType:   types.StringType,
				Optional:      true,
				Computed:      true,
				Validators:    []validator.Set{setvalidator.ValueStringsAre(notEmpty)},
				PlanModifiers: []planmodifier.Set{noneIsEmpty{}},
			},
			"created_at": schema.StringAttribute{
				MarkdownDescription: "When the repository was created, as an RFC 3339 timestamp in UTC. Flashback's " +
					"create response has only the ID, so this is null right after the create and filled in by the next " +
					"refresh, which plans no change for it.",
				Computed:      true,
				PlanModifiers: stable,
			},
			"disabled": schema.BoolAttribute{
				MarkdownDescription: "Whether Flashback has disabled the repository, which can change outside " +
					"Terraform. Null right after the create, like `created_at`; read back after every update.",
				Computed: true,
			},
		},
		Blocks: map[string]schema.Block{
			"bucket": schema.SetNestedBlock{
				MarkdownDescription: "A storage bucket the repository uses, one block each; none for a repository " +
					"of AI LLM configurations alone (`NORMAL`). Adding one changes the repository in place. Flashback " +
					"refuses to remove a bucket from a `NORMAL` repository, or change its folder, in place: such a " +
					"change needs a new repository (`terraform apply -replace`).",
				NestedObject: schema.NestedBlockObject{Attributes: map[string]schema.Attribute{
					"bucket_id": schema.StringAttribute{
						MarkdownDescription: "The ID of a bucket of the repository's workspace.",
						Required:            true,
						Validators:          []validator.String{notEmpty},
					},
					"folder": schema.StringAttribute{
						MarkdownDescription: "The bucket's folder in the repository; unique among the buckets of a " +
							"`NORMAL` repository. Unset is the empty folder.",
						Optional:   true,
						Validators: []validator.String{notEmpty},
					},
					"master": schema.BoolAttribute{
						MarkdownDescription: "Whether this is the master bucket of a `MIRROR` repository, which has " +
							"exactly one. Unset is `false`.",
						Optional: true,
					},
				}},
			},
		},
	}
}

// noneIsEmpty plans an unset ai_llm_ids as the empty set, which is what
// Flashback lists for a repository without LLM configurations: unset and []
// are one value, and neither ever plans a change.
type noneIsEmpty struct{}

func (noneIsEmpty) Description(context.Context) string { return "unset is the same as []" }

func (m noneIsEmpty) MarkdownDescription(ctx context.Context) string { return m.Description(ctx) }

func (noneIsEmpty) PlanModifySet(_ context.Context, req planmodifier.SetRequest, resp *planmodifier.SetResponse) {
	if req.ConfigValue.IsNull() && !req.Plan.Raw.IsNull() {
		resp.PlanValue = types.SetValueMust(types.StringType, []attr.Value{})
	}
}

// ValidateConfig catches at plan time the bucket layouts Flashback refuses:
// a bucket used twice, a MIRROR repository without exactly one master, two
// buckets of a NORMAL repository in one folder. What is not known until
// apply is left to Flashback.
func (r *repoResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m repoResourceModel
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("mode"), &m.Mode)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("bucket"), &m.Buckets)...)
	if resp.Diagnostics.HasError() || m.Buckets.IsUnknown() || slices.ContainsFunc(m.Buckets.Elements(), attr.Value.IsUnknown) {
		return
	}
	var buckets []repoBucketModel
	if resp.Diagnostics.Append(m.Buckets.ElementsAs(ctx, &buckets, false)...); resp.Diagnostics.HasError() {
		return
	}
	for _, problem := range repoLayoutProblems(m.Mode, buckets) {
		resp.Diagnostics.AddAttributeError(path.Root("bucket"), "Invalid repository buckets", problem)
	}
}

// repoLayoutProblems says what Flashback would refuse in a bucket layout, for
// what of it is known.
func repoLayoutProblems(mode types.String, buckets []repoBucketModel) []string {
	var problems []string
	seen := map[string]bool{}
	for _, b := range buckets {
		if id := b.BucketID.ValueString(); !b.BucketID.IsUnknown() && seen[id] {
			problems = append(problems, fmt.Sprintf("Bucket %s has two bucket blocks: a repository uses a bucket once, in one folder.", id))
		}
		seen[b.BucketID.ValueString()] = true
	}
	switch mode.ValueString() {
	case client.RepoModeMirror:
		masters := 0
		for _, b := range buckets {
			if b.Master.IsUnknown() {
				return problems
			}
			if b.Master.ValueBool() {
				masters++
			}
		}
		if masters != 1 {
			problems = append(problems, fmt.Sprintf("A MIRROR repository needs exactly one bucket block with master = true; "+
				"%d of its %d have it. Set master on the one bucket the others mirror.", masters, len(buckets)))
		}
	case client.RepoModeNormal:
		folders := map[string]string{}
		for _, b := range buckets {
			if b.Folder.IsUnknown() {
				continue
			}
			if other, dup := folders[b.Folder.ValueString()]; dup {
				problems = append(problems, fmt.Sprintf("Buckets %s and %s both use folder %q: each bucket of a NORMAL "+
					"repository needs a folder of its own.", other, b.BucketID.ValueString(), b.Folder.ValueString()))
			}
			folders[b.Folder.ValueString()] = b.BucketID.ValueString()
		}
	}
	return problems
}

func (r *repoResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *repoResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan repoResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || !requireConfigured(r.data, &resp.Diagnostics) {
		return
	}
	ctx = maskToken(ctx, r.data.token)
	body, diags := repoBody(ctx, plan)
	if resp.Diagnostics.Append(diags...); diags.HasError() {
		return
	}
	id, diags := r.createRepo(ctx, body)
	resp.Diagnostics.Append(diags...)
	if id == "" {
		return
	}
	// Only the id comes back, and reading the list for the rest would cost
	// every create a second round trip: the next refresh fills them.
	plan.ID = types.StringValue(id)
	plan.CreatedAt, plan.Disabled = types.StringNull(), types.BoolNull()
	tflog.Info(ctx, "created repository", map[string]any{"workspace_id": body.WorkspaceID, "id": id})
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	resp.Diagnostics.Append(repoIdentity.set(ctx, resp.State, resp.Identity)...)
	resp.Diagnostics.Append(r.data.engine.rememberCreated(ctx, resp.Private)...)
}

func (r *repoResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state repoResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !requireConfigured(r.data, &resp.Diagnostics) {
		return
	}
	resp.Diagnostics.Append(repoIdentity.set(ctx, resp.State, resp.Identity)...)
	ctx = maskToken(ctx, r.data.token)
	workspaceID, id := state.WorkspaceID.ValueString(), state.ID.ValueString()

	repos := r.data.repos
	ref := repoRef(workspaceID, id)
	found, err := repos.find(ctx, workspaceID, id, repos.recentlyCreated(state.CreatedAt))
	if err != nil {
		resp.Diagnostics.Append(errorDiag("read", ref, err))
		return
	}
	listed := repos.settle(ctx, req, resp, readState{ref: ref, createdAt: state.CreatedAt}, found)
	if listed == nil {
		return
	}
	resp.Diagnostics.Append(applyListedRepo(ctx, &state, *listed)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}

// Update sends the whole repository, built from the plan alone, in one PUT,
// and reads it back: Flashback replaces everything, both lists included, and
// answers with nothing but success.
func (r *repoResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state repoResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !requireConfigured(r.data, &resp.Diagnostics) {
		return
	}
	ctx = maskToken(ctx, r.data.token)
	body, diags := repoBody(ctx, plan)
	if resp.Diagnostics.Append(diags...); diags.HasError() {
		return
	}
	workspaceID, id := state.WorkspaceID.ValueString(), state.ID.ValueString()
	repos := r.data.repos
	ref := repoRef(workspaceID, id).sending(repoSent(body))

	// The PUT and the list that reads it back see no other write of this run
	// to the repository in between. On an error the state stays as it was.
	defer repos.lockObject(id)()
	if err := repos.write(workspaceID, func() error { return r.data.client.Repos.Replace(ctx, id, body) }); err != nil {
		resp.Diagnostics.Append(errorDiag("update", ref, err))
		return
	}
	tflog.Info(ctx, "replaced repository", map[string]any{"workspace_id": workspaceID, "id": id,
		"buckets": len(body.Buckets), "ai_llms": len(body.AILLMIDs)})

	// write invalidated the workspace's list: this one is sent after the PUT.
	listed, err := repos.find(ctx, workspaceID, id, repos.recentlyCreated(state.CreatedAt))
	switch {
	case err != nil:
		resp.Diagnostics.AddWarning("Cannot read the repo back", fmt.Sprintf("%s was updated, but listing it "+
			"afterwards failed: %s. The next refresh reads it.", capitalize(ref.String()), err))
	case listed != nil:
		plan.CreatedAt = types.StringValue(normalizeTimestamp(listed.CreatedAt))
		plan.Disabled = types.BoolValue(listed.Disabled)
		if !sameAsSent(body, *listed) {
			resp.Diagnostics.AddWarning("Repo changed by another writer", fmt.Sprintf("%s was updated, but "+
				"Flashback lists it with another name, other buckets or other AI LLM configurations than were sent: "+
				"someone changed it at the same time. The next plan shows the difference.", capitalize(ref.String())))
		}
	}
	if plan.CreatedAt.IsUnknown() {
		plan.CreatedAt = state.CreatedAt
	}
	if plan.Disabled.IsUnknown() {
		plan.Disabled = state.Disabled
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	resp.Diagnostics.Append(repoIdentity.set(ctx, resp.State, resp.Identity)...)
}

// Delete deletes the repository, and with it its storage and AI API keys; a
// repository already gone is deleted too.
func (r *repoResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state repoResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !requireConfigured(r.data, &resp.Diagnostics) {
		return
	}
	ctx = maskToken(ctx, r.data.token)
	workspaceID, id := state.WorkspaceID.ValueString(), state.ID.ValueString()
	defer r.data.repos.lockObject(id)()
	resp.Diagnostics.Append(r.data.repos.delete(repoRef(workspaceID, id), workspaceID, func() error {
		return r.data.client.Repos.Delete(ctx, id)
	})...)
}

func (r *repoResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if req.ID = repoIdentity.importID(ctx, req, &resp.Diagnostics); resp.Diagnostics.HasError() {
		return
	}
	id := req.ID
	if id == "" || strings.TrimSpace(id) != id || strings.Contains(id, "/") {
		resp.Diagnostics.AddError("Invalid import ID", fmt.Sprintf("Expected the repository's own ID, such as "+
			"550e8400-e29b-41d4-a716-446655440000 (the flashback_repos data source lists them); got %q.", id))
		return
	}
	if !requireConfigured(r.data, &resp.Diagnostics) {
		return
	}
	ctx = maskToken(ctx, r.data.token)
	// The ID alone does not say which workspace to list: list them all.
	all, err := r.data.client.Repos.List(ctx, "", id)
	if err != nil {
		resp.Diagnostics.Append(errorDiag("import", repoRef("", id), err))
		return
	}
	i := slices.IndexFunc(all, func(repo client.Repo) bool { return repo.ID == id })
	if i < 0 {
		resp.Diagnostics.AddError("Repo not found", fmt.Sprintf("No workspace the access token can access has a "+
			"repository with ID %s. Check the ID (the flashback_repos data source lists them) and that the token "+
			"can access its workspace.", id))
		return
	}
	state, diags := importedRepo(all[i])
	resp.Diagnostics.Append(diags...)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	resp.Diagnostics.Append(repoIdentity.set(ctx, resp.State, resp.Identity)...)
}

// importedRepo is a listed repository as an import leaves it in the state.
func importedRepo(repo client.Repo) (repoResourceModel, diag.Diagnostics) {
	m := repoResourceModel{ID: types.StringValue(repo.ID), Buckets: types.SetNull(repoBucketType)}
	return m, applyListedRepo(context.Background(), &m, repo)
}

// applyListedRepo copies what the list says of a repository into the model.
// A bucket the model already holds keeps its spelling (an explicit
// master = false, the listed empty folder as unset) when it means what the
// list says, so that neither ever plans a change.
func applyListedRepo(ctx context.Context, m *repoResourceModel, repo client.Repo) diag.Diagnostics {
	var was []repoBucketModel
	var diags diag.Diagnostics
	if !m.Buckets.IsNull() && !m.Buckets.IsUnknown() {
		diags = m.Buckets.ElementsAs(ctx, &was, false)
	}
	buckets := make([]repoBucketModel, len(repo.Buckets))
	for i, b := range repo.Buckets {
		buckets[i] = repoBucketModel{BucketID: types.StringValue(b.BucketID), Folder: nullIfEmpty(b.Folder), Master: types.BoolNull()}
		if b.Master {
			buckets[i].Master = types.BoolValue(true)
		}
		for _, w := range was {
			if w.BucketID.ValueString() == b.BucketID && w.Folder.ValueString() == b.Folder && w.Master.ValueBool() == b.Master {
				buckets[i] = w
			}
		}
	}
	var d diag.Diagnostics
	m.Buckets, d = types.SetValueFrom(ctx, repoBucketType, buckets)
	diags.Append(d...)
	m.AILLMIDs, d = types.SetValueFrom(ctx, types.StringType, repo.AILLMIDs)
	diags.Append(d...)
	m.WorkspaceID = types.StringValue(repo.WorkspaceID)
	m.Name = types.StringValue(repo.Name)
	m.StorageType = types.StringValue(repo.StorageType)
	m.Mode = types.StringValue(repo.Mode)
	m.CreatedAt = nullIfEmpty(normalizeTimestamp(repo.CreatedAt))
	m.Disabled = types.BoolValue(repo.Disabled)
	return diags
}

// repoBody is the whole repository the model describes, both lists complete
// and in a fixed order: what a create sends, and every update.
func repoBody(ctx context.Context, m repoResourceModel) (client.CreateRepoRequest, diag.Diagnostics) {
	var buckets []repoBucketModel
	llms := []string{}
	diags := m.Buckets.ElementsAs(ctx, &buckets, true)
	diags.Append(m.AILLMIDs.ElementsAs(ctx, &llms, true)...)
	body := client.CreateRepoRequest{WorkspaceID: m.WorkspaceID.ValueString(), Name: m.Name.ValueString(),
		StorageType: m.StorageType.ValueString(), Mode: m.Mode.ValueString(),
		Buckets: make([]client.RepoBucket, len(buckets)), AILLMIDs: llms}
	for i, b := range buckets {
		body.Buckets[i] = client.RepoBucket{BucketID: b.BucketID.ValueString(), Folder: b.Folder.ValueString(), Master: b.Master.ValueBool()}
	}
	slices.SortFunc(body.Buckets, func(a, b client.RepoBucket) int { return strings.Compare(a.BucketID, b.BucketID) })
	slices.Sort(body.AILLMIDs)
	return body, diags
}

// sameAsSent reports whether a listed repository is what was sent, its
// buckets and LLM configurations in any order.
func sameAsSent(sent client.CreateRepoRequest, l client.Repo) bool {
	return l.Name == sent.Name && l.StorageType == sent.StorageType && l.Mode == sent.Mode &&
		sameElements(l.Buckets, sent.Buckets) && sameElements(l.AILLMIDs, sent.AILLMIDs)
}

// sameElements reports whether a and b hold the same elements, in any order.
func sameElements[E comparable](a, b []E) bool {
	return len(a) == len(b) && !slices.ContainsFunc(a, func(e E) bool { return !slices.Contains(b, e) })
}

func describeBuckets(buckets []client.RepoBucket) string {
	descs := make([]string, len(buckets))
	for i, b := range buckets {
		descs[i] = fmt.Sprintf("%s (folder %q, master %t)", b.BucketID, b.Folder, b.Master)
	}
	return "[" + strings.Join(descs, ", ") + "]"
}

// repoSent describes what a create or update sends.
func repoSent(body client.CreateRepoRequest) []string {
	return []string{sentValue("name", body.Name), sentValue("storage_type", body.StorageType), sentValue("mode", body.Mode),
		"bucket " + describeBuckets(body.Buckets), fmt.Sprintf("ai_llm_ids [%s]", strings.Join(body.AILLMIDs, ", "))}
}

// repoRef names a repository of workspace workspaceID in messages, by id,
// or, with id "", all the repositories of the workspace; an empty
// workspaceID means every workspace the token can access.
func repoRef(workspaceID, id string) objectRef {
	ref := objectRef{kind: repoKind, id: id, advise: repoAdvice}
	if workspaceID != "" {
		ref.parent = inWorkspace(workspaceID)
	}
	return ref
}

// repoAdvice says what to do about a write Flashback refused with an
// error_code; "" for the refusals nextStep knows.
func repoAdvice(err error) string {
	switch client.ErrorCode(err) {
	case client.ErrorCodeNameAlreadyUsed:
		return "Repository names are unique in the organization, and another repo has this one: choose another " +
			"name, or import that repo to manage it here (the flashback_repos data source lists them)."
	case client.ErrorCodeMirrorMasterUnitMissing, client.ErrorCodeMirrorMasterUnitCountInvalid:
		return "A MIRROR repo needs exactly one bucket block with master = true: set master on one bucket, and on only one."
	case client.ErrorCodeMirrorUnitAlreadyInOtherRepo:
		return "A bucket that a MIRROR repo uses belongs to no other repo: use another bucket_id, or remove the bucket " +
			"from the other repo first."
	case client.ErrorCodeNormalUnitFolderAlreadyUsed:
		return "Each bucket of a NORMAL repo needs a folder of its own: give the bucket blocks different folders."
	case client.ErrorCodeNormalUnitFolderCannotDelete, client.ErrorCodeNormalUnitCannotEditFolder:
		return "Flashback cannot remove a bucket from a NORMAL repo, or change a bucket's folder, in place: the folder " +
			"holds data. Put the bucket block back as it was, or make the change with a new repo: terraform apply " +
			"-replace=flashback_repo.<name> (the new repo gets a new ID; the old one's API keys are deleted with it)."
	case client.ErrorCodeQuotaExceeded:
		return "The organization's subscription allows no more repos, and waiting does not help: delete a repo that " +
			"is no longer needed, or upgrade the subscription, then run terraform apply again."
	case client.ErrorCodeNotFound:
		if client.IsNotFound(err) {
			return "" // the repo itself is gone
		}
		return "A bucket_id or an entry of ai_llm_ids names nothing in the repo's workspace: check them (the " +
			"flashback_buckets and flashback_ai_llms data sources list a workspace's), and that they are in workspace_id."
	}
	return ""
}

// repoNameTaken reports whether a refused create says its name is taken:
// with NAME_ALREADY_USED, whatever the status, or with a 400 without an
// error_code.
func repoNameTaken(err error) bool {
	code := client.ErrorCode(err)
	return code == client.ErrorCodeNameAlreadyUsed || (code == "" && client.IsBadRequest(err))
}

// newRepoCollection declares the repositories: listed by workspace, with
// names unique in the organization, so a lost create is repeated as it was
// sent: Flashback refuses a second one (see repeatRule).
func newRepoCollection(c *client.Client, ttl time.Duration, e *engine) *collection[client.Repo] {
	return &collection[client.Repo]{
		kind:         repoKind,
		resourceType: "flashback_repo",
		repeat:       repeatAsSent,
		lists:        client.NewListCache(c.Repos.ListWorkspace, ttl),
		id:           repoIDOf,
		name:         func(r client.Repo) string { return r.Name },
		createdAt:    func(r client.Repo) string { return r.CreatedAt },
		importID:     func(_ string, r client.Repo) string { return r.ID },
		describe: func(r client.Repo) string {
			return fmt.Sprintf("storage_type %s, mode %s", r.StorageType, r.Mode)
		},
		goneNote:  " Its storage and AI API keys were deleted with it.",
		nameTaken: repoNameTaken,
		engine:    e,
	}
}

func repoIDOf(r client.Repo) string { return r.ID }

// createRepo creates a repository through the create engine, and returns its
// ID.
func (r *repoResource) createRepo(ctx context.Context, req client.CreateRepoRequest) (string, diag.Diagnostics) {
	ref := repoRef(req.WorkspaceID, "").sending(repoSent(req))
	ref.name = req.Name
	return createObject(ctx, r.data.repos, createOp[client.Repo, string]{
		scope: req.WorkspaceID,
		ref:   ref,
		name:  req.Name,
		post: func(ctx context.Context, _ string) (string, string, error) {
			id, err := r.data.client.Repos.Create(ctx, req)
			return id, id, err
		},
		// The name is the one sent: repositories are never repeated under another.
		same: func(l client.Repo, _ string) bool { return sameAsSent(req, l) },
	})
}
