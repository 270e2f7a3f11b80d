package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"filippo.io/age"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/emulator"
)

var (
	pathEncryptedSecret  = tfjsonpath.New("encrypted_secret")
	pathSecretRecipients = tfjsonpath.New("secret_recipients")
)

// keyWithRecipientsConfig is keyConfig with secret_recipients (left out when
// there are none) and extra lines, such as keepers.
func keyWithRecipientsConfig(repoID, name, extra string, recipients ...string) string {
	body := ""
	if recipients != nil {
		quoted := make([]string, len(recipients))
		for i, r := range recipients {
			quoted[i] = strconv.Quote(r)
		}
		body = "  secret_recipients = [" + strings.Join(quoted, ", ") + "]\n"
	}
	return strings.TrimSuffix(keyConfig("test", repoID, name, "OPENAI"), "}\n") + body + extra + "}\n"
}

// issuedSecrets remembers every secret the emulator has issued while a test
// runs, so that a secret is looked for in states and plans even after its
// key is gone.
type issuedSecrets struct {
	emu  *emulator.Server
	seen map[string]string // key ID → secret
}

func newIssuedSecrets(emu *emulator.Server) *issuedSecrets {
	return &issuedSecrets{emu: emu, seen: map[string]string{}}
}

func (s *issuedSecrets) refresh() map[string]string {
	for _, k := range s.emu.LiveKeys("") {
		s.seen[k.ID] = k.Secret
	}
	return s.seen
}

// inJSON is the first issued secret that v, written as JSON, holds.
func (s *issuedSecrets) inJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	for id, secret := range s.refresh() {
		if strings.Contains(string(b), secret) {
			return id, nil
		}
	}
	return "", nil
}

// notInState fails when the state holds any secret the emulator issued, in
// any attribute, whether Terraform shows it or not.
func (s *issuedSecrets) notInState() statecheck.StateCheck { return stateSecretCheck{s, false} }

// inState is the check's control: it fails unless the state holds one.
func (s *issuedSecrets) inState() statecheck.StateCheck { return stateSecretCheck{s, true} }

type stateSecretCheck struct {
	secrets *issuedSecrets
	want    bool
}

func (c stateSecretCheck) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	id, err := c.secrets.inJSON(req.State)
	switch {
	case err != nil:
		resp.Error = err
	case id != "" && !c.want:
		resp.Error = fmt.Errorf("the state holds the plaintext secret of key %s", id)
	case id == "" && c.want:
		resp.Error = fmt.Errorf("the state holds no plaintext secret, so this check cannot see one")
	}
}

// notInPlan fails when the plan (prior state, changes and planned values,
// as `terraform show -json` writes them) holds any secret the emulator issued.
func (s *issuedSecrets) notInPlan() plancheck.PlanCheck { return planSecretCheck{s} }

type planSecretCheck struct{ secrets *issuedSecrets }

func (c planSecretCheck) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	if id, err := c.secrets.inJSON(req.Plan); err != nil {
		resp.Error = err
	} else if id != "" {
		resp.Error = fmt.Errorf("the plan holds the plaintext secret of key %s", id)
	}
}

// decryptsToIssuedSecret proves that the key's encrypted_secret opens, with
// each identity, to exactly the secret the server issued for the key.
func decryptsToIssuedSecret(env *testEnv, ids ...age.Identity) statecheck.StateCheck {
	return stateValuesCheck(func(byAddr map[string]map[string]any) error {
		attrs := byAddr[testKeyAddr]
		sealed, _ := attrs["encrypted_secret"].(string)
		id, _ := attrs["id"].(string)
		if sealed == "" {
			return fmt.Errorf("%s has no encrypted_secret", testKeyAddr)
		}
		issued := ""
		for _, k := range env.emu.LiveKeys("") {
			if k.ID == id {
				issued = k.Secret
			}
		}
		if issued == "" {
			return fmt.Errorf("the emulator holds no live key %s", id)
		}
		for i, identity := range ids {
			got, err := openSealed(sealed, identity)
			if err != nil {
				return fmt.Errorf("identity %d cannot decrypt encrypted_secret: %w", i, err)
			}
			if got != issued {
				return fmt.Errorf("identity %d decrypts encrypted_secret to something else than the secret the server issued", i)
			}
		}
		return nil
	})
}

