package provider

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/emulator"
)

var pathPreviousEncryptedSecret = tfjsonpath.New("previous_encrypted_secret")

// rotatingWithRecipientsConfig is rotatingConfig with secret_recipients,
// left out when there are none.
func rotatingWithRecipientsConfig(repoID, name, overlap, rotateWhen string, recipients ...string) string {
	cfg := rotatingConfig(repoID, name, "OPENAI", overlap, rotateWhen)
	if recipients == nil {
		return cfg
	}
	quoted := make([]string, len(recipients))
	for i, r := range recipients {
		quoted[i] = strconv.Quote(r)
	}
	return strings.TrimSuffix(cfg, "}\n") + "  secret_recipients = [" + strings.Join(quoted, ", ") + "]\n}\n"
}

// rotatingSealedFor proves, against the emulator, that encrypted_secret
// opens with current to the secret the server issued for the current key,
// and previous_encrypted_secret with previous to the previous key's (and
// is null when there is no previous key); other, if not nil, opens neither.
func rotatingSealedFor(emu *emulator.Server, current, previous, other age.Identity) statecheck.StateCheck {
	return stateValuesCheck(func(byAddr map[string]map[string]any) error {
		attrs := byAddr[testRotatingAddr]
		issued := map[string]string{}
		for _, k := range emu.LiveKeys("") {
			issued[k.ID] = k.Secret
		}
		check := func(idAttr, sealedAttr string, identity age.Identity) error {
			id, _ := attrs[idAttr].(string)
			sealed, _ := attrs[sealedAttr].(string)
			switch {
			case id == "" && sealed != "":
				return fmt.Errorf("%s is set without a key (%s is null)", sealedAttr, idAttr)
			case id == "":
				return nil
			case sealed == "":
				return fmt.Errorf("%s is null for key %s", sealedAttr, id)
			case issued[id] == "":
				return fmt.Errorf("the emulator holds no live key %s (%s)", id, idAttr)
			}
			got, err := openSealed(sealed, identity)
			if err != nil {
				return fmt.Errorf("%s does not decrypt: %w", sealedAttr, err)
			}
			if got != issued[id] {
				return fmt.Errorf("%s decrypts to something else than the secret the server issued for key %s", sealedAttr, id)
			}
			if other != nil {
				if _, err := openSealed(sealed, other); err == nil {
					return fmt.Errorf("%s decrypts with an identity that is not its recipient", sealedAttr)
				}
			}
			return nil
		}
		if err := check("id", "encrypted_secret", current); err != nil {
			return err
		}
		return check("previous_id", "previous_encrypted_secret", previous)
	})
}

// movedToPrevious fails unless the latest recorded step rotated the key of
// the one before it with its age file: the former current key, and its
// encrypted_secret byte for byte, are the previous ones.
func (h *keyHistory) movedToPrevious() error {
	before, after := h.steps[len(h.steps)-2], h.steps[len(h.steps)-1]
	switch {
	case after["id"] == before["id"] || after["encrypted_secret"] == before["encrypted_secret"]:
		return fmt.Errorf("the current key %s or its encrypted_secret did not change", after["id"])
	case after["previous_id"] != before["id"]:
		return fmt.Errorf("the previous key is %s, want the former current key %s", after["previous_id"], before["id"])
	case after["previous_encrypted_secret"] != before["encrypted_secret"]:
		return fmt.Errorf("previous_encrypted_secret is not the former current key's encrypted_secret")
	}
	return nil
}

