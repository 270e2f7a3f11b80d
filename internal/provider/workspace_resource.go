package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/client"
)

var (
	_ resource.ResourceWithConfigure   = &workspaceResource{}
	_ resource.ResourceWithImportState = &workspaceResource{}
)

type workspaceResource struct {
	data *providerData
}

func newWorkspaceResource() resource.Resource { return &workspaceResource{} }

type workspaceModel struct {
	ID    types.String `tfsdk:"id"`
	Name  types.String `tfsdk:"name"`
	OrgID types.String `tfsdk:"org_id"`
}

func (r *workspaceResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_workspace"
}

func (r *workspaceResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	stable := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "A Flashback workspace: the container of repositories, buckets and AI LLM " +
			"configurations in an organization. The access token's user becomes its administrator. `name` changes " +
			"in place.\n\n" +
			"Flashback refuses to delete a workspace that still holds repositories or buckets. Give the resources " +
			"that manage them `workspace_id = flashback_workspace.<name>.id`, so that Terraform creates the " +
			"workspace first and destroys it last; the error of a refused delete names what is left.\n\n" +
			"Workspace names need not be unique in Flashback, but the provider does not create a workspace while " +
			"another one that it did not create has the same name: most likely an earlier apply whose answer was " +
			"lost made it, and the error names it with its import command.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The workspace's ID, assigned by Flashback.",
				Computed:            true,
				PlanModifiers:       stable,
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "The workspace's name, which must not be empty or only white space. Changing it " +
					"renames the workspace in place.",
				Required:   true,
				Validators: nameValidators(),
			},
			"org_id": schema.StringAttribute{
				MarkdownDescription: "The ID of the organization the workspace belongs to: the access token's.",
				Computed:            true,
				PlanModifiers:       stable,
			},
		},
	}
}

func (r *workspaceResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *workspaceResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan workspaceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || !requireConfigured(r.data, &resp.Diagnostics) {
		return
	}
	ctx = maskToken(ctx, r.data.token)

	created, diags := r.createWorkspace(ctx, client.CreateWorkspaceRequest{Name: plan.Name.ValueString()})
	resp.Diagnostics.Append(diags...)
	if created == nil {
		return
	}
	// The answer describes the workspace whole: no read back is needed.
	plan.setFrom(*created)
	tflog.Info(ctx, "created workspace", map[string]any{"id": created.ID, "org_id": created.OrgID})
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	resp.Diagnostics.Append(workspaceIdentity.set(ctx, resp.State, resp.Identity)...)
}

func (r *workspaceResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state workspaceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !requireConfigured(r.data, &resp.Diagnostics) {
		return
	}
	resp.Diagnostics.Append(workspaceIdentity.set(ctx, resp.State, resp.Identity)...)
	ctx = maskToken(ctx, r.data.token)
	id := state.ID.ValueString()
	ref := workspaceRef(id)

	found, err := r.find(ctx, id)
	if err != nil {
		resp.Diagnostics.Append(errorDiag("read", ref, err))
		return
	}
	ws := r.data.workspaces.settle(ctx, req, resp, readState{ref: ref, createdAt: types.StringNull()}, found)
	if ws == nil {
		return
	}
	state.setFrom(*ws)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}

// find reads a workspace: from the list of every workspace the token can
// read, which the refresh of every workspace shares (one list per refresh,
// whatever their number), or, when the list does not show it (a list that
// lags behind a create, or one that leaves some workspaces out), with the
// read-one call, which has the last word. nil means the read-one call said
// 404: the workspace is gone, or the token may no longer read it.
func (r *workspaceResource) find(ctx context.Context, id string) (*client.Workspace, error) {
	listed, err := r.data.workspaces.find(ctx, allWorkspaces, id, false)
	if err != nil {
		return nil, err
	}
	if listed != nil {
		return listed, nil
	}
	tflog.Debug(ctx, "workspace not in the list; reading it by id", map[string]any{"id": id})
	ws, err := r.data.client.Workspaces.Get(ctx, id)
	if client.IsNotFound(err) {
		return nil, nil
	}
	return ws, err
}

