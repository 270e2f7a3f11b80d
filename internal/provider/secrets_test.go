package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/devcli"
	"github.com/flashbacknetwork/terraform-provider-flashback/internal/emulator"
)

// secretsConfig is a whole Terraform configuration: the provider takes its
// token from FLASHBACK_ACCESS_TOKEN, as it would in CI. b is created after a,
// so that the faults the test injects meet a's create.
func secretsConfig(env *testEnv, nameA string) string {
	return `
terraform {
  required_providers {
    flashback = {
      source = "flashbacknetwork/flashback"
    }
  }
}
` + env.config(fmt.Sprintf(`
resource "flashback_repo_ai_apikey" "a" {
  repo_id = "repo-1"
  name    = %[1]q
  ai_type = "OPENAI"
}

resource "flashback_repo_ai_apikey" "b" {
  repo_id    = "repo-2"
  name       = "second"
  ai_type    = "ANTHROPIC"
  keepers    = { owner = "ci" }
  depends_on = [flashback_repo_ai_apikey.a]
}

output "secret_a" {
  value     = flashback_repo_ai_apikey.a.secret
  sensitive = true
}
`, nameA), withProviderAttr("access_token", ""), withProviderAttr("max_retries", ""))
}

// The access token and the keys' secrets never appear in Terraform's output
// or in its most verbose log, which holds the provider's own log too: not at
// create, refresh, rename or destroy, not while requests are retried, and not
// while a create whose answer was lost is cleaned up after. It runs the real
// provider binary, as Terraform runs it for users.
func TestAccSecrets_notInLogsOrOutput(t *testing.T) {
	env := newEmulatorEnv(t, nil, nil)
	cli := newCLISession(t, env)
	emu := env.emu
	// Retries, and the recovery after lost create answers, log the most: a's
	// create is throttled, then its answer is lost, then its retry's too.
	emu.InjectFault(emulator.Fault{Method: http.MethodGet, Op: emulator.OpList, Status: http.StatusServiceUnavailable, RetryAfter: "0", Count: 2})
	emu.InjectFault(emulator.Fault{Method: http.MethodPost, Op: emulator.OpCreate, Status: http.StatusTooManyRequests, RetryAfter: "0", Count: 1})
	emu.InjectFault(emulator.Fault{Method: http.MethodPost, Op: emulator.OpCreate, Drop: true, AfterAct: true, Count: 2})

	cli.write(secretsConfig(env, "secret keeper"))
	cli.run("apply", "apply", "-auto-approve")
	secrets := stateSecrets(t, cli.path("terraform.tfstate"))
	if len(secrets) != 2 {
		t.Fatalf("state holds %d secrets, want 2", len(secrets))
	}
	var live []emulator.Key
	for _, k := range emu.LiveKeys("") {
		if _, ok := secrets[k.ID]; ok {
			live = append(live, k)
		} else if k.Name != "secret keeper" {
			t.Errorf("key %s named %q is left on the server; only a's first attempt may be", k.ID, k.Name)
		}
	}
	if len(live) != 2 {
		t.Fatalf("emulator holds %d of the state's keys, want 2", len(live))
	}
	for _, k := range live {
		if secrets[k.ID] != k.Secret {
			t.Errorf("the state's secret of key %s is not the one the server issued", k.ID)
		}
	}
	if n := emu.Requests(http.MethodDelete, emulator.OpDelete); n != 1 {
		t.Errorf("emulator saw %d deletes, want 1 (the key the retry left under its temporary name)", n)
	}

	cli.run("plan", "plan", "-detailed-exitcode")
	cli.write(secretsConfig(env, "secret keeper, renamed"))
	cli.run("rename", "apply", "-auto-approve")
	if renamed := stateSecrets(t, cli.path("terraform.tfstate")); len(renamed) != 2 || renamed[live[0].ID] != live[0].Secret {
		t.Error("the rename lost or changed a secret in the state")
	}
	cli.run("destroy", "destroy", "-auto-approve")
	if n := len(emu.LiveKeys("")); n != 1 {
		t.Errorf("emulator holds %d live keys after destroy, want 1: a's first attempt's", n)
	}

	// The provider's own log and go-retryablehttp's must be in the file, or
	// finding nothing in it proves nothing.
	cli.logsHold("created AI API key", "performing request", "retrying request", "create outcome unknown",
		"deleted what a repeated create left under its temporary name")
	leaks := map[string]string{"the access token": env.token}
	for id, s := range secrets {
		leaks["the secret of key "+id] = s
	}
	cli.neverShows(leaks)
}