// doesNotDecrypt proves that an identity cannot open the key's encrypted_secret.
func doesNotDecrypt(identity age.Identity) statecheck.StateCheck {
	return stateValuesCheck(func(byAddr map[string]map[string]any) error {
		sealed, _ := byAddr[testKeyAddr]["encrypted_secret"].(string)
		if _, err := openSealed(sealed, identity); err == nil {
			return fmt.Errorf("an identity that is not a recipient decrypts encrypted_secret")
		}
		return nil
	})
}

// noWrites fails when the emulator saw a create, update or delete since its
// counters were reset.
func noWrites(emu *emulator.Server) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if n := emu.Requests(http.MethodPost, emulator.OpCreate) + emu.Requests(http.MethodPut, emulator.OpUpdate) +
			emu.Requests(http.MethodDelete, emulator.OpDelete); n != 0 {
			return fmt.Errorf("the apply sent %d create, update or delete requests, want none", n)
		}
		return nil
	}
}

// With secret_recipients, the secret is encrypted for each recipient as soon
// as Flashback returns it: the state and every plan hold only the age file,
// which each recipient decrypts to the secret the server issued; a rename
// keeps it.
func TestAccRepoAIAPIKey_secretRecipientsEncryptTheSecret(t *testing.T) {
	env := newEmulatorEnv(t, nil, nil)
	x25519 := ageIdentity(t)
	edLine, edIdentity := sshEd25519Identity(t, "ops@example.com")
	secrets := newIssuedSecrets(env.emu)
	cfg := func(name string) string {
		return env.config(keyWithRecipientsConfig(env.repo(), name, "", x25519.Recipient().String(), edLine))
	}
	step1, step2 := sameAcrossSteps(pathID, pathEncryptedSecret)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{{
			Config: cfg("sealed"),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(testKeyAddr, plancheck.ResourceActionCreate),
					plancheck.ExpectKnownValue(testKeyAddr, pathSecret, knownvalue.Null()),
					plancheck.ExpectUnknownValue(testKeyAddr, pathEncryptedSecret),
				},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan(), secrets.notInPlan()},
			},
			ConfigStateChecks: append(step1,
				statecheck.ExpectKnownValue(testKeyAddr, pathSecret, knownvalue.Null()),
				statecheck.ExpectKnownValue(testKeyAddr, pathEncryptedSecret,
					knownvalue.StringRegexp(regexp.MustCompile(`^-----BEGIN AGE ENCRYPTED FILE-----\n`))),
				decryptsToIssuedSecret(env, x25519, edIdentity),
				secrets.notInState(),
			),
			Check: env.checkServerMatchesState(t),
		}, {
			Config: cfg("sealed, renamed"),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(testKeyAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(testKeyAddr, pathSecret, knownvalue.Null()),
					plancheck.ExpectKnownValue(testKeyAddr, pathEncryptedSecret, knownvalue.NotNull()),
					secrets.notInPlan(),
				},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			ConfigStateChecks: append(step2,
				statecheck.ExpectKnownValue(testKeyAddr, pathSecret, knownvalue.Null()),
				decryptsToIssuedSecret(env, x25519, edIdentity),
				secrets.notInState(),
			),
			Check: env.checkServerMatchesState(t),
		}},
	})
}

