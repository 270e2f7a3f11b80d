package provider

import (
	"context"
	"maps"
	"math/big"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/client"
)

// Every write of every collection forgets the cached list of its scope: a
// read later in the same run sees the write, even though the provider keeps
// lists for an hour here. Each case reads an object (which caches its
// scope's list), renames it through the provider and reads it again, then
// deletes it through the provider and reads it once more. A collection whose
// update or delete stops invalidating its list reads the old name back, or
// keeps the deleted object.
func TestCollections_writesInvalidateTheScopesList(t *testing.T) {
	t.Parallel()
	cases := []struct {
		typeName string
		// create makes an object beside the provider, and returns the state
		// a refresh would have read, name included.
		create func(t *testing.T, c *client.Client) map[string]any
	}{
		{"flashback_repo_ai_apikey", func(t *testing.T, c *client.Client) map[string]any {
			k, err := c.AIAPIKeys.Create(context.Background(), "repo-1", client.CreateAIAPIKeyRequest{Name: "before", AIType: "OPENAI"})
			if err != nil {
				t.Fatal(err)
			}
			return map[string]any{"id": k.ID, "repo_id": "repo-1", "name": "before", "ai_type": "OPENAI", "key": k.Key,
				"keepers": map[string]string{}, "created_at": "2026-01-01T00:00:00.000Z"}
		}},
		{rotatingKeyType, rotatingKeyBeside},
		{"flashback_ai_llm", func(t *testing.T, c *client.Client) map[string]any {
			id, err := c.AILLMs.Create(context.Background(), client.CreateAILLMRequest{WorkspaceID: testWorkspaceID,
				Name: "before", AIType: "OPENAI", Endpoint: "https://api.openai.com/v1", Secret: "sk-1"})
			if err != nil {
				t.Fatal(err)
			}
			return map[string]any{"id": id, "workspace_id": testWorkspaceID, "name": "before", "ai_type": "OPENAI",
				"endpoint": "https://api.openai.com/v1", "secret": "sk-1", "created_at": "2026-01-01T00:00:00.000Z"}
		}},
		{"flashback_repo", func(t *testing.T, c *client.Client) map[string]any {
			id, err := c.Repos.Create(context.Background(), client.CreateRepoRequest{WorkspaceID: testWorkspaceID, Name: "before", StorageType: "S3", Mode: "NORMAL"})
			if err != nil {
				t.Fatal(err)
			}
			return map[string]any{"id": id, "workspace_id": testWorkspaceID, "name": "before", "storage_type": "S3", "mode": "NORMAL", "created_at": "2026-01-01T00:00:00.000Z"}
		}},
		{"flashback_ai_policy", func(t *testing.T, c *client.Client) map[string]any {
			p, err := c.AIPolicies.Create(context.Background(), client.CreateAIPolicyRequest{OrgID: testOrgID,
				WorkspaceID: testWorkspaceID, Name: "before", Content: "No PII", RiskType: "HIGH", ActionType: client.AIPolicyActionBlock})
			if err != nil {
				t.Fatal(err)
			}
			return map[string]any{"id": p.ID, "org_id": testOrgID, "workspace_id": testWorkspaceID, "name": "before",
				"content": "No PII", "risk_type": "HIGH", "action_type": "block", "created_at": "2026-01-01T00:00:00.000Z"}
		}},
		{"flashback_workspace", createWorkspaceBeside},
	}
	for _, tc := range cases {
		t.Run(tc.typeName, func(t *testing.T) {
			t.Parallel()
			env := newEmulatorEnv(t, nil, nil)
			p := newProtoProvider(t, env, env.token)
			ctx := context.Background()
			typ := p.resourceType(tc.typeName)
			attrs := tc.create(t, env.newClient(t))

			read := func(state *tfprotov6.DynamicValue) *tfprotov6.DynamicValue {
				t.Helper()
				resp, err := p.server.ReadResource(ctx, &tfprotov6.ReadResourceRequest{TypeName: tc.typeName, CurrentState: state})
				if err != nil {
					t.Fatal(err)
				}
				if d := diagsText(resp.Diagnostics); d != "" {
					t.Logf("ReadResource: %s", d)
				}
				return resp.NewState
			}
			apply := func(prior, planned *tfprotov6.DynamicValue) *tfprotov6.DynamicValue {
				t.Helper()
				config := planned
				if config == nil {
					config = prior
				}
				resp, err := p.server.ApplyResourceChange(ctx, &tfprotov6.ApplyResourceChangeRequest{TypeName: tc.typeName,
					PriorState: prior, PlannedState: planned, Config: config})
				if err != nil {
					t.Fatal(err)
				}
				if d := diagsText(resp.Diagnostics); d != "" {
					t.Fatalf("ApplyResourceChange: %s", d)
				}
				return resp.NewState
			}

			state := read(p.typedObject(typ, attrs))
			if got := p.decode(state, typ)["name"]; got != "before" {
				t.Fatalf("first read: name %v, want before", got)
			}
			renamed := p.decode(state, typ)
			renamed["name"] = "after"
			state = apply(state, p.typedObject(typ, renamed))
			if got := p.decode(read(state), typ)["name"]; got != "after" {
				t.Errorf("read after the rename: name %v, want after: the update left the cached list in place", got)
			}

			apply(state, nullObject(typ))
			if after := read(state); !isNull(t, after, typ) {
				t.Errorf("read after the delete kept the object: the delete left the cached list in place")
			}
		})
	}
}

