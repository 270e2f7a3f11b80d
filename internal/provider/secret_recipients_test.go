package provider

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/pem"
	"io"
	"regexp"
	"strings"
	"testing"

	"filippo.io/age"
	"filippo.io/age/agessh"
	"filippo.io/age/armor"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"golang.org/x/crypto/ssh"
)

// ageIdentity is a new age X25519 identity, as `age-keygen` makes one.
func ageIdentity(t *testing.T) *age.X25519Identity {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// sshEd25519Identity is a new ssh-ed25519 key: the line of its .pub file,
// with a comment, and the identity that decrypts what is encrypted for it.
func sshEd25519Identity(t *testing.T, comment string) (string, age.Identity) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id, err := agessh.NewEd25519Identity(priv)
	if err != nil {
		t.Fatal(err)
	}
	return authorizedKey(t, pub, comment), id
}

// sshRSAIdentity is sshEd25519Identity for an ssh-rsa key of the given size.
func sshRSAIdentity(t *testing.T, bits int) (string, *rsa.PrivateKey) {
	t.Helper()
	priv, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		t.Fatal(err)
	}
	return authorizedKey(t, &priv.PublicKey, "ops@example.com"), priv
}

func authorizedKey(t *testing.T, pub any, comment string) string {
	t.Helper()
	key, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(key))) + " " + comment + "\n"
}

// openSealed decrypts an ASCII-armored age file with one identity, as
// `age -d -i key.txt` does.
func openSealed(armored string, id age.Identity) (string, error) {
	r, err := age.Decrypt(armor.NewReader(strings.NewReader(armored)), id)
	if err != nil {
		return "", err
	}
	b, err := io.ReadAll(r)
	return string(b), err
}

func recipientList(entries ...string) types.List {
	elems := make([]attr.Value, len(entries))
	for i, e := range entries {
		elems[i] = types.StringValue(e)
	}
	return types.ListValueMust(types.StringType, elems)
}

// Every kind of recipient age takes is accepted, however an SSH key's line is
// commented or ended, and two spellings of one key are one key.
func TestParseRecipient_acceptsAgeAndSSHPublicKeys(t *testing.T) {
	t.Parallel()
	x25519 := ageIdentity(t).Recipient().String()
	hybrid, err := age.GenerateHybridIdentity()
	if err != nil {
		t.Fatal(err)
	}
	ed, _ := sshEd25519Identity(t, "alice@laptop")
	rsaLine, _ := sshRSAIdentity(t, 2048)

	for _, tc := range []struct{ name, entry, sameAs string }{
		{"age X25519", x25519, x25519},
		{"age X25519 read from a file, with its newline", x25519 + "\n", x25519},
		{"age post-quantum", hybrid.Recipient().String(), hybrid.Recipient().String()},
		{"ssh-ed25519 with a comment and a newline", ed, strings.SplitN(ed, " ", 3)[0] + " " + strings.SplitN(ed, " ", 3)[1]},
		{"ssh-rsa of 2048 bits", rsaLine, strings.SplitN(rsaLine, " ", 3)[0] + " " + strings.SplitN(rsaLine, " ", 3)[1]},
	} {
		r, canonical, err := parseRecipient(tc.entry)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if r == nil || canonical != tc.sameAs {
			t.Errorf("%s: canonical form %q, want %q", tc.name, canonical, tc.sameAs)
		}
	}
}