// Setting secret_recipients on a key whose secret the state holds encrypts
// that secret in place: the same key, no request to Flashback, and the
// plaintext leaves the state.
func TestAccRepoAIAPIKey_secretRecipientsSetOnPlainSecretEncryptsInPlace(t *testing.T) {
	env := newEmulatorEnv(t, nil, nil)
	identity := ageIdentity(t)
	secrets := newIssuedSecrets(env.emu)
	step1, step2 := sameAcrossSteps(pathID, pathKey)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{{
			Config: env.config(keyWithRecipientsConfig(env.repo(), "plain first", "")),
			ConfigStateChecks: append(step1,
				statecheck.ExpectKnownValue(testKeyAddr, pathEncryptedSecret, knownvalue.Null()),
				statecheck.ExpectKnownValue(testKeyAddr, pathSecretRecipients, knownvalue.Null()),
				// The control: the check below sees a plaintext secret when there is one.
				secrets.inState(),
			),
		}, {
			PreConfig: env.emu.ResetCounters,
			Config:    env.config(keyWithRecipientsConfig(env.repo(), "plain first", "", identity.Recipient().String())),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(testKeyAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(testKeyAddr, pathSecret, knownvalue.Null()),
					plancheck.ExpectUnknownValue(testKeyAddr, pathEncryptedSecret),
				},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan(), secrets.notInPlan()},
			},
			ConfigStateChecks: append(step2,
				statecheck.ExpectKnownValue(testKeyAddr, pathSecret, knownvalue.Null()),
				decryptsToIssuedSecret(env, identity),
				secrets.notInState(),
			),
			Check: resource.ComposeAggregateTestCheckFunc(env.checkServerMatchesState(t), noWrites(env.emu)),
		}},
	})
}

// The provider cannot re-encrypt a secret it no longer has: changing
// secret_recipients keeps encrypted_secret, which the old recipients still
// decrypt and the new ones cannot; removing them keeps it too, and secret
// stays null. Neither sends a request, and the next plan is empty. Rotating
// the key (keepers) gives a secret encrypted for the recipients configured.
func TestAccRepoAIAPIKey_secretRecipientsChangedKeepEncryptedSecret(t *testing.T) {
	env := newEmulatorEnv(t, nil, nil)
	a, b := ageIdentity(t), ageIdentity(t)
	secrets := newIssuedSecrets(env.emu)
	cfg := func(extra string, recipients ...string) string {
		return env.config(keyWithRecipientsConfig(env.repo(), "changing hands", extra, recipients...))
	}
	kept1, kept2 := sameAcrossSteps(pathID, pathEncryptedSecret)
	kept3, kept4 := sameAcrossSteps(pathID, pathEncryptedSecret)
	rotated1, rotated2 := differAcrossSteps(pathID, pathEncryptedSecret)
	unchanged := func(action plancheck.ResourceActionType) resource.ConfigPlanChecks {
		return resource.ConfigPlanChecks{
			PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(testKeyAddr, action),
				plancheck.ExpectKnownValue(testKeyAddr, pathSecret, knownvalue.Null()),
				plancheck.ExpectKnownValue(testKeyAddr, pathEncryptedSecret, knownvalue.NotNull()),
			},
			PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan(), secrets.notInPlan()},
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{{
			Config:            cfg("", a.Recipient().String()),
			ConfigStateChecks: append(kept1, decryptsToIssuedSecret(env, a)),
		}, {
			PreConfig:        env.emu.ResetCounters,
			Config:           cfg("", b.Recipient().String()),
			ConfigPlanChecks: unchanged(plancheck.ResourceActionUpdate),
			ConfigStateChecks: append(kept2,
				statecheck.ExpectKnownValue(testKeyAddr, pathSecretRecipients,
					knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact(b.Recipient().String())})),
				decryptsToIssuedSecret(env, a),
				doesNotDecrypt(b),
				secrets.notInState(),
				kept3[0], kept3[1],
			),
			Check: noWrites(env.emu),
		}, {
			PreConfig:        env.emu.ResetCounters,
			Config:           cfg(""),
			ConfigPlanChecks: unchanged(plancheck.ResourceActionUpdate),
			ConfigStateChecks: append(kept4,
				statecheck.ExpectKnownValue(testKeyAddr, pathSecret, knownvalue.Null()),
				statecheck.ExpectKnownValue(testKeyAddr, pathSecretRecipients, knownvalue.Null()),
				decryptsToIssuedSecret(env, a),
				secrets.notInState(),
				rotated1[0], rotated1[1],
			),
			Check: noWrites(env.emu),
		}, {
			Config: cfg("  keepers = { rotation = \"1\" }\n", b.Recipient().String()),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(testKeyAddr, plancheck.ResourceActionDestroyBeforeCreate),
					plancheck.ExpectKnownValue(testKeyAddr, pathSecret, knownvalue.Null()),
					plancheck.ExpectUnknownValue(testKeyAddr, pathEncryptedSecret),
				},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan(), secrets.notInPlan()},
			},
			ConfigStateChecks: append(rotated2,
				decryptsToIssuedSecret(env, b),
				doesNotDecrypt(a),
				secrets.notInState(),
			),
			Check: env.checkServerMatchesState(t),
		}},
	})
}

