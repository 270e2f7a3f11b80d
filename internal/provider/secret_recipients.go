package provider

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"filippo.io/age"
	"filippo.io/age/agessh"
	"filippo.io/age/armor"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"golang.org/x/crypto/ssh"
)

// A secret encrypted for its owners: secret_recipients.
//
// Flashback returns a key's secret once, in the answer to its create. With
// secret_recipients set, the provider encrypts it with age for those
// recipients as soon as it has it, and the state holds only the age file
// (encrypted_secret): secret is null, in the create's answer as in every
// state after it. The plaintext is then gone for good, from the state and
// from the provider, so a secret cannot be encrypted again for other
// recipients. What a plan does when secret_recipients changes
// (secretSealing.plan):
//
//   - a new secret (a create, a replacement, a rotation) follows
//     secret_recipients: encrypted for them when set, in plain text when not;
//   - set while the state holds the secret in plain text: the update encrypts
//     it in place, and secret becomes null;
//   - changed while the secret is encrypted: encrypted_secret is kept, and a
//     warning says that only rotating gives a secret for the new recipients;
//   - removed while the secret is encrypted: secret stays null,
//     encrypted_secret is kept, with the same warning.
//
// secret_recipients is the same attribute on every resource that issues a
// secret; each of its secrets is a sealedSecret. A resource with several
// secrets (the rotating key: the current key's and the previous key's)
// plans each with plan, and gives one warning for them all (warn).

// recipientsAttr is the attribute that lists the recipients.
const recipientsAttr = "secret_recipients"

// validRecipient says what a recipient looks like, for every message about one.
const validRecipient = "A recipient is an age public key, such as " +
	"age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p (the \"Public key\" age-keygen prints), " +
	"an age post-quantum public key (age1pq1…), or an SSH public key of type ssh-ed25519 or ssh-rsa " +
	"(the line of an id_ed25519.pub or id_rsa.pub file)."

// secretRecipients are the parsed entries of a secret_recipients list. The
// zero value has none: a secret is then kept in plain text.
type secretRecipients struct {
	recipients []age.Recipient
}

// parseRecipient parses one entry of secret_recipients. It returns the
// recipient and the entry's canonical form (the key alone, without an SSH
// key's comment), which tells whether two entries are one key. An error
// says what is wrong and what to use; it quotes the entry only when it has
// the form of a public key, which is no secret: an entry of no known form
// may be a secret pasted by mistake, and a private key certainly is one.
func parseRecipient(entry string) (age.Recipient, string, error) {
	s := strings.TrimSpace(entry)
	switch {
	case strings.Contains(strings.ToUpper(s), "AGE-SECRET-KEY-") || strings.HasPrefix(strings.ToUpper(s), "AGE-PLUGIN-"):
		return nil, "", fmt.Errorf("is an age private key (an identity), not a recipient; its value is not shown. " +
			"Remove it from the configuration, and if the configuration was shared, generate a new key: this one is " +
			"exposed. Use its public key instead, which `age-keygen -y key.txt` prints")
	case strings.Contains(s, "PRIVATE KEY"):
		return nil, "", fmt.Errorf("is a private key, not a recipient; its value is not shown. Remove it from the " +
			"configuration, and if the configuration was shared, generate a new key: this one is exposed. Use its " +
			"public key instead: the .pub file beside it, or what `ssh-keygen -y -f <key file>` prints")
	case strings.ContainsAny(s, "\r\n"):
		// ssh.ParseAuthorizedKey would take the first line and drop the rest.
		return nil, "", fmt.Errorf("holds more than one line; give each recipient as an entry of its own")
	case strings.HasPrefix(strings.ToLower(s), "age1pq1"):
		r, err := age.ParseHybridRecipient(s)
		if err != nil {
			return nil, "", fmt.Errorf("%q is not a valid age post-quantum public key: %s", s, ageReason(err))
		}
		return r, r.String(), nil
	case strings.HasPrefix(strings.ToLower(s), "age1"):
		if hrp := s[:strings.LastIndex(s, "1")]; len(hrp) > len("age") && !strings.EqualFold(hrp, "age1pq") {
			return nil, "", fmt.Errorf("%q is the recipient of an age plugin (%s), which the provider cannot run; "+
				"use an age or SSH public key", s, strings.TrimPrefix(strings.ToLower(hrp), "age1"))
		}
		r, err := age.ParseX25519Recipient(s)
		if err != nil {
			return nil, "", fmt.Errorf("%q is not a valid age public key: %s", s, ageReason(err))
		}
		return r, r.String(), nil
	case looksLikeSSHKey(s):
		return parseSSHRecipient(s)
	default:
		return nil, "", fmt.Errorf("is neither an age nor an SSH public key (its value is not shown, in case it is a " +
			"secret pasted by mistake)")
	}
}