// encryptedSecretConfig is a whole configuration of one key whose secret is
// encrypted for recipients, and an output of encrypted_secret, which needs no
// sensitive = true.
func encryptedSecretConfig(env *testEnv, recipients ...string) string {
	quoted := make([]string, len(recipients))
	for i, r := range recipients {
		quoted[i] = strconv.Quote(r)
	}
	return `
terraform {
  required_providers {
    flashback = {
      source = "flashbacknetwork/flashback"
    }
  }
}
` + env.config(fmt.Sprintf(`
resource "flashback_repo_ai_apikey" "sealed" {
  repo_id           = "repo-1"
  name              = "sealed"
  ai_type           = "OPENAI"
  secret_recipients = [%s]
}

output "encrypted_secret" {
  value = flashback_repo_ai_apikey.sealed.encrypted_secret
}
`, strings.Join(quoted, ", ")), withProviderAttr("access_token", ""))
}

// With secret_recipients set, the secret Flashback issued is in no state
// file, no plan (`terraform show -json`), no output and no TRACE log, from
// the create to the destroy; `terraform output -raw` gives the age file, which
// the recipients decrypt to it. Changing the recipients warns, in the plan's
// output, that encrypted_secret cannot follow them, and leaves no diff.
func TestAccSecrets_encryptedSecretNotInStatePlanOrLogs(t *testing.T) {
	env := newEmulatorEnv(t, nil, nil)
	cli := newCLISession(t, env)
	x25519 := ageIdentity(t)
	edLine, edIdentity := sshEd25519Identity(t, "ops@example.com")

	cli.write(encryptedSecretConfig(env, x25519.Recipient().String(), edLine))
	cli.run("plan", "plan", "-out=create.tfplan")
	cli.run("show create plan", "show", "-json", "create.tfplan")
	cli.run("apply", "apply", "create.tfplan")
	live := env.emu.LiveKeys("")
	if len(live) != 1 {
		t.Fatalf("emulator holds %d keys, want 1", len(live))
	}
	issued := live[0]
	sealed := strings.TrimSpace(cli.run("output", "output", "-raw", "encrypted_secret")) + "\n"
	for name, id := range map[string]age.Identity{"age": x25519, "ssh-ed25519": edIdentity} {
		if got, err := openSealed(sealed, id); err != nil || got != issued.Secret {
			t.Errorf("the %s identity does not decrypt terraform output -raw encrypted_secret to the secret issued: %v", name, err)
		}
	}
	cli.run("refresh", "plan", "-detailed-exitcode")
	if attrs := stateAttributes(t, cli.path("terraform.tfstate"), issued.ID); attrs["secret"] != nil {
		t.Error("the state holds the secret in plain text, want null")
	}

	cli.write(encryptedSecretConfig(env, ageIdentity(t).Recipient().String()))
	changed := cli.run("plan changed recipients", "plan", "-out=changed.tfplan")
	for _, want := range []string{"Warning: encrypted_secret cannot follow secret_recipients", issued.ID,
		"change a value in keepers", "~ secret_recipients"} {
		if !strings.Contains(changed, want) {
			t.Errorf("the plan of changed recipients does not say %q:\n%s", want, changed)
		}
	}
	cli.run("show changed plan", "show", "-json", "changed.tfplan")
	cli.run("apply changed recipients", "apply", "changed.tfplan")
	cli.run("plan after the change", "plan", "-detailed-exitcode")
	if got, err := openSealed(strings.TrimSpace(cli.run("output again", "output", "-raw", "encrypted_secret"))+"\n", x25519); err != nil || got != issued.Secret {
		t.Errorf("after the change, the first recipient no longer decrypts encrypted_secret: %v", err)
	}
	cli.run("destroy", "destroy", "-auto-approve")

	cli.logsHold("created AI API key", "performing request")
	cli.neverShows(map[string]string{"the access token": env.token, "the secret issued": issued.Secret})
	for _, f := range []string{"terraform.tfstate", "terraform.tfstate.backup", "create.tfplan", "changed.tfplan"} {
		if b, err := os.ReadFile(cli.path(f)); err != nil {
			t.Errorf("%s: %v", f, err)
		} else if strings.Contains(string(b), issued.Secret) {
			t.Errorf("%s holds the secret issued", f)
		}
	}
}

// rotatingEncryptedConfig is a whole configuration of one rotating key whose
// secrets are encrypted for recipient, with outputs of both age files.
func rotatingEncryptedConfig(env *testEnv, rotation, recipient string) string {
	return `
terraform {
  required_providers {
    flashback = {
      source = "flashbacknetwork/flashback"
    }
  }
}
` + env.config(fmt.Sprintf(`
resource "flashback_repo_ai_apikey_rotating" "sealed" {
  repo_id           = "repo-1"
  name              = "sealed rotating"
  ai_type           = "OPENAI"
  overlap           = "1h"
  rotate_when       = { rotation = %q }
  secret_recipients = [%q]
}

output "encrypted_secret" {
  value = flashback_repo_ai_apikey_rotating.sealed.encrypted_secret
}

output "previous_encrypted_secret" {
  value = flashback_repo_ai_apikey_rotating.sealed.previous_encrypted_secret
}
`, rotation, recipient), withProviderAttr("access_token", ""))
}