// A recipient that cannot be used is refused at plan time, by its index, and
// with its value when that is a public key; a private key is never repeated.
func TestAccRepoAIAPIKey_secretRecipientsInvalid(t *testing.T) {
	env := newTestEnv(t)
	good := ageIdentity(t).Recipient().String()
	typo := strings.TrimSuffix(good, good[len(good)-1:]) + map[bool]string{true: "q", false: "p"}[!strings.HasSuffix(good, "q")]
	small, _ := sshRSAIdentity(t, 1024)
	private := ageIdentity(t).String()
	cfg := func(recipients ...string) string { return keyWithRecipientsConfig(env.repo(), "k", "", recipients...) }
	testPlanErrors(t, env, []planErrorCase{
		{"garbage", cfg(good, "not-a-key"),
			errorRE(`Invalid age recipient.*secret_recipients\[1\] is neither an age nor an SSH public key.*A recipient is an age public key, such as age1`)},
		{"typo", cfg(typo), errorRE(`Invalid age recipient.*secret_recipients\[0\] "` + typo + `" is not a valid age public key`)},
		{"short RSA key", cfg(good, small),
			errorRE(`secret_recipients\[1\] "ssh-rsa .*" cannot be used by age: RSA key size is too small`)},
		{"private key", cfg(private), errorRE(`secret_recipients\[0\] is an age private key \(an identity\), not a recipient; its value is not shown.*age-keygen -y`)},
		{"empty", cfg([]string{}...), errorRE(`Empty secret_recipients.*leave secret_recipients unset \(or null\)`)},
	})
}

// Recipients known only at apply are checked then, before the create: a bad
// one costs no key, and a good one encrypts the secret as any other.
func TestAccRepoAIAPIKey_secretRecipientsKnownOnlyAtApply(t *testing.T) {
	env := newEmulatorEnv(t, nil, nil)
	identity := ageIdentity(t)
	late := func(recipient string) string {
		return env.config(fmt.Sprintf(`
resource "terraform_data" "recipient" {
  input = %q
}
`, recipient) + strings.Replace(keyWithRecipientsConfig(env.repo(), "late", "", "RECIPIENT"),
			`"RECIPIENT"`, "terraform_data.recipient.output", 1))
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{{
			Config: late("garbage"),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectUnknownValue(testKeyAddr, pathSecretRecipients.AtSliceIndex(0))},
			},
			ExpectError: errorRE(`Invalid age recipient.*secret_recipients\[0\] is neither an age nor an SSH public key`),
		}, {
			PreConfig: func() {
				if n := len(env.emu.LiveKeys("")); n != 0 {
					t.Fatalf("a recipient refused at apply cost %d keys", n)
				}
			},
			Config:            late(identity.Recipient().String()),
			ConfigStateChecks: []statecheck.StateCheck{decryptsToIssuedSecret(env, identity)},
			Check:             env.checkServerMatchesState(t),
		}},
	})
}