// ageReason is why age refused a recipient, without the recipient, which
// the message around it quotes already.
func ageReason(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		return msg[i+2:]
	}
	return msg
}

// looksLikeSSHKey reports whether s has the form of an authorized_keys line
// of any SSH key type, supported or not.
func looksLikeSSHKey(s string) bool {
	for _, prefix := range []string{"ssh-", "ecdsa-", "sk-ssh-", "sk-ecdsa-", "rsa-sha2-"} {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

func parseSSHRecipient(s string) (age.Recipient, string, error) {
	key, _, _, _, err := ssh.ParseAuthorizedKey([]byte(s))
	if err != nil {
		return nil, "", fmt.Errorf("%q is not a valid SSH public key: %v", s, err)
	}
	canonical := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(key)))
	var r age.Recipient
	switch key.Type() {
	case ssh.KeyAlgoED25519:
		r, err = agessh.NewEd25519Recipient(key)
	case ssh.KeyAlgoRSA:
		r, err = agessh.NewRSARecipient(key)
	default:
		return nil, "", fmt.Errorf("%q is an SSH key of type %s; age encrypts only for ssh-ed25519 and ssh-rsa keys", s, key.Type())
	}
	if err != nil {
		// The one refusal age makes of a well-formed key: an RSA key under 2048 bits.
		return nil, "", fmt.Errorf("%q cannot be used by age: %v (an ssh-rsa key must have at least 2048 bits)", s, err)
	}
	return r, canonical, nil
}

// checkRecipients parses the elements of a secret_recipients list found at
// at. Every entry that cannot be used is an error at its index that names it
// (its value too, when that is a public key) and says what a valid one looks
// like; so is an empty list, and so are recipients that age cannot use
// together. known is false when an element is not known yet: the entries
// known so far are checked, and r is incomplete.
func checkRecipients(at path.Path, elems []attr.Value) (r secretRecipients, known bool, diags diag.Diagnostics) {
	if len(elems) == 0 {
		diags.AddAttributeError(at, "Empty secret_recipients",
			"secret_recipients is an empty list: list at least one recipient to encrypt the secret for, or leave "+
				"secret_recipients unset (or null) to keep the secret in the state in plain text. An empty list is "+
				"refused rather than taken as unset, so that a list of recipients that turns out empty never puts "+
				"the secret in the state unencrypted. "+validRecipient)
		return secretRecipients{}, true, diags
	}
	known = true
	for i, e := range elems {
		s, ok := e.(types.String)
		switch {
		case !ok:
			diags.AddAttributeError(at.AtListIndex(i), "Invalid age recipient",
				fmt.Sprintf("secret_recipients[%d] is a %T, not a string. This is a bug in the provider; please report it.", i, e))
			continue
		case s.IsUnknown():
			known = false
			continue
		case s.IsNull():
			diags.AddAttributeError(at.AtListIndex(i), "Invalid age recipient",
				fmt.Sprintf("secret_recipients[%d] is null. %s", i, validRecipient))
			continue
		}
		rec, _, err := parseRecipient(s.ValueString())
		if err != nil {
			diags.AddAttributeError(at.AtListIndex(i), "Invalid age recipient",
				fmt.Sprintf("secret_recipients[%d] %s. %s", i, err, validRecipient))
			continue
		}
		r.recipients = append(r.recipients, rec)
	}
	if diags.HasError() || !known {
		return r, known, diags
	}
	// age refuses some mixes, such as post-quantum with classic recipients:
	// find out now, not after a key has been created.
	if _, err := r.seal(""); err != nil {
		diags.AddAttributeError(at, "Incompatible age recipients",
			fmt.Sprintf("age cannot encrypt for all of secret_recipients together: %v. Post-quantum recipients "+
				"(age1pq1…) can be listed only with other post-quantum recipients.", err))
	}
	return r, known, diags
}