// With secret_recipients, the rotating key's state never holds a secret in
// plain text, across a rotation: the create encrypts the key's secret; a
// rotation moves the age file to previous_encrypted_secret, and encrypts the
// new key's secret, both keys live; a rotation that changes the recipients
// encrypts the new key for the new ones, while the previous key's file stays
// the old recipients'; once the overlap has passed, previous_* are null.
// Every state and plan is searched for every secret the emulator issued.
func TestAccRepoAIAPIKeyRotating_secretRecipientsLifecycle(t *testing.T) {
	env := newTestEnv(t)
	emu := env.emulator(t)
	clock := newTestClock()
	h := &keyHistory{}
	a, b := ageIdentity(t), ageIdentity(t)
	secrets := newIssuedSecrets(emu)
	cfg := func(v string, recipient *age.X25519Recipient) string {
		return env.config(rotatingWithRecipientsConfig(env.repo(), "sealed", "1h", `{ v = "`+v+`" }`, recipient.String()))
	}
	noPlaintext := resource.ConfigPlanChecks{
		PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan(), secrets.notInPlan()},
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factoriesWith(rotatingTuning(clock)),
		CheckDestroy:             resource.ComposeTestCheckFunc(env.checkDestroyed(t), checkLiveKeys(emu, 0)),
		Steps: []resource.TestStep{
			{
				Config: cfg("1", a.Recipient()),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(testRotatingAddr, plancheck.ResourceActionCreate),
						plancheck.ExpectKnownValue(testRotatingAddr, pathSecret, knownvalue.Null()),
						plancheck.ExpectUnknownValue(testRotatingAddr, pathEncryptedSecret),
						plancheck.ExpectKnownValue(testRotatingAddr, pathPreviousEncryptedSecret, knownvalue.Null()),
					},
					PostApplyPostRefresh: noPlaintext.PostApplyPostRefresh,
				},
				ConfigStateChecks: append(noPrevious(),
					statecheck.ExpectKnownValue(testRotatingAddr, pathSecret, knownvalue.Null()),
					statecheck.ExpectKnownValue(testRotatingAddr, pathPreviousEncryptedSecret, knownvalue.Null()),
					rotatingSealedFor(emu, a, nil, b),
					secrets.notInState()),
				Check: resource.ComposeAggregateTestCheckFunc(checkRotatingKeys(emu), checkLiveKeys(emu, 1), h.record()),
			},
			{
				// Rotate: the plan already shows the age file moving.
				Config: cfg("2", a.Recipient()),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(testRotatingAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(testRotatingAddr, pathSecret, knownvalue.Null()),
						plancheck.ExpectUnknownValue(testRotatingAddr, pathEncryptedSecret),
						plancheck.ExpectKnownValue(testRotatingAddr, pathPreviousSecret, knownvalue.Null()),
						plancheck.ExpectKnownValue(testRotatingAddr, pathPreviousEncryptedSecret, knownvalue.NotNull()),
						secrets.notInPlan(),
					},
					PostApplyPostRefresh: noPlaintext.PostApplyPostRefresh,
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(testRotatingAddr, pathSecret, knownvalue.Null()),
					statecheck.ExpectKnownValue(testRotatingAddr, pathPreviousSecret, knownvalue.Null()),
					rotatingSealedFor(emu, a, a, b),
					secrets.notInState(),
				},
				Check: resource.ComposeAggregateTestCheckFunc(checkRotatingKeys(emu), checkLiveKeys(emu, 2),
					h.record(), h.then(h.movedToPrevious)),
			},
			{
				// Rotate with new recipients: the new key's secret is for b;
				// the previous key's file stays a's, which alone has it.
				Config: cfg("3", b.Recipient()),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(testRotatingAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue(testRotatingAddr, pathEncryptedSecret),
						secrets.notInPlan(),
					},
					PostApplyPostRefresh: noPlaintext.PostApplyPostRefresh,
				},
				ConfigStateChecks: []statecheck.StateCheck{
					rotatingSealedFor(emu, b, a, nil),
					stateValuesCheck(func(byAddr map[string]map[string]any) error {
						attrs := byAddr[testRotatingAddr]
						current, _ := attrs["encrypted_secret"].(string)
						previous, _ := attrs["previous_encrypted_secret"].(string)
						if _, err := openSealed(current, a); err == nil {
							return fmt.Errorf("the former recipient decrypts the new key's encrypted_secret")
						}
						if _, err := openSealed(previous, b); err == nil {
							return fmt.Errorf("the new recipient decrypts previous_encrypted_secret, encrypted before it was one")
						}
						return nil
					}),
					secrets.notInState(),
				},
				Check: resource.ComposeAggregateTestCheckFunc(checkRotatingKeys(emu), checkLiveKeys(emu, 2),
					h.record(), h.then(h.movedToPrevious)),
			},
			{
				// The overlap has passed: previous_* are null, only the
				// current key is live, and its file is unchanged.
				PreConfig: func() { clock.advance(61 * time.Minute) },
				Config:    cfg("3", b.Recipient()),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(testRotatingAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(testRotatingAddr, pathPreviousID, knownvalue.Null()),
						plancheck.ExpectKnownValue(testRotatingAddr, pathPreviousEncryptedSecret, knownvalue.Null()),
						plancheck.ExpectKnownValue(testRotatingAddr, pathEncryptedSecret, knownvalue.NotNull()),
						secrets.notInPlan(),
					},
					PostApplyPostRefresh: noPlaintext.PostApplyPostRefresh,
				},
				ConfigStateChecks: append(noPrevious(),
					statecheck.ExpectKnownValue(testRotatingAddr, pathPreviousEncryptedSecret, knownvalue.Null()),
					rotatingSealedFor(emu, b, nil, a),
					secrets.notInState()),
				Check: resource.ComposeAggregateTestCheckFunc(checkRotatingKeys(emu), checkLiveKeys(emu, 1),
					h.record(), h.then(func() error {
						before, after := h.steps[len(h.steps)-2], h.steps[len(h.steps)-1]
						if before["id"] != after["id"] || before["encrypted_secret"] != after["encrypted_secret"] {
							return fmt.Errorf("retiring the previous key changed the current one")
						}
						return nil
					})),
			},
		},
	})
}

