package provider

import (
	"reflect"
	"testing"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/client"
)

func TestRepoAIAPIKeyRotatingList_schema(t *testing.T) {
	t.Parallel()
	p := newUnconfiguredProtoProvider(t)
	p.checkListSchema(rotatingKeyType, map[string]string{"repo_id": "required", "name": "optional", "ai_type": "optional"})
}

// The rotating key's list resource lists the keys a rotating key may adopt:
// the repo's live keys, less the previous keys of rotating keys ("(retiring)")
// and the temporary keys of a create or a rotation under way. Each is what
// an import into a rotating key leaves in the state.
func TestRepoAIAPIKeyRotatingList_results(t *testing.T) {
	t.Parallel()
	env, emu := listedKeysEnv(t)
	for _, name := range []string{"alpha (retiring)", rotationName("550e8400-e29b-41d4-a716-446655440000"), pendingNamePrefix + "0123456789abcdef"} {
		createBeside(t, emu, env.token, env.repos[0], name, client.AITypeOpenAI)
	}
	p := newProtoProvider(t, env, env.token)

	got := p.list(rotatingKeyType, map[string]string{"repo_id": env.repos[0]}, true, 0)

	var want []map[string]any
	for _, k := range emu.LiveKeys(env.repos[0]) {
		if k.Name == "alpha" || k.Name == "gamma" {
			want = append(want, wantRotatingImported(k))
		}
	}
	if len(got) != len(want) {
		t.Fatalf("listed %d results, want the %d adoptable keys: %+v", len(got), len(want), got)
	}
	for i, r := range got {
		if r.diags != "" {
			t.Errorf("result %d has diagnostics: %s", i, r.diags)
		}
		if r.displayName != want[i]["name"] {
			t.Errorf("result %d: display name %q, want %q", i, r.displayName, want[i]["name"])
		}
		if identity := map[string]any{"repo_id": want[i]["repo_id"], "id": want[i]["id"]}; !reflect.DeepEqual(r.identity, identity) {
			t.Errorf("result %d: identity %v, want %v", i, r.identity, identity)
		}
		if !reflect.DeepEqual(r.resource, want[i]) {
			t.Errorf("result %d: resource object\n got %v\nwant %v", i, r.resource, want[i])
		}
	}
}