// typedObject is an object of type typ with attrs set, each given as a Go
// string, int64, bool, map[string]string or []any (a set or list, see
// tfValue), and every other attribute null.
func (p *protoProvider) typedObject(typ tftypes.Type, attrs map[string]any) *tfprotov6.DynamicValue {
	p.t.Helper()
	obj, ok := typ.(tftypes.Object)
	if !ok {
		p.t.Fatalf("%s is not an object type", typ)
	}
	vals := map[string]tftypes.Value{}
	for name, v := range attrs {
		at, ok := obj.AttributeTypes[name]
		if !ok {
			p.t.Fatalf("%s has no attribute %q", typ, name)
		}
		switch v := v.(type) {
		case nil:
			continue
		case string:
			vals[name] = tftypes.NewValue(at, v)
		case int64:
			vals[name] = tftypes.NewValue(at, big.NewFloat(float64(v)))
		case map[string]string:
			m := map[string]tftypes.Value{}
			for k, e := range v {
				m[k] = tftypes.NewValue(tftypes.String, e)
			}
			vals[name] = tftypes.NewValue(at, m)
		case map[string]any:
			m := map[string]tftypes.Value{}
			for k, e := range v {
				m[k] = tftypes.NewValue(tftypes.String, e)
			}
			vals[name] = tftypes.NewValue(at, m)
		case bool, []any:
			vals[name] = tfValue(p.t, at, v)
		default:
			p.t.Fatalf("attribute %s: cannot write a %T", name, v)
		}
	}
	return p.dynamic(typ, vals)
}

func nullObject(typ tftypes.Type) *tfprotov6.DynamicValue {
	dv, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, nil))
	if err != nil {
		panic(err)
	}
	return &dv
}

func isNull(t *testing.T, dv *tfprotov6.DynamicValue, typ tftypes.Type) bool {
	t.Helper()
	if dv == nil {
		return true
	}
	v, err := dv.Unmarshal(typ)
	if err != nil {
		t.Fatal(err)
	}
	return v.IsNull()
}