// parseSecretRecipients parses secret_recipients as an apply has it: known.
// A null list has no recipients.
func parseSecretRecipients(list types.List) (secretRecipients, diag.Diagnostics) {
	if list.IsNull() {
		return secretRecipients{}, nil
	}
	var diags diag.Diagnostics
	if list.IsUnknown() {
		diags.AddAttributeError(path.Root(recipientsAttr), "secret_recipients not known",
			"secret_recipients is not known yet, so the secret cannot be encrypted. This is a bug in the provider; please report it.")
		return secretRecipients{}, diags
	}
	r, known, diags := checkRecipients(path.Root(recipientsAttr), list.Elements())
	if !known && !diags.HasError() {
		diags.AddAttributeError(path.Root(recipientsAttr), "secret_recipients not known",
			"An entry of secret_recipients is not known yet, so the secret cannot be encrypted. This is a bug in the provider; please report it.")
	}
	return r, diags
}

// secretRecipientsValidator refuses, at plan time, a secret_recipients list
// that could not be used to encrypt a secret.
type secretRecipientsValidator struct{}

var _ validator.List = secretRecipientsValidator{}

func (secretRecipientsValidator) Description(context.Context) string {
	return "at least one age recipient: age1… public keys, or ssh-ed25519 or ssh-rsa public keys"
}