// Terraform validates recipients again at apply, before the create (see
// above); Create does too, before it sends anything, so that recipients that
// cannot be used never cost a key, whoever calls it.
func TestRepoAIAPIKeyCreate_badRecipientsCostNoKey(t *testing.T) {
	t.Parallel()
	env := newEmulatorEnv(t, nil, nil)
	p := newProtoProvider(t, env, env.token)
	typ := p.resourceType("flashback_repo_ai_apikey")
	unknown := func(typ tftypes.Type) tftypes.Value { return tftypes.NewValue(typ, tftypes.UnknownValue) }
	config := map[string]tftypes.Value{
		"repo_id": tftypes.NewValue(tftypes.String, "repo-1"),
		"name":    tftypes.NewValue(tftypes.String, "k"),
		"ai_type": tftypes.NewValue(tftypes.String, "OPENAI"),
		"secret_recipients": tftypes.NewValue(tftypes.List{ElementType: tftypes.String},
			[]tftypes.Value{tftypes.NewValue(tftypes.String, "garbage")}),
	}
	planned := map[string]tftypes.Value{
		"id": unknown(tftypes.String), "key": unknown(tftypes.String), "created_at": unknown(tftypes.String),
		"secret": tftypes.NewValue(tftypes.String, nil), "encrypted_secret": unknown(tftypes.String),
		"keepers": tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, map[string]tftypes.Value{}),
	}
	for k, v := range config {
		planned[k] = v
	}
	none, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, nil))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := p.server.ApplyResourceChange(context.Background(), &tfprotov6.ApplyResourceChangeRequest{
		TypeName:     "flashback_repo_ai_apikey",
		PriorState:   &none,
		PlannedState: p.dynamic(typ, planned),
		Config:       p.dynamic(typ, config),
	})
	if err != nil {
		t.Fatal(err)
	}
	if d := diagsText(resp.Diagnostics); !errorRE(`(?i)^error: Invalid age recipient: secret_recipients\[0\]`).MatchString(d) {
		t.Errorf("diagnostics %q, want the invalid recipient", d)
	}
	if n := env.emu.Requests(http.MethodPost, emulator.OpCreate); n != 0 {
		t.Errorf("Create sent %d create requests despite a recipient it cannot use", n)
	}
}

