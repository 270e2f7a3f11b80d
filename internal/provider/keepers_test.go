package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/client"
)

// keyConfigWithKeepers is the test key with keepers set to the HCL
// expression keepers, or left out when it is empty. A variable "k" with the
// default {} is declared too, for keepers = var.k.
func keyConfigWithKeepers(repoID, name, aiType, keepers string) string {
	line := ""
	if keepers != "" {
		line = "  keepers = " + keepers + "\n"
	}
	return fmt.Sprintf(`
variable "k" {
  type    = map(string)
  default = {}
}

resource "flashback_repo_ai_apikey" "test" {
  repo_id = %[1]q
  name    = %[2]q
  ai_type = %[3]q
%[4]s}
`, repoID, name, aiType, line)
}

func TestAccRepoAIAPIKey_keepersForceReplacement(t *testing.T) {
	env := newTestEnv(t)
	step1, step2 := differAcrossSteps(pathID, pathKey, pathSecret)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{
			{
				Config:            env.config(keyConfigWithKeepers(env.repo(), "rotated", "AWS", `{ rotation = "2026-01" }`)),
				ConfigStateChecks: step1,
			},
			{
				Config: env.config(keyConfigWithKeepers(env.repo(), "rotated", "AWS", `{ rotation = "2026-02" }`)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(testKeyAddr, plancheck.ResourceActionDestroyBeforeCreate),
					},
				},
				ConfigStateChecks: append(step2, statecheck.ExpectKnownValue(testKeyAddr, pathKeepers,
					knownvalue.MapExact(map[string]knownvalue.Check{"rotation": knownvalue.StringExact("2026-02")}))),
				Check: env.checkServerMatchesState(t),
			},
		},
	})
}

// Unset, null, {} and a variable whose default is {} are one keepers:
// switching among them changes nothing, so the key and its secret stay.
// Adding, changing or removing an entry replaces the key, whichever spelling
// of "none" it comes from or goes to.
func TestAccRepoAIAPIKey_keepersEmptyIsNone(t *testing.T) {
	env := newTestEnv(t)
	transitions := []struct {
		keepers string
		action  plancheck.ResourceActionType
	}{
		{"", plancheck.ResourceActionCreate},
		{"{}", plancheck.ResourceActionNoop},
		{"null", plancheck.ResourceActionNoop},
		{"var.k", plancheck.ResourceActionNoop},
		{"", plancheck.ResourceActionNoop},
		{"{}", plancheck.ResourceActionNoop},
		{"", plancheck.ResourceActionNoop},
		{"null", plancheck.ResourceActionNoop},
		{"{}", plancheck.ResourceActionNoop},
		{`{ a = "1" }`, plancheck.ResourceActionDestroyBeforeCreate},
		{`{ a = "1", b = "2" }`, plancheck.ResourceActionDestroyBeforeCreate},
		{`{ a = "1" }`, plancheck.ResourceActionDestroyBeforeCreate},
		{`{ a = "2" }`, plancheck.ResourceActionDestroyBeforeCreate},
		{"", plancheck.ResourceActionDestroyBeforeCreate},
		{`{ a = "2" }`, plancheck.ResourceActionDestroyBeforeCreate},
		{"{}", plancheck.ResourceActionDestroyBeforeCreate},
		{`{ a = "3" }`, plancheck.ResourceActionDestroyBeforeCreate},
		{"null", plancheck.ResourceActionDestroyBeforeCreate},
		{"var.k", plancheck.ResourceActionNoop},
	}
	steps := make([]resource.TestStep, len(transitions))
	for i, tr := range transitions {
		want := map[string]knownvalue.Check{}
		for _, entry := range strings.Split(strings.Trim(tr.keepers, "{} "), ",") {
			if k, v, ok := strings.Cut(entry, "="); ok {
				want[strings.TrimSpace(k)] = knownvalue.StringExact(strings.Trim(strings.TrimSpace(v), `"`))
			}
		}
		steps[i] = resource.TestStep{
			Config: env.config(keyConfigWithKeepers(env.repo(), "kept", "OTHER", tr.keepers)),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(testKeyAddr, tr.action)},
			},
			ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(testKeyAddr, pathKeepers, knownvalue.MapExact(want))},
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps:                    steps,
	})
}

