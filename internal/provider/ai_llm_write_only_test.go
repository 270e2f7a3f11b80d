package provider

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/devcli"
	"github.com/flashbacknetwork/terraform-provider-flashback/internal/emulator"
)

// writeOnlyCLIs is the version check of every test that sets secret_wo:
// write-only attributes need Terraform 1.11 or OpenTofu 1.11, and the test
// says it was skipped on older ones rather than passing.
var writeOnlyCLIs = []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)}

// secret_wo is sent on create and when secret_wo_version changes, never
// otherwise (not even with another change), and is in neither state nor plan; moving between secret and
// secret_wo sends the secret once, in place.
func TestAccAILLM_secretWriteOnly(t *testing.T) {
	env := newLLMTestEnv(t)
	env.emulator(t) // only the emulator shows which secret it holds
	one := env.llm("write-only")
	one.secret, one.secretWO, one.version = "", "sk-wo-one", 1
	unbumped := one
	unbumped.secretWO = "sk-wo-two"
	bumped := unbumped
	bumped.version = 2
	renamed := bumped
	renamed.name, renamed.secretWO = "write-only-renamed", "sk-wo-not-sent"
	plain := renamed
	plain.secretWO, plain.version, plain.secret = "", 0, "sk-plain"
	back := plain
	back.secret, back.secretWO, back.version = "", "sk-wo-three", 1

	writeOnlyKept := func(version int64) []statecheck.StateCheck {
		return []statecheck.StateCheck{
			statecheck.ExpectKnownValue(testLLMAddr, pathSecretWO, knownvalue.Null()),
			statecheck.ExpectKnownValue(testLLMAddr, pathLLMSecret, knownvalue.Null()),
			statecheck.ExpectKnownValue(testLLMAddr, pathSecretWOVersion, knownvalue.Int64Exact(version)),
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   writeOnlyCLIs,
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkLLMsDestroyed,
		Steps: []resource.TestStep{
			env.llmStep(one, plancheck.ResourceActionCreate, "sk-wo-one", nil, writeOnlyKept(1)...),
			// A new secret_wo without a new version: nothing to do, nothing sent.
			env.llmStep(unbumped, plancheck.ResourceActionNoop, "sk-wo-one", nil, writeOnlyKept(1)...),
			env.llmStep(bumped, plancheck.ResourceActionUpdate, "sk-wo-two", [][]string{{"secret"}}, writeOnlyKept(2)...),
			// Another change, the version kept: the secret is not sent with it.
			env.llmStep(renamed, plancheck.ResourceActionUpdate, "sk-wo-two", [][]string{{"name"}}, writeOnlyKept(2)...),
			env.llmStep(plain, plancheck.ResourceActionUpdate, "sk-plain", [][]string{{"secret"}},
				statecheck.ExpectKnownValue(testLLMAddr, pathLLMSecret, knownvalue.StringExact("sk-plain")),
				statecheck.ExpectKnownValue(testLLMAddr, pathSecretWOVersion, knownvalue.Null())),
			env.llmStep(back, plancheck.ResourceActionUpdate, "sk-wo-three", [][]string{{"secret"}}, writeOnlyKept(1)...),
		},
	})
}

func TestAccAILLM_secretWriteOnlyValidation(t *testing.T) {
	env := newLLMTestEnv(t)
	both := env.llm("both")
	both.secretWO, both.version = "sk-wo", 1
	unversioned := env.llm("unversioned")
	unversioned.secret, unversioned.secretWO = "", "sk-wo"
	cases := []planErrorCase{
		{"bothSecrets", both.hcl(), regexp.MustCompile(`(?s)Invalid Attribute Combination.*` +
			`Exactly one of these attributes must be configured:\s+\[secret_wo,secret\]`)},
		{"writeOnlyWithoutVersion", unversioned.hcl(),
			regexp.MustCompile(`(?s)Attribute "secret_wo_version" must be specified when "secret_wo" is specified`)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resource.ParallelTest(t, resource.TestCase{
				TerraformVersionChecks:   writeOnlyCLIs,
				ProtoV6ProviderFactories: env.factories(),
				Steps:                    []resource.TestStep{{Config: env.config(tc.config), PlanOnly: true, ExpectError: tc.want}},
			})
		})
	}
}