func (v secretRecipientsValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (secretRecipientsValidator) ValidateList(_ context.Context, req validator.ListRequest, resp *validator.ListResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	_, _, diags := checkRecipients(req.Path, req.ConfigValue.Elements())
	resp.Diagnostics.Append(diags...)
}

// seal encrypts secret for every recipient, as an ASCII-armored age file:
// what `age -a -r … -r …` writes, and `age -d -i key.txt` reads.
func (r secretRecipients) seal(secret string) (string, error) {
	var buf bytes.Buffer
	armored := armor.NewWriter(&buf)
	w, err := age.Encrypt(armored, r.recipients...)
	if err != nil {
		return "", err
	}
	if _, err := io.WriteString(w, secret); err != nil {
		return "", err
	}
	if err := w.Close(); err != nil {
		return "", err
	}
	if err := armored.Close(); err != nil {
		return "", err
	}
	return buf.String(), nil
}

// keep is what the state holds of a secret the server has just issued: the
// secret itself when there are no recipients; otherwise a null secret and
// its age file. subject names the secret's object for the error, which is
// left for the caller to report: the object exists, and the state must
// record it (Terraform then taints it, and the next apply replaces it).
func (r secretRecipients) keep(secret, subject string) (plain, encrypted types.String, diags diag.Diagnostics) {
	plain, encrypted, err := r.keepNew(secret)
	if err != nil {
		diags.Append(secretNotKept(subject, err, "Terraform keeps the object, marked tainted, and the next apply "+
			"replaces it with one whose secret is encrypted."))
	}
	return plain, encrypted, diags
}

// secretNotKept is the error of a new secret that could not be encrypted;
// then says what becomes of the object that has it.
func secretNotKept(subject string, err error, then string) diag.Diagnostic {
	return diag.NewErrorDiagnostic("Cannot encrypt the secret",
		fmt.Sprintf("Could not encrypt the secret of %s for secret_recipients: %v. The secret is not kept, so that "+
			"it never lies in the state in plain text; %s", subject, err, then))
}

// keepNew is keep without the message: on an error both values are null,
// and the caller says what becomes of the object whose secret is lost.
func (r secretRecipients) keepNew(secret string) (plain, encrypted types.String, err error) {
	if len(r.recipients) == 0 {
		return types.StringValue(secret), types.StringNull(), nil
	}
	sealed, err := r.seal(secret)
	if err != nil {
		return types.StringNull(), types.StringNull(), err
	}
	return types.StringNull(), types.StringValue(sealed), nil
}

// sealedSecret names a secret's attributes in a resource: its plain-text
// one and its encrypted one (top-level attributes, such as secret and
// encrypted_secret), and how to get a new secret, for the warnings.
type sealedSecret struct {
	secret, encrypted string
	// rotate completes "rotate …": what makes the resource issue a new secret.
	rotate string
}

// secretSealing is what a plan knows of one secret: the recipients planned
// for it and what the prior state holds.
type secretSealing struct {
	recipients      types.List   // secret_recipients as planned: the configuration's
	priorRecipients types.List   // the prior state's; null when there is none
	priorSecret     types.String // the prior state's plain-text secret
	priorEncrypted  types.String // the prior state's encrypted secret
	// fresh is true when the apply issues a new secret: a create, a
	// replacement, a rotation.
	fresh bool
}

// sealingPlan is how a plan has the state keep a secret.
type sealingPlan struct {
	// secret and encrypted are the planned values; unknown where the apply
	// decides.
	secret, encrypted types.String
	// encryptPrior is true when the update encrypts the prior state's secret.
	encryptPrior bool
	// warning, when not empty, says why the encrypted secret does not follow
	// secret_recipients. It and warningSummary name the secret's attributes
	// {secret} and {encrypted}, which planInto replaces.
	warningSummary, warning string
}

// plan decides how the state keeps the secret: see the top of this file.
func (s secretSealing) plan() sealingPlan {
	keep := sealingPlan{secret: s.priorSecret, encrypted: s.priorEncrypted}
	switch {
	case s.fresh && s.recipients.IsUnknown():
		return sealingPlan{secret: types.StringUnknown(), encrypted: types.StringUnknown()}
	case s.fresh && s.recipients.IsNull():
		return sealingPlan{secret: types.StringUnknown(), encrypted: types.StringNull()}
	case s.fresh:
		return sealingPlan{secret: types.StringNull(), encrypted: types.StringUnknown()}
	case s.recipients.IsUnknown() && !s.priorSecret.IsNull():
		// Encrypted or not, once the recipients are known.
		return sealingPlan{secret: types.StringUnknown(), encrypted: types.StringUnknown()}
	case s.recipients.IsUnknown():
		// Whatever they turn out to be, there is nothing to encrypt; the
		// plan at apply time, which knows them, warns if need be.
		return keep
	case s.recipients.IsNull():
		if !s.priorEncrypted.IsNull() && !s.priorRecipients.IsNull() {
			keep.warningSummary = "The secret stays encrypted"
			keep.warning = "secret_recipients was removed, but the state holds the secret only as {encrypted}, which the " +
				"provider cannot decrypt: {secret} stays null, and {encrypted} is kept as it is, for the recipients it was " +
				"encrypted for."
		}
		return keep
	case !s.priorSecret.IsNull():
		return sealingPlan{secret: types.StringNull(), encrypted: types.StringUnknown(), encryptPrior: true}
	case sameRecipients(s.recipients, s.priorRecipients):
		return keep
	case s.priorEncrypted.IsNull():
		keep.warningSummary = "No secret to encrypt"
		keep.warning = "The state holds no secret (Flashback returns a secret only when it issues it, so the secret " +
			"of an imported object cannot be recovered), so there is nothing to encrypt for secret_recipients: " +
			"{encrypted} stays null."
		return keep
	default:
		keep.warningSummary = "{encrypted} cannot follow secret_recipients"
		keep.warning = "secret_recipients changed, but the secret cannot be encrypted for the new recipients: " +
			"Flashback returns a secret only when it issues it, and the state holds it only as {encrypted}, which the " +
			"provider cannot decrypt. {encrypted} is kept as it is: the recipients it was encrypted for can still decrypt " +
			"it, and recipients added now cannot."
		return keep
	}
}

// sameRecipients reports whether two lists name the same keys, in any order
// and however spelled; a list with an entry not known yet is taken as the
// same, since nothing can be said of it until apply.
func sameRecipients(a, b types.List) bool {
	if a.IsNull() || b.IsNull() {
		return a.IsNull() == b.IsNull()
	}
	set := func(l types.List) ([]string, bool) {
		var keys []string
		for _, e := range l.Elements() {
			s, ok := e.(types.String)
			if !ok || s.IsUnknown() {
				return nil, false
			}
			key := strings.TrimSpace(s.ValueString())
			if _, canonical, err := parseRecipient(key); err == nil {
				key = canonical
			}
			keys = append(keys, key)
		}
		slices.Sort(keys)
		return slices.Compact(keys), true
	}
	ka, knownA := set(a)
	kb, knownB := set(b)
	return !knownA || !knownB || slices.Equal(ka, kb)
}

// planInto sets the planned values of the secret's attributes in plan, and
// adds the plan's warning, about subject (such as "AI API key 550e… in repo
// r1"), to diags.
func (s secretSealing) planInto(ctx context.Context, plan *tfsdk.Plan, names sealedSecret, subject string) diag.Diagnostics {
	p := s.plan()
	var diags diag.Diagnostics
	diags.Append(plan.SetAttribute(ctx, path.Root(names.secret), p.secret)...)
	diags.Append(plan.SetAttribute(ctx, path.Root(names.encrypted), p.encrypted)...)
	diags.Append(p.warn(names, subject)...)
	return diags
}

// warn is the plan's warning, if it has one, about subject: a resource
// with several secrets plans each and gives one warning for them all.
func (p sealingPlan) warn(names sealedSecret, subject string) diag.Diagnostics {
	if p.warning == "" {
		return nil
	}
	fill := strings.NewReplacer("{subject}", subject, "{secret}", names.secret, "{encrypted}", names.encrypted,
		"{rotate}", names.rotate)
	var diags diag.Diagnostics
	diags.AddAttributeWarning(path.Root(recipientsAttr), fill.Replace(p.warningSummary), fill.Replace(
		"{subject}: "+p.warning+" To have a secret for the recipients configured now, rotate it: {rotate}."))
	return diags
}

// settle is what an update leaves in the state: the planned values, with the
// prior state's secret encrypted when the plan says so. It is called before
// the update sends anything, so that a secret that cannot be encrypted
// changes nothing.
func (s secretSealing) settle(subject string) (plain, encrypted types.String, diags diag.Diagnostics) {
	p := s.plan()
	if !p.encryptPrior {
		return p.secret, p.encrypted, nil
	}
	r, diags := parseSecretRecipients(s.recipients)
	if diags.HasError() {
		return s.priorSecret, s.priorEncrypted, diags
	}
	sealed, err := r.seal(s.priorSecret.ValueString())
	if err != nil {
		diags.AddError("Cannot encrypt the secret",
			fmt.Sprintf("Could not encrypt the secret of %s for secret_recipients: %v. Nothing was changed; the state "+
				"still holds the secret in plain text.", subject, err))
		return s.priorSecret, s.priorEncrypted, diags
	}
	return types.StringNull(), types.StringValue(sealed), diags
}