// The rotating key with secret_recipients, through the real binary: neither
// key's secret is in a state file, a plan (`terraform show -json`), an
// output or a TRACE log, across a create and a rotation; the outputs give
// the age files, which decrypt to the secrets the server issued for the
// current and the previous key.
func TestAccSecrets_rotatingEncryptedSecretsNotInStatePlanOrLogs(t *testing.T) {
	env := newEmulatorEnv(t, nil, nil)
	cli := newCLISession(t, env)
	identity := ageIdentity(t)
	issued := map[string]string{}
	note := func() {
		for _, k := range env.emu.LiveKeys("") {
			issued[k.ID] = k.Secret
		}
	}
	opens := func(output, id string) {
		t.Helper()
		sealed := strings.TrimSpace(cli.run("output "+output, "output", "-raw", output)) + "\n"
		if got, err := openSealed(sealed, identity); err != nil || got != issued[id] {
			t.Errorf("terraform output -raw %s does not decrypt to the secret issued for key %s: %v", output, id, err)
		}
	}

	cli.write(rotatingEncryptedConfig(env, "1", identity.Recipient().String()))
	cli.run("plan", "plan", "-out=create.tfplan")
	cli.run("show create plan", "show", "-json", "create.tfplan")
	cli.run("apply", "apply", "create.tfplan")
	note()
	firstID := env.emu.LiveKeys("")[0].ID

	cli.write(rotatingEncryptedConfig(env, "2", identity.Recipient().String()))
	cli.run("plan rotation", "plan", "-out=rotate.tfplan")
	cli.run("show rotation plan", "show", "-json", "rotate.tfplan")
	cli.run("apply rotation", "apply", "rotate.tfplan")
	note()
	if len(issued) != 2 || len(env.emu.LiveKeys("")) != 2 {
		t.Fatalf("the emulator issued %d secrets and holds %d live keys, want 2 and 2", len(issued), len(env.emu.LiveKeys("")))
	}
	var current string
	for id := range issued {
		if id != firstID {
			current = id
		}
	}
	attrs := stateAttributes(t, cli.path("terraform.tfstate"), current)
	if attrs["previous_id"] != firstID || attrs["secret"] != nil || attrs["previous_secret"] != nil {
		t.Errorf("after the rotation the state holds previous_id %v, secret %v, previous_secret %v; want %v and null secrets",
			attrs["previous_id"], attrs["secret"] != nil, attrs["previous_secret"] != nil, firstID)
	}
	opens("encrypted_secret", current)
	opens("previous_encrypted_secret", firstID)
	cli.run("plan after the rotation", "plan", "-detailed-exitcode")
	cli.run("destroy", "destroy", "-auto-approve")

	cli.logsHold("created rotating AI API key", "rotated AI API key", "performing request")
	leaks := map[string]string{"the access token": env.token}
	for id, s := range issued {
		leaks["the secret of key "+id] = s
	}
	cli.neverShows(leaks)
	for _, f := range []string{"terraform.tfstate", "terraform.tfstate.backup", "create.tfplan", "rotate.tfplan"} {
		b, err := os.ReadFile(cli.path(f))
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		for id, s := range issued {
			if strings.Contains(string(b), s) {
				t.Errorf("%s holds the secret of key %s", f, id)
			}
		}
	}
}

// cliSession runs the provider binary built from this checkout through the
// Terraform CLI in a working directory of its own, as Terraform runs it for
// users, against env's emulator: every command at TF_LOG=TRACE, its output
// and its log kept for the checks.
type cliSession struct {
	t                         *testing.T
	ctx                       context.Context
	terraform, dir, cliConfig string
	token                     string
	outputs, logs             []string
}

func newCLISession(t *testing.T, env *testEnv) *cliSession {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 (make test does)")
	}
	terraformPath := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if terraformPath == "" {
		var err error
		if terraformPath, err = exec.LookPath("terraform"); err != nil {
			t.Fatal("TF_ACC is set but neither TF_ACC_TERRAFORM_PATH nor PATH gives a terraform CLI")
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	t.Cleanup(cancel)

	binDir, workDir := t.TempDir(), t.TempDir()
	moduleRoot, err := devcli.ModuleRoot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	build := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(binDir, "terraform-provider-flashback"), ".")
	build.Dir = moduleRoot
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the provider: %v\n%s", err, out)
	}
	cliConfig := filepath.Join(workDir, "cli.tfrc")
	if err := devcli.WriteCLIConfig(cliConfig, binDir, "flashbacknetwork/flashback"); err != nil {
		t.Fatal(err)
	}
	return &cliSession{t: t, ctx: ctx, terraform: terraformPath, dir: workDir, cliConfig: cliConfig, token: env.token}
}