// A refused entry says why and what to use instead. It is quoted when it has
// the form of a public key, which is no secret, and never otherwise: a
// private key pasted by mistake, or anything else, may be a secret.
func TestParseRecipient_refusesWithAReason(t *testing.T) {
	t.Parallel()
	identity := ageIdentity(t)
	x25519 := identity.Recipient().String()
	typo := x25519[:len(x25519)-1] + map[bool]string{true: "q", false: "p"}[!strings.HasSuffix(x25519, "q")]
	ed, _ := sshEd25519Identity(t, "alice@laptop")
	small, _ := sshRSAIdentity(t, 1024)
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecdsaLine := authorizedKey(t, &ecKey.PublicKey, "bob@host")
	_, edPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(edPriv, "")
	if err != nil {
		t.Fatal(err)
	}
	sshPrivate := string(pem.EncodeToMemory(block))

	for _, tc := range []struct {
		name, entry string
		want        string
		shown       bool // whether the message may quote the entry
	}{
		{"garbage", "not a key at all", "is neither an age nor an SSH public key (its value is not shown", false},
		{"an API token pasted by mistake", "sk-proj-0123456789abcdef", "is neither an age nor an SSH public key", false},
		{"an age private key", identity.String(), "is an age private key (an identity), not a recipient; its value is not shown", false},
		{"an age private key in lower case", strings.ToLower(identity.String()), "is an age private key", false},
		{"an OpenSSH private key", sshPrivate, "is a private key, not a recipient; its value is not shown", false},
		{"an age public key with a typo", typo, `is not a valid age public key: `, true},
		{"an age plugin's recipient", "age1yubikey1qwt50d05nh5vutpdzmlg5wn80xq5negm4uj9ghv0snvdd3yysf5yw3rhl3t", "is the recipient of an age plugin (yubikey)", true},
		{"an RSA key under 2048 bits", small, "cannot be used by age: RSA key size is too small (an ssh-rsa key must have at least 2048 bits)", true},
		{"an ECDSA key", ecdsaLine, "is an SSH key of type ecdsa-sha2-nistp256; age encrypts only for ssh-ed25519 and ssh-rsa keys", true},
		{"a malformed SSH key", "ssh-ed25519 AAAAnotbase64!", "is not a valid SSH public key", true},
		{"two keys in one entry", x25519 + "\n" + ed, "holds more than one line", false},
	} {
		_, _, err := parseRecipient(tc.entry)
		if err == nil {
			t.Errorf("%s: accepted", tc.name)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, tc.want) {
			t.Errorf("%s: %q does not say %q", tc.name, msg, tc.want)
		}
		quoted := strings.Contains(msg, strings.TrimSpace(tc.entry))
		if tc.shown && !quoted {
			t.Errorf("%s: %q does not name the entry", tc.name, msg)
		}
		if !tc.shown {
			for _, part := range strings.Fields(tc.entry) {
				if len(part) >= 8 && strings.Contains(msg, part) {
					t.Errorf("%s: the message shows part of the entry (%q): %s", tc.name, part, msg)
				}
			}
		}
	}
}

// The validator names each bad entry by its index, refuses an empty list and
// a null entry, leaves entries not known yet for later, and refuses
// recipients age cannot use together.
func TestSecretRecipientsValidator(t *testing.T) {
	t.Parallel()
	good := ageIdentity(t).Recipient().String()
	ed, _ := sshEd25519Identity(t, "carol")
	hybrid, err := age.GenerateHybridIdentity()
	if err != nil {
		t.Fatal(err)
	}
	private := ageIdentity(t).String()
	at := path.Root("secret_recipients")
	validate := func(list types.List) string {
		var resp validator.ListResponse
		secretRecipientsValidator{}.ValidateList(context.Background(), validator.ListRequest{Path: at, ConfigValue: list}, &resp)
		var b strings.Builder
		for _, d := range resp.Diagnostics {
			p := ""
			if d, ok := d.(interface{ Path() path.Path }); ok {
				p = d.Path().String()
			}
			b.WriteString(p + ": " + d.Severity().String() + ": " + d.Summary() + ": " + d.Detail() + "\n")
		}
		return b.String()
	}
	for _, tc := range []struct {
		name string
		list types.List
		want []string // each must match a line of the diagnostics; none: valid
	}{
		{"null", types.ListNull(types.StringType), nil},
		{"unknown", types.ListUnknown(types.StringType), nil},
		{"one of each kind", recipientList(good, ed), nil},
		{"an entry not known yet", types.ListValueMust(types.StringType, []attr.Value{types.StringValue(good), types.StringUnknown()}), nil},
		{"empty", recipientList(), []string{`^secret_recipients: Error: Empty secret_recipients: .*leave secret_recipients unset \(or null\)`}},
		{"bad entries", recipientList(good, "garbage", ed, private), []string{
			`^secret_recipients\[1\]: Error: Invalid age recipient: secret_recipients\[1\] is neither an age nor an SSH public key.*A recipient is an age public key, such as age1`,
			`^secret_recipients\[3\]: Error: Invalid age recipient: secret_recipients\[3\] is an age private key`,
		}},
		{"a null entry", types.ListValueMust(types.StringType, []attr.Value{types.StringValue(good), types.StringNull()}),
			[]string{`^secret_recipients\[1\]: Error: Invalid age recipient: secret_recipients\[1\] is null`}},
		{"post-quantum with classic", recipientList(hybrid.Recipient().String(), good),
			[]string{`^secret_recipients: Error: Incompatible age recipients: .*can't mix post-quantum and classic recipients`}},
	} {
		got := validate(tc.list)
		if strings.Contains(got, private) {
			t.Errorf("%s: the diagnostics show the private key", tc.name)
		}
		lines := strings.Split(strings.TrimSpace(got), "\n")
		if got == "" {
			lines = nil
		}
		if len(lines) != len(tc.want) {
			t.Errorf("%s: %d diagnostics, want %d:\n%s", tc.name, len(lines), len(tc.want), got)
			continue
		}
		for i, w := range tc.want {
			if !regexp.MustCompile(w).MatchString(lines[i]) {
				t.Errorf("%s: diagnostic %q does not match %q", tc.name, lines[i], w)
			}
		}
	}
}