func (r *workspaceResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state workspaceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !requireConfigured(r.data, &resp.Diagnostics) {
		return
	}
	ctx = maskToken(ctx, r.data.token)
	id, name := state.ID.ValueString(), plan.Name.ValueString()

	// The name is all that can change in place.
	if name != state.Name.ValueString() {
		var updated *client.Workspace
		err := r.data.workspaces.write(allWorkspaces, func() (err error) {
			updated, err = r.data.client.Workspaces.Update(ctx, id, client.UpdateWorkspaceRequest{Name: name})
			return err
		})
		var unusable *client.ResponseError
		if errors.As(err, &unusable) && !client.IsOutcomeUnknown(err) {
			// Flashback renamed it but its answer could not be used: read it.
			updated, err = r.readBack(ctx, id, err)
		}
		if err != nil {
			resp.Diagnostics.Append(errorDiag("update", workspaceRef(id).sending([]string{sentValue("name", name)}), err))
			return
		}
		tflog.Info(ctx, "renamed workspace", map[string]any{"id": id})
		state.setFrom(*updated)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	resp.Diagnostics.Append(workspaceIdentity.set(ctx, resp.State, resp.Identity)...)
}

// readBack reads workspace id after a write whose answer was unusable
// (writeErr); it returns writeErr if the read fails too.
func (r *workspaceResource) readBack(ctx context.Context, id string, writeErr error) (*client.Workspace, error) {
	ws, err := r.data.client.Workspaces.Get(ctx, id)
	if err != nil {
		tflog.Warn(ctx, "cannot read back the workspace after an unusable answer", map[string]any{"id": id, "error": err.Error()})
		return nil, writeErr
	}
	return ws, nil
}

func (r *workspaceResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state workspaceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !requireConfigured(r.data, &resp.Diagnostics) {
		return
	}
	ctx = maskToken(ctx, r.data.token)
	id := state.ID.ValueString()
	resp.Diagnostics.Append(r.data.workspaces.delete(workspaceRef(id), allWorkspaces, func() error {
		return r.data.client.Workspaces.Delete(ctx, id)
	})...)
}

// ImportState reads the workspace by ID, given as a string or as an import
// block's identity.
func (r *workspaceResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if req.ID = workspaceIdentity.importID(ctx, req, &resp.Diagnostics); resp.Diagnostics.HasError() {
		return
	}
	id := req.ID
	if id == "" || strings.TrimSpace(id) != id || strings.ContainsAny(id, "/ \t\r\n") {
		resp.Diagnostics.AddError("Invalid import ID", fmt.Sprintf(
			"Expected the ID of a workspace, such as 550e8400-e29b-41d4-a716-446655440000 (the flashback_workspace "+
				"data source finds it by name); got %q.", id))
		return
	}
	if !requireConfigured(r.data, &resp.Diagnostics) {
		return
	}
	ctx = maskToken(ctx, r.data.token)

	ws, err := r.data.client.Workspaces.Get(ctx, id)
	switch {
	case client.IsNotFound(err):
		resp.Diagnostics.AddError("Workspace not found", fmt.Sprintf(
			"Flashback has no workspace with ID %s that the access token can read (it answers alike for one that "+
				"does not exist, was deleted, or belongs to someone else): check the import ID and the token.", id))
		return
	case err != nil:
		resp.Diagnostics.Append(errorDiag("import", objectRef{kind: workspaceKind, id: id, lookup: []string{"the import ID"}}, err))
		return
	}
	var state workspaceModel
	state.setFrom(*ws)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	resp.Diagnostics.Append(workspaceIdentity.set(ctx, resp.State, resp.Identity)...)
}

// setFrom copies the workspace as Flashback describes it into the model.
func (m *workspaceModel) setFrom(ws client.Workspace) {
	m.ID = types.StringValue(ws.ID)
	m.Name = types.StringValue(ws.Name)
	m.OrgID = types.StringValue(ws.OrgID)
}

// workspaceRef names workspace id in messages. Its parent, the organization
// of the access token, is not named: no call is spent to learn it.
func workspaceRef(id string) objectRef {
	return objectRef{kind: workspaceKind, id: id}
}

// allWorkspaces is the one scope of the workspace collection: GET /workspace
// lists every workspace the access token can read, with no filter.
const allWorkspaces = ""

// newWorkspaceCollection declares the workspaces: one list of every workspace
// the token can read, and readable one by one as well.
//
// The repeat rule is neverRepeat. Workspace names are not unique: the
// contract (flashback-platform-api.md §4, "Name uniqueness ... (not
// documented)", and its open question 10) does not say that Flashback refuses
// a second workspace of one name, the emulator accepts one ("Workspaces: names
// not unique"), and the client documents that sending a lost create again may
// make a second workspace. So repeatAsSent would make duplicates, and a
// workspace cannot be created under a temporary name without a second
// request on every create. A create with an unknown outcome looks for what it
// may have made and names it; before every create, a workspace of the same
// name that this provider did not make stops it (the look-alike check), which
// is what makes a rerun after a lost create stop at the workspace it left
// instead of making a second. Lists give no creation time, so the candidates
// are the workspaces of that name that the look-alike check's list did not
// show (see recovery.mayBeOurs).
func newWorkspaceCollection(c *client.Client, ttl time.Duration, e *engine) *collection[client.Workspace] {
	list := func(ctx context.Context, _ string) ([]client.Workspace, error) { return c.Workspaces.List(ctx) }
	return &collection[client.Workspace]{
		kind:          workspaceKind,
		resourceType:  "flashback_workspace",
		repeat:        neverRepeat,
		lists:         client.NewListCache(list, ttl),
		id:            workspaceID,
		name:          func(w client.Workspace) string { return w.Name },
		importID:      func(_ string, w client.Workspace) string { return w.ID },
		describe:      func(w client.Workspace) string { return fmt.Sprintf("%q, organization %s", w.Name, w.OrgID) },
		deleteRefused: workspaceNotEmptyDiag,
		goneNote: " Flashback answers alike for a workspace that the access token may no longer read: if it still " +
			"exists, fix the token before you apply, or a second workspace is created.",
		engine: e,
	}
}

func workspaceID(w client.Workspace) string { return w.ID }

// createWorkspace creates a workspace through the create engine, and returns
// it as Flashback's answer describes it.
func (r *workspaceResource) createWorkspace(ctx context.Context, in client.CreateWorkspaceRequest) (*client.Workspace, diag.Diagnostics) {
	ref := objectRef{kind: workspaceKind, name: in.Name}.sending([]string{sentValue("name", in.Name)})
	return createObject(ctx, r.data.workspaces, createOp[client.Workspace, *client.Workspace]{
		scope: allWorkspaces,
		ref:   ref,
		name:  in.Name,
		alike: in.Name,
		post: func(ctx context.Context, _ string) (*client.Workspace, string, error) {
			created, err := r.data.client.Workspaces.Create(ctx, in)
			if created == nil {
				return nil, "", err
			}
			return created, created.ID, err
		},
		same: func(w client.Workspace, name string) bool { return w.Name == name },
		unusable: func(ctx context.Context, id string, err error) (*client.Workspace, diag.Diagnostics) {
			return r.readBackCreated(ctx, in, id, err)
		},
	})
}

// readBackCreated reads back workspace id, which Flashback made but described
// in an unusable answer (createErr). If it cannot be read either, it is
// returned as it was requested, with an error: Terraform then records it as
// tainted, and the next apply replaces it. It is this create's, so it is never
// left behind unrecorded.
func (r *workspaceResource) readBackCreated(ctx context.Context, in client.CreateWorkspaceRequest, id string, createErr error) (*client.Workspace, diag.Diagnostics) {
	var diags diag.Diagnostics
	ws, err := r.data.client.Workspaces.Get(ctx, id)
	if err == nil {
		diags.AddWarning("Workspace read back after an unusable answer", fmt.Sprintf(
			"Flashback created workspace %s, but its answer was unusable (%s); the workspace was read back instead.",
			id, createErr))
		return ws, diags
	}
	diags.AddError("Cannot create workspace", fmt.Sprintf(
		"Flashback created workspace %s, but its answer was unusable (%s), and reading the workspace back failed: "+
			"%s. Terraform records it as tainted: the next terraform apply deletes it and creates it again.",
		id, createErr, err))
	return &client.Workspace{ID: id, Name: in.Name}, diags
}

// workspaceNotEmptyDiag is the refusal to delete a workspace that still holds
// repositories or buckets: it names them, and says to destroy or move them
// first. nil for any other error.
func workspaceNotEmptyDiag(ref objectRef, err error) diag.Diagnostic {
	var notEmpty *client.WorkspaceNotEmptyError
	var held string
	switch {
	case errors.As(err, &notEmpty):
		var parts []string
		if len(notEmpty.Repos) > 0 {
			names := make([]string, len(notEmpty.Repos))
			for i, repo := range notEmpty.Repos {
				names[i] = fmt.Sprintf("%s (%q)", repo.ID, repo.Name)
			}
			parts = append(parts, fmt.Sprintf("%s %s", plural(len(names), "repository", "repositories"), strings.Join(names, ", ")))
		}
		if len(notEmpty.Buckets) > 0 {
			names := make([]string, len(notEmpty.Buckets))
			for i, b := range notEmpty.Buckets {
				names[i] = fmt.Sprintf("%s (%q)", b.ID, b.Name)
			}
			parts = append(parts, fmt.Sprintf("%s %s", plural(len(names), "bucket", "buckets"), strings.Join(names, ", ")))
		}
		held = fmt.Sprintf("It still holds %s.", strings.Join(parts, " and "))
		err = notEmpty.Err
	case client.IsBadRequest(err):
		// The lists that would name the contents failed or showed nothing.
		held = "Flashback refuses to delete a workspace that still holds repositories or buckets; listing them " +
			"to name them did not succeed."
	default:
		return nil
	}
	return diag.NewErrorDiagnostic("Workspace not empty", fmt.Sprintf(
		"Could not delete %s: %s. %s Destroy them, or move them to another workspace, first: when Terraform "+
			"manages them, give their resources workspace_id = flashback_workspace.<name>.id (or depends_on the "+
			"workspace) so that Terraform destroys them before the workspace; when they were made elsewhere (the "+
			"Flashback console, another configuration), delete or move them there. Then run terraform destroy (or "+
			"apply) again.", ref, err, held))
}

// plural is one or many, as n says.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