func (c *cliSession) path(name string) string { return filepath.Join(c.dir, name) }

// write makes config the working directory's main.tf.
func (c *cliSession) write(config string) { writeFile(c.t, c.path("main.tf"), config) }

// run runs terraform with args and returns what it wrote to stdout; the test
// stops when it fails.
func (c *cliSession) run(step string, args ...string) string {
	c.t.Helper()
	logPath := c.path(strings.ReplaceAll(step, " ", "-") + ".log")
	// Options go before a plan file's name, and only some commands take -input.
	flags := []string{args[0], "-no-color"}
	if args[0] != "show" && args[0] != "output" {
		flags = append(flags, "-input=false")
	}
	cmd := exec.CommandContext(c.ctx, c.terraform, append(flags, args[1:]...)...)
	cmd.Dir = c.dir
	cmd.Env = append(withoutEnv(os.Environ(), "TF_", "FLASHBACK_", "CHECKPOINT_"),
		"TF_CLI_CONFIG_FILE="+c.cliConfig,
		"TF_LOG=TRACE",
		"TF_LOG_PATH="+logPath,
		"TF_IN_AUTOMATION=1",
		"CHECKPOINT_DISABLE=1",
		"FLASHBACK_ACCESS_TOKEN="+c.token,
	)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	c.outputs = append(c.outputs, step+" stdout:\n"+stdout.String(), step+" stderr:\n"+stderr.String())
	logged, readErr := os.ReadFile(logPath)
	if readErr != nil {
		c.t.Fatalf("%s wrote no log: %v", step, readErr)
	}
	c.logs = append(c.logs, string(logged))
	if err != nil {
		c.t.Fatalf("terraform %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// logsHold fails unless the logs hold each message: finding nothing in a log
// proves nothing unless the provider's own log is in it.
func (c *cliSession) logsHold(messages ...string) {
	c.t.Helper()
	all := strings.Join(c.logs, "\n")
	for _, want := range messages {
		if !strings.Contains(all, want) {
			c.t.Errorf("the TRACE logs lack %q", want)
		}
	}
}

// neverShows fails when any of the values, by what they are, appears in a
// log or in Terraform's output.
func (c *cliSession) neverShows(values map[string]string) {
	c.t.Helper()
	for what, value := range values {
		for i, l := range c.logs {
			if strings.Contains(l, value) {
				c.t.Errorf("%s appears in TRACE log %d", what, i)
			}
		}
		for _, o := range c.outputs {
			if strings.Contains(o, value) {
				c.t.Errorf("%s appears in Terraform's output: %s", what, strings.SplitN(o, "\n", 2)[0])
			}
		}
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// withoutEnv drops the variables with the given prefixes, so the developer's
// own Terraform and Flashback settings cannot change what the test runs.
func withoutEnv(environ []string, prefixes ...string) []string {
	var out []string
	for _, kv := range environ {
		keep := true
		for _, p := range prefixes {
			if strings.HasPrefix(kv, p) {
				keep = false
			}
		}
		if keep {
			out = append(out, kv)
		}
	}
	return out
}

// stateSecrets reads the secrets a state file holds, by key id.
func stateSecrets(t *testing.T, path string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var state struct {
		Resources []struct {
			Type      string `json:"type"`
			Instances []struct {
				Attributes struct {
					ID     string `json:"id"`
					Secret string `json:"secret"`
				} `json:"attributes"`
			} `json:"instances"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(data, &state); err != nil {
		t.Fatal(err)
	}
	secrets := map[string]string{}
	for _, r := range state.Resources {
		if r.Type != "flashback_repo_ai_apikey" {
			continue
		}
		for _, i := range r.Instances {
			if i.Attributes.Secret == "" {
				t.Errorf("key %s has no secret in the state", i.Attributes.ID)
			}
			secrets[i.Attributes.ID] = i.Attributes.Secret
		}
	}
	return secrets
}

// stateAttributes reads the attributes of the key with the given id from a
// state file.
func stateAttributes(t *testing.T, path, id string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var state struct {
		Resources []struct {
			Instances []struct {
				Attributes map[string]any `json:"attributes"`
			} `json:"instances"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(data, &state); err != nil {
		t.Fatal(err)
	}
	for _, r := range state.Resources {
		for _, i := range r.Instances {
			if i.Attributes["id"] == id {
				return i.Attributes
			}
		}
	}
	t.Fatalf("%s holds no key %s", path, id)
	return nil
}