// The secret is sealed in an ASCII-armored age file that each recipient
// opens alone: an age X25519 identity, an ssh-ed25519 key and an ssh-rsa key.
func TestSecretRecipients_sealRoundTrip(t *testing.T) {
	t.Parallel()
	x25519 := ageIdentity(t)
	edLine, edIdentity := sshEd25519Identity(t, "dave@ci")
	rsaLine, rsaKey := sshRSAIdentity(t, 2048)
	rsaIdentity, err := agessh.NewRSAIdentity(rsaKey)
	if err != nil {
		t.Fatal(err)
	}
	r, diags := parseSecretRecipients(recipientList(x25519.Recipient().String(), edLine, rsaLine))
	if diags.HasError() {
		t.Fatal(diagText(diags))
	}
	const secret = "fb_secret_0123456789abcdefghijklmnopqrstuvwxyz"
	plain, encrypted, diags := r.keep(secret, "AI API key k1 in repo r1")
	if diags.HasError() {
		t.Fatal(diagText(diags))
	}
	if !plain.IsNull() {
		t.Errorf("secret = %v, want null when there are recipients", plain)
	}
	sealed := encrypted.ValueString()
	if !strings.HasPrefix(sealed, armor.Header+"\n") || !strings.HasSuffix(sealed, armor.Footer+"\n") {
		t.Errorf("encrypted_secret is not an ASCII-armored age file:\n%s", sealed)
	}
	if strings.Contains(sealed, secret) {
		t.Error("encrypted_secret holds the secret in plain text")
	}
	for name, id := range map[string]age.Identity{"age X25519": x25519, "ssh-ed25519": edIdentity, "ssh-rsa": rsaIdentity} {
		got, err := openSealed(sealed, id)
		if err != nil || got != secret {
			t.Errorf("%s identity: decrypted %q, %v; want the secret", name, got, err)
		}
	}
	if _, err := openSealed(sealed, ageIdentity(t)); err == nil {
		t.Error("an identity that is not a recipient decrypted the secret")
	}

	plain, encrypted, diags = secretRecipients{}.keep(secret, "AI API key k1 in repo r1")
	if diags.HasError() || plain.ValueString() != secret || !encrypted.IsNull() {
		t.Errorf("without recipients: secret %v, encrypted_secret %v, %s; want the secret and null", plain, encrypted, diagText(diags))
	}
}