// Setting secret_recipients while the state holds secret and previous_secret
// encrypts both in place: the same keys, no request to Flashback, and no
// plaintext left in the state; the next plan is empty.
func TestAccRepoAIAPIKeyRotating_secretRecipientsSetEncryptsBothInPlace(t *testing.T) {
	env := newTestEnv(t)
	emu := env.emulator(t)
	identity := ageIdentity(t)
	secrets := newIssuedSecrets(emu)
	cfg := func(v string, recipients ...string) string {
		return env.config(rotatingWithRecipientsConfig(env.repo(), "plain first", "1h", `{ v = "`+v+`" }`, recipients...))
	}
	h := &keyHistory{}
	sameKeys := h.then(func() error {
		before, after := h.steps[len(h.steps)-2], h.steps[len(h.steps)-1]
		for _, attr := range []string{"id", "key", "previous_id", "previous_key", "previous_name", "rotated_at"} {
			if before[attr] != after[attr] {
				return fmt.Errorf("%s changed from %q to %q", attr, before[attr], after[attr])
			}
		}
		return nil
	})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             resource.ComposeTestCheckFunc(env.checkDestroyed(t), checkLiveKeys(emu, 0)),
		Steps: []resource.TestStep{
			{Config: cfg("1")},
			{
				Config: cfg("2"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(testRotatingAddr, pathPreviousSecret, knownvalue.NotNull()),
					statecheck.ExpectKnownValue(testRotatingAddr, pathEncryptedSecret, knownvalue.Null()),
					statecheck.ExpectKnownValue(testRotatingAddr, pathPreviousEncryptedSecret, knownvalue.Null()),
					// The control: the check below sees a plaintext secret when there is one.
					secrets.inState(),
				},
				Check: resource.ComposeAggregateTestCheckFunc(checkRotatingKeys(emu), h.record()),
			},
			{
				PreConfig: emu.ResetCounters,
				Config:    cfg("2", identity.Recipient().String()),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(testRotatingAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(testRotatingAddr, pathSecret, knownvalue.Null()),
						plancheck.ExpectKnownValue(testRotatingAddr, pathPreviousSecret, knownvalue.Null()),
						plancheck.ExpectUnknownValue(testRotatingAddr, pathEncryptedSecret),
						plancheck.ExpectUnknownValue(testRotatingAddr, pathPreviousEncryptedSecret),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan(), secrets.notInPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(testRotatingAddr, pathSecret, knownvalue.Null()),
					statecheck.ExpectKnownValue(testRotatingAddr, pathPreviousSecret, knownvalue.Null()),
					rotatingSealedFor(emu, identity, identity, nil),
					secrets.notInState(),
				},
				Check: resource.ComposeAggregateTestCheckFunc(checkRotatingKeys(emu), checkLiveKeys(emu, 2),
					checkRequestCounts(emu, 0, 0, 0), h.record(), sameKeys),
			},
		},
	})
}