// The plan's warnings, which the acceptance tests cannot see, through the
// protocol: each names the key, the attribute and what to do, and none is
// given when the key is replaced anyway or the recipients are the same keys.
func TestRepoAIAPIKeyModifyPlan_warnsWhenEncryptedSecretCannotFollow(t *testing.T) {
	t.Parallel()
	env := newEmulatorEnv(t, nil, nil)
	p := newProtoProvider(t, env, env.token)
	typ := p.resourceType("flashback_repo_ai_apikey")
	a, b := ageIdentity(t).Recipient().String(), ageIdentity(t).Recipient().String()
	edLine, _ := sshEd25519Identity(t, "one comment")
	edRecommented := strings.Replace(edLine, "one comment", "another", 1)

	list := func(entries ...string) tftypes.Value {
		if entries == nil {
			return tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, nil)
		}
		elems := make([]tftypes.Value, len(entries))
		for i, e := range entries {
			elems[i] = tftypes.NewValue(tftypes.String, e)
		}
		return tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, elems)
	}
	str := func(s string) tftypes.Value {
		if s == "" {
			return tftypes.NewValue(tftypes.String, nil)
		}
		return tftypes.NewValue(tftypes.String, s)
	}
	keepers := func(v string) tftypes.Value {
		m := map[string]tftypes.Value{}
		if v != "" {
			m["rotation"] = tftypes.NewValue(tftypes.String, v)
		}
		return tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, m)
	}
	const keyID = "550e8400-e29b-41d4-a716-446655440000"
	plan := func(priorRecipients, recipients tftypes.Value, priorSecret, priorEncrypted, newKeepers string) (string, map[string]tftypes.Value) {
		prior := map[string]tftypes.Value{
			"id": str(keyID), "repo_id": str("repo-1"), "name": str("k"), "ai_type": str("OPENAI"), "keepers": keepers(""),
			"key": str("FB_AI_k"), "secret": str(priorSecret), "created_at": str("2026-01-01T00:00:00.000Z"),
			"secret_recipients": priorRecipients, "encrypted_secret": str(priorEncrypted),
		}
		config := map[string]tftypes.Value{"repo_id": str("repo-1"), "name": str("k"), "ai_type": str("OPENAI"),
			"secret_recipients": recipients}
		proposed := map[string]tftypes.Value{}
		for k, v := range prior {
			proposed[k] = v
		}
		for k, v := range config {
			proposed[k] = v
		}
		if newKeepers != "" {
			config["keepers"] = keepers(newKeepers)
			proposed["keepers"] = keepers(newKeepers)
		}
		resp, err := p.server.PlanResourceChange(context.Background(), &tfprotov6.PlanResourceChangeRequest{
			TypeName:         "flashback_repo_ai_apikey",
			PriorState:       p.dynamic(typ, prior),
			ProposedNewState: p.dynamic(typ, proposed),
			Config:           p.dynamic(typ, config),
		})
		if err != nil {
			t.Fatal(err)
		}
		planned, err := resp.PlannedState.Unmarshal(typ)
		if err != nil {
			t.Fatal(err)
		}
		var attrs map[string]tftypes.Value
		if err := planned.As(&attrs); err != nil {
			t.Fatal(err)
		}
		return diagsText(resp.Diagnostics), attrs
	}
	const sealed = "-----BEGIN AGE ENCRYPTED FILE-----\nsealed\n-----END AGE ENCRYPTED FILE-----\n"
	for _, tc := range []struct {
		name                      string
		priorRecipients, config   tftypes.Value
		priorSecret, priorSealed  string
		keepers                   string
		want                      string // a regexp of the diagnostics; "" for none
		wantSecret, wantEncrypted tftypes.Value
	}{
		{name: "changed", priorRecipients: list(a), config: list(b), priorSealed: sealed,
			want: `(?i)^warning: encrypted_secret cannot follow secret_recipients: AI API key ` + keyID + ` in repo repo-1: ` +
				`secret_recipients changed, but the secret cannot be encrypted for the new recipients: .*encrypted_secret is ` +
				`kept as it is: .* rotate it: change a value in keepers, which replaces the key with one whose secret follows secret_recipients\.$`,
			wantSecret: str(""), wantEncrypted: str(sealed)},
		{name: "removed", priorRecipients: list(a), config: list(), priorSealed: sealed,
			want: `(?i)^warning: The secret stays encrypted: AI API key ` + keyID + ` in repo repo-1: secret_recipients was removed, ` +
				`.*secret stays null, and encrypted_secret is kept .*change a value in keepers`,
			wantSecret: str(""), wantEncrypted: str(sealed)},
		{name: "set on an imported key", priorRecipients: list(), config: list(a),
			want:       `(?i)^warning: No secret to encrypt: AI API key ` + keyID + ` .*imported.*change a value in keepers`,
			wantSecret: str(""), wantEncrypted: str("")},
		{name: "set on a plain secret: encrypted in place", priorRecipients: list(), config: list(a), priorSecret: "plain",
			wantSecret: str(""), wantEncrypted: tftypes.NewValue(tftypes.String, tftypes.UnknownValue)},
		{name: "the same keys, reordered, with other comments", priorRecipients: list(a, edLine), config: list(edRecommented, a),
			priorSealed: sealed, wantSecret: str(""), wantEncrypted: str(sealed)},
		{name: "changed while keepers replace the key", priorRecipients: list(a), config: list(b), priorSealed: sealed,
			keepers: "2", wantSecret: str(""), wantEncrypted: tftypes.NewValue(tftypes.String, tftypes.UnknownValue)},
	} {
		diags, planned := plan(tc.priorRecipients, tc.config, tc.priorSecret, tc.priorSealed, tc.keepers)
		switch {
		case tc.want == "" && diags != "":
			t.Errorf("%s: diagnostics %s, want none", tc.name, diags)
		case tc.want != "" && !errorRE(tc.want).MatchString(diags):
			t.Errorf("%s: diagnostics\n%s\ndo not match %s", tc.name, diags, tc.want)
		}
		if !planned["secret"].Equal(tc.wantSecret) || !planned["encrypted_secret"].Equal(tc.wantEncrypted) {
			t.Errorf("%s: planned secret %v and encrypted_secret %v, want %v and %v", tc.name,
				planned["secret"], planned["encrypted_secret"], tc.wantSecret, tc.wantEncrypted)
		}
	}
}