// A state written before keepers was always {} holds null. Planned without a
// refresh (-refresh=false), null against {} is no change of entries and
// replaces nothing; any entry, or a value not known yet, replaces the key.
func TestKeepers_replaceOnlyWhenEntriesChange(t *testing.T) {
	t.Parallel()
	some := types.MapValueMust(types.StringType, map[string]attr.Value{"a": types.StringValue("1")})
	null := types.MapNull(types.StringType)
	cases := []struct {
		name         string
		state, plan  types.Map
		wantReplaced bool
	}{
		{"null to {}", null, noKeepers(), false},
		{"{} to null", noKeepers(), null, false},
		{"null to an entry", null, some, true},
		{"an entry to {}", some, noKeepers(), true},
		{"{} to unknown", noKeepers(), types.MapUnknown(types.StringType), true},
	}
	exists := tftypes.NewValue(tftypes.String, "a key")
	for _, tc := range cases {
		req := planmodifier.MapRequest{
			State: tfsdk.State{Raw: exists}, Plan: tfsdk.Plan{Raw: exists},
			StateValue: tc.state, PlanValue: tc.plan, ConfigValue: tc.plan,
		}
		resp := &planmodifier.MapResponse{PlanValue: tc.plan}
		replaceWhenKeepersChange.PlanModifyMap(context.Background(), req, resp)
		if resp.RequiresReplace != tc.wantReplaced {
			t.Errorf("%s: RequiresReplace = %v, want %v", tc.name, resp.RequiresReplace, tc.wantReplaced)
		}
	}
}

// A refresh turns an older state's null keepers into {}.
func TestRead_nullKeepersBecomeEmpty(t *testing.T) {
	t.Parallel()
	env := newEmulatorEnv(t, nil, nil)
	created, err := env.newClient(t).AIAPIKeys.Create(context.Background(), "repo-1",
		client.CreateAIAPIKeyRequest{Name: "old", AIType: client.AITypeAWS})
	if err != nil {
		t.Fatal(err)
	}
	srv, keyType := keyProtocolServer(t, env)
	str := func(v string) tftypes.Value { return tftypes.NewValue(tftypes.String, v) }
	old, err := tfprotov6.NewDynamicValue(keyType, tftypes.NewValue(keyType, map[string]tftypes.Value{
		"id": str(created.ID), "repo_id": str("repo-1"), "name": str("old"), "ai_type": str("AWS"),
		"keepers": tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, nil),
		"key":     str(created.Key), "secret": str(created.Secret), "created_at": tftypes.NewValue(tftypes.String, nil),
		// A state from before secret_recipients, as Terraform upgrades it.
		"secret_recipients": tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, nil),
		"encrypted_secret":  tftypes.NewValue(tftypes.String, nil),
	}))
	if err != nil {
		t.Fatal(err)
	}
	read, err := srv.ReadResource(context.Background(), &tfprotov6.ReadResourceRequest{TypeName: "flashback_repo_ai_apikey", CurrentState: &old})
	if err != nil || len(read.Diagnostics) > 0 {
		t.Fatalf("read: %v %+v", err, read.Diagnostics)
	}
	v, err := read.NewState.Unmarshal(keyType)
	if err != nil {
		t.Fatal(err)
	}
	var attrs map[string]tftypes.Value
	if err := v.As(&attrs); err != nil {
		t.Fatal(err)
	}
	var keepers map[string]tftypes.Value
	if attrs["keepers"].IsNull() || attrs["keepers"].As(&keepers) != nil || len(keepers) != 0 {
		t.Errorf("keepers after a refresh = %v, want {}", attrs["keepers"])
	}
}