// A recipient that cannot be used is refused at plan time, by its index, as
// on the key resource.
func TestAccRepoAIAPIKeyRotating_secretRecipientsInvalid(t *testing.T) {
	env := newTestEnv(t)
	good := ageIdentity(t).Recipient().String()
	cfg := func(recipients ...string) string {
		return rotatingWithRecipientsConfig(env.repo(), "k", "1h", "", recipients...)
	}
	testPlanErrors(t, env, []planErrorCase{
		{"garbage", cfg(good, "not-a-key"),
			errorRE(`Invalid age recipient.*secret_recipients\[1\] is neither an age nor an SSH public key`)},
		{"private key", cfg(ageIdentity(t).String()), errorRE(`secret_recipients\[0\] is an age private key`)},
		{"empty", cfg([]string{}...), errorRE(`Empty secret_recipients`)},
	})
}

// What the plan of a rotating key does with its two secrets when
// secret_recipients changes, and the one warning it gives: the current
// key's, or else the previous key's; none in a rotation, whose new key
// follows the recipients configured.
func TestRotating_planSealing(t *testing.T) {
	t.Parallel()
	a, b := ageIdentity(t).Recipient().String(), ageIdentity(t).Recipient().String()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	null := types.ListNull(types.StringType)
	plain, prevPlain := types.StringValue("current-secret"), types.StringValue("previous-secret")
	sealed, prevSealed := types.StringValue("-----BEGIN AGE ENCRYPTED FILE-----\ncur"), types.StringValue("-----BEGIN AGE ENCRYPTED FILE-----\nprev")
	none, unknown := types.StringNull(), types.StringUnknown()
	state := func(recipients types.List, secret, encrypted, prevSecret, prevEncrypted types.String) rotatingKeyModel {
		return rotatingKeyModel{
			ID: types.StringValue("cur"), RepoID: types.StringValue("repo-1"), Name: types.StringValue("app"),
			RotateWhen: noKeepers(), Overlap: types.StringValue("1h"), Key: types.StringValue("FB_cur"),
			Secret: secret, EncryptedSecret: encrypted, SecretRecipients: recipients,
			PreviousID: types.StringValue("prev"), PreviousKey: types.StringValue("FB_prev"),
			PreviousSecret: prevSecret, PreviousEncryptedSecret: prevEncrypted,
			PreviousName: types.StringValue("app (retiring)"), RotatedAt: types.StringValue(at.Format(createdAtLayout)),
			RetiredIDs: null,
		}
	}
	config := func(s rotatingKeyModel, recipients types.List, rotate bool) rotatingKeyModel {
		p := s
		p.SecretRecipients = recipients
		if rotate {
			p.RotateWhen = types.MapValueMust(types.StringType, map[string]attr.Value{"v": types.StringValue("2")})
		}
		return p
	}
	bothSealed := state(recipientList(a), none, sealed, none, prevSealed)
	for _, tc := range []struct {
		name                                         string
		state, plan                                  rotatingKeyModel
		secret, encrypted, prevSecret, prevEncrypted types.String
		warning                                      string // a regexp of the one sealing warning; "" for none
	}{
		{name: "unset to set: both encrypted in place",
			state: state(null, plain, none, prevPlain, none), plan: config(state(null, plain, none, prevPlain, none), recipientList(a), false),
			secret: none, encrypted: unknown, prevSecret: none, prevEncrypted: unknown},
		{name: "unset to set in a rotation: the new key and the current one, moving to previous, encrypted",
			state: state(null, plain, none, prevPlain, none), plan: config(state(null, plain, none, prevPlain, none), recipientList(a), true),
			secret: none, encrypted: unknown, prevSecret: none, prevEncrypted: unknown},
		{name: "unchanged",
			state: bothSealed, plan: config(bothSealed, recipientList(a), false),
			secret: none, encrypted: sealed, prevSecret: none, prevEncrypted: prevSealed},
		{name: "changed: both kept, one warning, the current key's",
			state: bothSealed, plan: config(bothSealed, recipientList(b), false),
			secret: none, encrypted: sealed, prevSecret: none, prevEncrypted: prevSealed,
			warning: `^WARNING: encrypted_secret cannot follow secret_recipients: AI API key cur in repo repo-1: .*encrypted_secret is kept ` +
				`as it is.* rotate it: change rotate_when: the next rotation's new key has its secret encrypted for the recipients configured then`},
		{name: "removed: both stay null, one warning",
			state: bothSealed, plan: config(bothSealed, null, false),
			secret: none, encrypted: sealed, prevSecret: none, prevEncrypted: prevSealed,
			warning: `^WARNING: The secret stays encrypted: AI API key cur in repo repo-1: .*secret stays null.*change rotate_when`},
		{name: "changed in a rotation: the new key for the new recipients, the previous keeps its file, no warning",
			state: bothSealed, plan: config(bothSealed, recipientList(b), true),
			secret: none, encrypted: unknown, prevSecret: none, prevEncrypted: sealed},
		{name: "removed in a rotation: the new key's secret in plain text, no warning",
			state: bothSealed, plan: config(bothSealed, null, true),
			secret: unknown, encrypted: none, prevSecret: none, prevEncrypted: sealed},
		{name: "set again on a plain current key: encrypted in place; the previous key's file cannot follow",
			state: state(null, plain, none, none, prevSealed), plan: config(state(null, plain, none, none, prevSealed), recipientList(a), false),
			secret: none, encrypted: unknown, prevSecret: none, prevEncrypted: prevSealed,
			warning: `^WARNING: previous_encrypted_secret cannot follow secret_recipients: previous AI API key prev in repo repo-1: ` +
				`.*previous_encrypted_secret is kept as it is`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			planned, diags := planUpdate(tc.state, tc.plan, at.Add(time.Minute))
			var sealing []string
			for _, d := range diags {
				if strings.Contains(d.Summary()+d.Detail(), "secret_recipients") {
					sealing = append(sealing, fmt.Sprintf("%s: %s: %s", strings.ToUpper(d.Severity().String()), d.Summary(), d.Detail()))
				}
			}
			switch {
			case tc.warning == "" && len(sealing) != 0:
				t.Errorf("warnings %q, want none", sealing)
			case tc.warning != "" && (len(sealing) != 1 || !errorRE(tc.warning).MatchString(sealing[0])):
				t.Errorf("warnings %q, want one matching %s", sealing, tc.warning)
			}
			for _, v := range []struct {
				name      string
				got, want types.String
			}{
				{"secret", planned.Secret, tc.secret}, {"encrypted_secret", planned.EncryptedSecret, tc.encrypted},
				{"previous_secret", planned.PreviousSecret, tc.prevSecret},
				{"previous_encrypted_secret", planned.PreviousEncryptedSecret, tc.prevEncrypted},
			} {
				if !v.got.Equal(v.want) {
					t.Errorf("planned %s %v, want %v", v.name, v.got, v.want)
				}
			}
		})
	}
}