// writeOnlyConfig is a whole configuration whose secret comes from an
// ephemeral variable through secret_wo, as the documentation shows it.
func writeOnlyConfig(baseURL, workspaceID string) string {
	return fmt.Sprintf(`
terraform {
  required_providers {
    flashback = {
      source = "flashbacknetwork/flashback"
    }
  }
}

provider "flashback" {
  base_url = %[1]q
}

variable "llm_secret" {
  type      = string
  ephemeral = true
}

variable "llm_secret_version" {
  type = number
}

resource "flashback_ai_llm" "openai" {
  workspace_id      = %[2]q
  name              = "write-only"
  ai_type           = "OPENAI"
  endpoint          = "https://api.openai.com/v1"
  secret_wo         = var.llm_secret
  secret_wo_version = var.llm_secret_version
}
`, baseURL, workspaceID)
}

// The secret given through secret_wo reaches Flashback and nothing else: not
// the state file, not a saved plan (neither the file nor terraform show
// -json of it), not Terraform's output, not the TRACE log that holds the
// provider's own. Changing secret_wo_version sends the new secret; changing
// the secret alone sends nothing. It runs the real provider binary, as
// Terraform runs it for users.
func TestAccAILLM_secretWriteOnlyNotInFiles(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 (make test does)")
	}
	cli := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if cli == "" {
		t.Fatal("TF_ACC is set but TF_ACC_TERRAFORM_PATH is not")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if v, major, minor := cliVersion(ctx, t, cli); major < 1 || (major == 1 && minor < 11) {
		t.Skipf("%s is version %s: write-only attributes need Terraform or OpenTofu 1.11 or later", cli, v)
	}

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

	env := newLLMEmulatorEnv(t, nil)
	emu := env.emu
	// Retries log the most: every request of the create and of the update is
	// made to repeat once.
	emu.InjectFault(emulator.Fault{Op: emulator.OpLLMCreate, Status: http.StatusTooManyRequests, RetryAfter: "0", Count: 1})
	emu.InjectFault(emulator.Fault{Op: emulator.OpLLMUpdate, Status: http.StatusServiceUnavailable, RetryAfter: "0", Count: 1})
	emu.InjectFault(emulator.Fault{Op: emulator.OpLLMList, Status: http.StatusBadGateway, Count: 1})
	writeFile(t, filepath.Join(workDir, "main.tf"), writeOnlyConfig(env.baseURL, env.workspace))

	const first, second = "sk-wo-first-0123456789abcdef", "sk-wo-second-fedcba9876543210"
	var outputs, logs []string
	run := func(step, secret string, secretVersion int, args ...string) string {
		t.Helper()
		logPath := filepath.Join(workDir, step+".log")
		cmd := exec.CommandContext(ctx, cli, append(args, "-no-color")...)
		cmd.Dir = workDir
		cmd.Env = append(withoutEnv(os.Environ(), "TF_", "FLASHBACK_", "CHECKPOINT_"),
			"TF_CLI_CONFIG_FILE="+cliConfig,
			"TF_LOG=TRACE",
			"TF_LOG_PATH="+logPath,
			"TF_IN_AUTOMATION=1",
			"CHECKPOINT_DISABLE=1",
			"FLASHBACK_ACCESS_TOKEN="+env.token,
			"TF_VAR_llm_secret="+secret,
			fmt.Sprintf("TF_VAR_llm_secret_version=%d", secretVersion),
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
			t.Fatalf("%s %s: %v\nstdout:\n%s\nstderr:\n%s", cli, strings.Join(args, " "), err, stdout.String(), stderr.String())
		}
		return stdout.String()
	}
	serverSecret := func() string {
		t.Helper()
		l := emu.LLMs(env.workspace)
		if len(l) != 1 {
			t.Fatalf("the server holds %d configurations, want 1", len(l))
		}
		return l[0].Secret
	}

	// A saved plan, applied: the way CI runs Terraform.
	run("plan", first, 1, "plan", "-input=false", "-out=tfplan")
	planJSON := run("show", first, 1, "show", "-json", "tfplan")
	if !strings.Contains(planJSON, `"secret_wo_version":1`) {
		t.Error("terraform show -json of the plan does not show the configuration: finding no secret in it proves nothing")
	}
	planFile := readZipEntries(t, filepath.Join(workDir, "tfplan"))
	run("apply", first, 1, "apply", "-input=false", "tfplan")
	if got := serverSecret(); got != first {
		t.Error("the secret given through secret_wo did not reach the server")
	}
	stateAfterApply, err := os.ReadFile(filepath.Join(workDir, "terraform.tfstate"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(stateAfterApply), `"secret_wo_version": 1`) {
		t.Error("the state does not hold the configuration: finding no secret in it proves nothing")
	}

	// A new secret without a new version: no change, nothing sent.
	run("unbumped", second, 1, "plan", "-input=false", "-detailed-exitcode")
	run("unbumped-apply", second, 1, "apply", "-input=false", "-auto-approve")
	if n := emu.Requests(http.MethodPut, emulator.OpLLMUpdate); n != 0 || serverSecret() != first {
		t.Errorf("a new secret_wo without a new version sent %d updates: it must send nothing", n)
	}

	// The new version sends the new secret.
	run("bumped", second, 2, "apply", "-input=false", "-auto-approve")
	if got := serverSecret(); got != second {
		t.Error("changing secret_wo_version did not send the new secret")
	}
	state, err := os.ReadFile(filepath.Join(workDir, "terraform.tfstate"))
	if err != nil {
		t.Fatal(err)
	}
	run("destroy", second, 2, "destroy", "-input=false", "-auto-approve")
	if n := len(emu.LLMs("")); n != 0 {
		t.Errorf("the server holds %d configurations after destroy, want 0", n)
	}

	all := strings.Join(logs, "\n")
	// The provider's own log and go-retryablehttp's must be in the files, or
	// finding nothing in them proves nothing.
	for _, want := range []string{"created AI LLM configuration", "updated AI LLM configuration", "performing request", "retrying request"} {
		if !strings.Contains(all, want) {
			t.Errorf("the TRACE logs lack %q", want)
		}
	}
	places := map[string]string{
		"the state after the apply":         string(stateAfterApply),
		"the state after the rotation":      string(state),
		"terraform show -json of the plan":  planJSON,
		"the saved plan file":               planFile,
		"Terraform's output and TRACE logs": strings.Join(outputs, "\n") + all,
	}
	for what, secret := range map[string]string{"the first secret": first, "the second secret": second, "the access token": env.token} {
		for where, text := range places {
			if strings.Contains(text, secret) {
				t.Errorf("%s appears in %s", what, where)
			}
		}
	}
}

// cliVersion is the version of the Terraform or OpenTofu CLI at path, whole
// and as its major and minor numbers.
func cliVersion(ctx context.Context, t *testing.T, path string) (v string, major, minor int) {
	t.Helper()
	cmd := exec.CommandContext(ctx, path, "version", "-json")
	cmd.Env = append(os.Environ(), "CHECKPOINT_DISABLE=1")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s version -json: %v", path, err)
	}
	var parsed struct {
		Version string `json:"terraform_version"`
	}
	if err := json.Unmarshal(out, &parsed); err != nil {
		t.Fatalf("%s version -json: %v", path, err)
	}
	if _, err := fmt.Sscanf(parsed.Version, "%d.%d", &major, &minor); err != nil {
		t.Fatalf("%s version -json gives %q: %v", path, parsed.Version, err)
	}
	return parsed.Version, major, minor
}

// readZipEntries returns the uncompressed content of every file of the zip
// archive at path: a saved plan is one, and a secret inside it would be
// compressed.
func readZipEntries(t *testing.T, path string) string {
	t.Helper()
	r, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var all strings.Builder
	for _, f := range r.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		all.Write(b)
	}
	if all.Len() == 0 {
		t.Fatal("the saved plan holds nothing")
	}
	return all.String()
}