// The tests' harness knows every collection: an object the server still
// lists fails checkDestroyed, and one whose listed values differ from the
// state's fails checkServerMatchesState, whatever its collection.
func TestHarness_checksEveryCollection(t *testing.T) {
	t.Parallel()
	env := newEmulatorEnv(t, nil, nil)
	c := env.newClient(t)
	ctx := context.Background()
	key, err := c.AIAPIKeys.Create(ctx, "repo-1", client.CreateAIAPIKeyRequest{Name: "k", AIType: "OPENAI"})
	if err != nil {
		t.Fatal(err)
	}
	llm, err := c.AILLMs.Create(ctx, client.CreateAILLMRequest{WorkspaceID: testWorkspaceID, Name: "l", AIType: "OPENAI",
		Endpoint: "https://api.openai.com/v1", Secret: "sk-1"})
	if err != nil {
		t.Fatal(err)
	}
	policy, err := c.AIPolicies.Create(ctx, client.CreateAIPolicyRequest{OrgID: testOrgID, Name: "p", Content: "c",
		RiskType: "HIGH", ActionType: client.AIPolicyActionLog})
	if err != nil {
		t.Fatal(err)
	}
	repo, err := c.Repos.Create(ctx, client.CreateRepoRequest{WorkspaceID: testWorkspaceID, Name: "r", StorageType: "S3", Mode: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	objects := map[string]*terraform.ResourceState{
		"flashback_repo_ai_apikey": {Type: "flashback_repo_ai_apikey", Primary: &terraform.InstanceState{ID: key.ID,
			Attributes: map[string]string{"repo_id": "repo-1", "name": "k", "ai_type": "OPENAI", "key": key.Key, "secret": key.Secret}}},
		rotatingKeyType: rotatingKeyState(t, c),
		"flashback_ai_llm": {Type: "flashback_ai_llm", Primary: &terraform.InstanceState{ID: llm,
			Attributes: map[string]string{"workspace_id": testWorkspaceID, "name": "l", "ai_type": "OPENAI", "endpoint": "https://api.openai.com/v1"}}},
		"flashback_ai_policy": {Type: "flashback_ai_policy", Primary: &terraform.InstanceState{ID: policy.ID,
			Attributes: map[string]string{"org_id": testOrgID, "name": "p", "content": "c", "risk_type": "HIGH", "action_type": "log"}}},
		"flashback_workspace": harnessWorkspace(t, c),
		"flashback_repo": {Type: "flashback_repo", Primary: &terraform.InstanceState{ID: repo,
			Attributes: map[string]string{"workspace_id": testWorkspaceID, "name": "r", "storage_type": "S3", "mode": "NORMAL", "bucket.#": "0", "ai_llm_ids.#": "0"}}},
	}
	if len(objects) != len(collectionChecks) {
		t.Fatalf("the harness knows %d collections, this test %d", len(collectionChecks), len(objects))
	}
	state := func(only string, change func(a map[string]string)) *terraform.State {
		resources := map[string]*terraform.ResourceState{}
		for typ, rs := range objects {
			if only != "" && typ != only {
				continue
			}
			cp := &terraform.InstanceState{ID: rs.Primary.ID, Attributes: maps.Clone(rs.Primary.Attributes)}
			if change != nil {
				change(cp.Attributes)
			}
			resources[typ+".test"] = &terraform.ResourceState{Type: typ, Primary: cp}
		}
		return &terraform.State{Modules: []*terraform.ModuleState{{Path: []string{"root"}, Resources: resources}}}
	}
	if err := env.checkServerMatchesState(t)(state("", nil)); err != nil {
		t.Fatalf("the state matches the server, but: %v", err)
	}
	for typ := range objects {
		if err := env.checkDestroyed(t)(state(typ, nil)); err == nil {
			t.Errorf("%s: checkDestroyed passed while the server still lists the object", typ)
		}
		if err := env.checkServerMatchesState(t)(state(typ, func(a map[string]string) { a["name"] = "other" })); err == nil {
			t.Errorf("%s: checkServerMatchesState passed with another name in the state", typ)
		}
	}
}