// An update that sets secret_recipients while the state holds both secrets
// starts from a state that holds neither: each is in its age file.
func TestRotating_sealedForEncryptsBothSecrets(t *testing.T) {
	t.Parallel()
	id := ageIdentity(t)
	state := rotatingKeyModel{ID: types.StringValue("cur"), RepoID: types.StringValue("repo-1"),
		Secret: types.StringValue("current-secret"), EncryptedSecret: types.StringNull(),
		PreviousID: types.StringValue("prev"), PreviousSecret: types.StringValue("previous-secret"),
		PreviousEncryptedSecret: types.StringNull(), SecretRecipients: types.ListNull(types.StringType)}
	plan := state
	plan.SecretRecipients = recipientList(id.Recipient().String())
	sealed, diags := state.sealedFor(plan)
	if diags.HasError() {
		t.Fatal(diagText(diags))
	}
	if !sealed.Secret.IsNull() || !sealed.PreviousSecret.IsNull() {
		t.Errorf("sealed secret %v, previous_secret %v; want both null", sealed.Secret, sealed.PreviousSecret)
	}
	for want, file := range map[string]types.String{"current-secret": sealed.EncryptedSecret, "previous-secret": sealed.PreviousEncryptedSecret} {
		if got, err := openSealed(file.ValueString(), id); err != nil || got != want {
			t.Errorf("an age file decrypts to %q (%v), want %q", got, err, want)
		}
	}
}
