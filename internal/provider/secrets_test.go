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
	"strings"
	"testing"
	"time"

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
	defer cancel()

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

	env := newEmulatorEnv(t, nil, nil)
	emu := env.emu
	// Retries, and the recovery after lost create answers, log the most: a's
	// create is throttled, then its answer is lost, then its retry's too.
	emu.InjectFault(emulator.Fault{Method: http.MethodGet, Op: emulator.OpList, Status: http.StatusServiceUnavailable, RetryAfter: "0", Count: 2})
	emu.InjectFault(emulator.Fault{Method: http.MethodPost, Op: emulator.OpCreate, Status: http.StatusTooManyRequests, RetryAfter: "0", Count: 1})
	emu.InjectFault(emulator.Fault{Method: http.MethodPost, Op: emulator.OpCreate, Drop: true, AfterAct: true, Count: 2})

	cliConfig := filepath.Join(workDir, "cli.tfrc")
	if err := devcli.WriteCLIConfig(cliConfig, binDir, "flashbacknetwork/flashback"); err != nil {
		t.Fatal(err)
	}

	var outputs []string
	var logs []string
	run := func(step string, args ...string) {
		t.Helper()
		logPath := filepath.Join(workDir, step+".log")
		cmd := exec.CommandContext(ctx, terraformPath, append(args, "-no-color", "-input=false")...)
		cmd.Dir = workDir
		cmd.Env = append(withoutEnv(os.Environ(), "TF_", "FLASHBACK_", "CHECKPOINT_"),
			"TF_CLI_CONFIG_FILE="+cliConfig,
			"TF_LOG=TRACE",
			"TF_LOG_PATH="+logPath,
			"TF_IN_AUTOMATION=1",
			"CHECKPOINT_DISABLE=1",
			"FLASHBACK_ACCESS_TOKEN="+env.token,
		)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		outputs = append(outputs, step+" stdout:\n"+stdout.String(), step+" stderr:\n"+stderr.String())
		logged, readErr := os.ReadFile(logPath)
		if readErr != nil {
			t.Fatalf("%s wrote no log: %v", step, readErr)
		}
		logs = append(logs, string(logged))
		if err != nil {
			t.Fatalf("terraform %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
		}
	}

	writeFile(t, filepath.Join(workDir, "main.tf"), secretsConfig(env, "secret keeper"))
	run("apply", "apply", "-auto-approve")
	secrets := stateSecrets(t, filepath.Join(workDir, "terraform.tfstate"))
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

	run("plan", "plan", "-detailed-exitcode")
	writeFile(t, filepath.Join(workDir, "main.tf"), secretsConfig(env, "secret keeper, renamed"))
	run("rename", "apply", "-auto-approve")
	if renamed := stateSecrets(t, filepath.Join(workDir, "terraform.tfstate")); len(renamed) != 2 || renamed[live[0].ID] != live[0].Secret {
		t.Error("the rename lost or changed a secret in the state")
	}
	run("destroy", "destroy", "-auto-approve")
	if n := len(emu.LiveKeys("")); n != 1 {
		t.Errorf("emulator holds %d live keys after destroy, want 1: a's first attempt's", n)
	}

	all := strings.Join(logs, "\n")
	// The provider's own log and go-retryablehttp's must be in the file, or
	// finding nothing in it proves nothing.
	for _, want := range []string{"created AI API key", "performing request", "retrying request", "create outcome unknown", "deleted what a repeated create left under its temporary name"} {
		if !strings.Contains(all, want) {
			t.Errorf("the TRACE logs lack %q", want)
		}
	}
	leaks := map[string]string{"the access token": env.token}
	for id, s := range secrets {
		leaks["the secret of key "+id] = s
	}
	for what, value := range leaks {
		for i, l := range logs {
			if strings.Contains(l, value) {
				t.Errorf("%s appears in TRACE log %d", what, i)
			}
		}
		for _, o := range outputs {
			if strings.Contains(o, value) {
				t.Errorf("%s appears in Terraform's output: %s", what, strings.SplitN(o, "\n", 2)[0])
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