// The plan of each transition of secret_recipients, as the top of
// secret_recipients.go describes them.
func TestSecretSealing_plan(t *testing.T) {
	t.Parallel()
	a := ageIdentity(t).Recipient().String()
	b := ageIdentity(t).Recipient().String()
	edLine, _ := sshEd25519Identity(t, "first comment")
	edRecommented := strings.Replace(edLine, "first comment", "another comment", 1)

	null := types.ListNull(types.StringType)
	unknownList := types.ListUnknown(types.StringType)
	plain, sealed := types.StringValue("the-secret"), types.StringValue("-----BEGIN AGE ENCRYPTED FILE-----\n…")
	none, unknown := types.StringNull(), types.StringUnknown()

	for _, tc := range []struct {
		name                string
		s                   secretSealing
		secret, encrypted   types.String
		encryptPrior        bool
		warning             string // the summary; "" for none
		warningMentionsText string
	}{
		{name: "create without recipients",
			s:      secretSealing{recipients: null, priorRecipients: null, fresh: true},
			secret: unknown, encrypted: none},
		{name: "create with recipients",
			s:      secretSealing{recipients: recipientList(a), priorRecipients: null, fresh: true},
			secret: none, encrypted: unknown},
		{name: "create with recipients not known yet",
			s:      secretSealing{recipients: unknownList, priorRecipients: null, fresh: true},
			secret: unknown, encrypted: unknown},
		{name: "replacement with changed recipients: the new secret follows them, no warning",
			s:      secretSealing{recipients: recipientList(b), priorRecipients: recipientList(a), priorSecret: none, priorEncrypted: sealed, fresh: true},
			secret: none, encrypted: unknown},
		{name: "update without recipients",
			s:      secretSealing{recipients: null, priorRecipients: null, priorSecret: plain, priorEncrypted: none},
			secret: plain, encrypted: none},
		{name: "unset to set while the state holds the secret: encrypted in place",
			s:      secretSealing{recipients: recipientList(a), priorRecipients: null, priorSecret: plain, priorEncrypted: none},
			secret: none, encrypted: unknown, encryptPrior: true},
		{name: "recipients not known yet while the state holds the secret",
			s:      secretSealing{recipients: unknownList, priorRecipients: null, priorSecret: plain, priorEncrypted: none},
			secret: unknown, encrypted: unknown},
		{name: "unchanged recipients",
			s:      secretSealing{recipients: recipientList(a, edLine), priorRecipients: recipientList(a, edLine), priorSecret: none, priorEncrypted: sealed},
			secret: none, encrypted: sealed},
		{name: "the same keys reordered, with other comments: no warning",
			s:      secretSealing{recipients: recipientList(edRecommented, a), priorRecipients: recipientList(a, edLine), priorSecret: none, priorEncrypted: sealed},
			secret: none, encrypted: sealed},
		{name: "changed recipients: kept, and a warning",
			s:      secretSealing{recipients: recipientList(a, b), priorRecipients: recipientList(a), priorSecret: none, priorEncrypted: sealed},
			secret: none, encrypted: sealed, warning: "{encrypted} cannot follow secret_recipients", warningMentionsText: "recipients added now cannot"},
		{name: "changed recipients not known yet: kept, the apply's plan warns",
			s:      secretSealing{recipients: unknownList, priorRecipients: recipientList(a), priorSecret: none, priorEncrypted: sealed},
			secret: none, encrypted: sealed},
		{name: "set to unset: secret stays null, encrypted_secret kept, a warning",
			s:      secretSealing{recipients: null, priorRecipients: recipientList(a), priorSecret: none, priorEncrypted: sealed},
			secret: none, encrypted: sealed, warning: "The secret stays encrypted", warningMentionsText: "{secret} stays null"},
		{name: "unset after that: no warning again",
			s:      secretSealing{recipients: null, priorRecipients: null, priorSecret: none, priorEncrypted: sealed},
			secret: none, encrypted: sealed},
		{name: "set again after unset: kept, and a warning",
			s:      secretSealing{recipients: recipientList(a), priorRecipients: null, priorSecret: none, priorEncrypted: sealed},
			secret: none, encrypted: sealed, warning: "{encrypted} cannot follow secret_recipients"},
		{name: "set on an imported key, which has no secret",
			s:      secretSealing{recipients: recipientList(a), priorRecipients: null, priorSecret: none, priorEncrypted: none},
			secret: none, encrypted: none, warning: "No secret to encrypt", warningMentionsText: "imported"},
	} {
		p := tc.s.plan()
		if !p.secret.Equal(tc.secret) || !p.encrypted.Equal(tc.encrypted) || p.encryptPrior != tc.encryptPrior {
			t.Errorf("%s: planned secret %v, encrypted %v, encrypt now %t; want %v, %v, %t",
				tc.name, p.secret, p.encrypted, p.encryptPrior, tc.secret, tc.encrypted, tc.encryptPrior)
		}
		if p.warningSummary != tc.warning || !strings.Contains(p.warning, tc.warningMentionsText) {
			t.Errorf("%s: warning %q: %q; want %q, mentioning %q", tc.name, p.warningSummary, p.warning, tc.warning, tc.warningMentionsText)
		}
	}
}

// An update that sets secret_recipients on a key whose secret the state
// holds leaves only the age file; one that cannot encrypt changes nothing.
func TestSecretSealing_settleEncryptsThePriorSecret(t *testing.T) {
	t.Parallel()
	id := ageIdentity(t)
	s := secretSealing{recipients: recipientList(id.Recipient().String()), priorRecipients: types.ListNull(types.StringType),
		priorSecret: types.StringValue("the-secret"), priorEncrypted: types.StringNull()}
	plain, encrypted, diags := s.settle("AI API key k1 in repo r1")
	if diags.HasError() {
		t.Fatal(diagText(diags))
	}
	if got, err := openSealed(encrypted.ValueString(), id); !plain.IsNull() || err != nil || got != "the-secret" {
		t.Errorf("settled secret %v, encrypted secret decrypts to %q (%v); want null and the secret", plain, got, err)
	}

	s.recipients = recipientList("garbage")
	plain, encrypted, diags = s.settle("AI API key k1 in repo r1")
	if !diags.HasError() || plain.ValueString() != "the-secret" || !encrypted.IsNull() {
		t.Errorf("with a bad recipient: %v, %v, %s; want an error and the prior values", plain, encrypted, diagText(diags))
	}
}
