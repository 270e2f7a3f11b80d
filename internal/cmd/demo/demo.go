package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/devcli"
	"github.com/flashbacknetwork/terraform-provider-flashback/internal/emulator"
)

const (
	// The quickstart's provider source; devcli overrides it for Terraform and
	// OpenTofu alike.
	providerSource = "flashbacknetwork/flashback"
	exampleDir     = "examples/quickstart"
	// The resource address the quickstart declares its keys under.
	resourceAddress = "flashback_repo_ai_apikey.demo"

	// renamedLabel is the quickstart key that the second apply renames.
	renamedLabel = "chat"
	renamedName  = "quickstart-chat-renamed"
	renameFile   = "rename.tfvars.json"

	// The workspace and repository the quickstart creates: its variables'
	// defaults.
	workspaceName = "Quickstart"
	repoName      = "quickstart-gateway"

	// openAIKey stands in for the upstream OpenAI API key the quickstart's LLM
	// connection sends to Flashback. The emulator never calls out; a real
	// key would come from a secret store, never from a file.
	openAIKey = "sk-demo-not-a-real-openai-key"
)

// options are what one run of the demo needs: main fills them from its flags,
// the test with a temporary directory.
type options struct {
	terraform string
	// dir holds everything the demo writes; it persists between runs.
	dir string
	// root is the module root, with main.go and examples/; "" finds it with
	// `go env GOMOD`, so that the demo runs from anywhere in the module.
	root string
	// token is the access token the emulator accepts; "" picks a random one.
	// It is handed to Terraform through the environment and never printed.
	token string
	out   io.Writer
}

// paths are where the demo keeps its files, all absolute.
type paths struct {
	root, dir, bin, cliConfig, dataFile, work string
}

// demoKey is one key of the quickstart's "keys" output: no secret.
type demoKey struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	AIType    string `json:"ai_type"`
	Key       string `json:"key"`
	CreatedAt string `json:"created_at"`
}

type demo struct {
	opts  options
	paths paths
	// env is the environment Terraform runs with: the CLI configuration with
	// dev_overrides and the emulator's address and token.
	env []string
	// writeOnly is whether the CLI takes write-only attributes (Terraform and
	// OpenTofu 1.11 and later): the quickstart then keeps the upstream secret
	// out of the state.
	writeOnly bool
}

func run(ctx context.Context, o options) error {
	d, err := newDemo(ctx, o)
	if err != nil {
		return err
	}
	if err := d.buildProvider(ctx); err != nil {
		return err
	}
	if err := d.writeCLIConfig(); err != nil {
		return err
	}
	baseURL, stopEmulator, err := d.startEmulator()
	if err != nil {
		return err
	}
	defer stopEmulator()
	d.env = d.terraformEnv(baseURL)
	if d.writeOnly, err = d.cliTakesWriteOnly(ctx); err != nil {
		return err
	}
	if err := d.prepareWorkDir(); err != nil {
		return err
	}

	before, err := d.applyBaseNames(ctx)
	if err != nil {
		return err
	}
	if err := d.renameOneKey(ctx, before); err != nil {
		return err
	}
	d.printWhereThingsLive()
	return nil
}

// cliTakesWriteOnly reports whether the Terraform CLI is 1.11 or later, the
// first to take write-only attributes. Terraform and OpenTofu both print
// "terraform_version" in `version -json`.
func (d *demo) cliTakesWriteOnly(ctx context.Context) (bool, error) {
	cmd := exec.CommandContext(ctx, d.opts.terraform, "version", "-json")
	cmd.Env = d.env
	cmd.Stderr = d.opts.out
	out, err := cmd.Output()
	if err != nil {
		return false, fmt.Errorf("`%s version -json` failed: %w", d.opts.terraform, err)
	}
	var v struct {
		Version string `json:"terraform_version"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		return false, fmt.Errorf("parse `terraform version -json`: %w", err)
	}
	var major, minor int
	if _, err := fmt.Sscanf(v.Version, "%d.%d", &major, &minor); err != nil {
		return false, fmt.Errorf("parse the Terraform version %q: %w", v.Version, err)
	}
	writeOnly := major > 1 || (major == 1 && minor >= 11)
	if !writeOnly {
		d.say("Terraform %s predates write-only attributes (1.11): the quickstart keeps the OpenAI key in the state, as `secret`.", v.Version)
	}
	return writeOnly, nil
}

// applyBaseNames applies the quickstart as it is, whatever that takes: a
// first run creates the keys, a later one renames back the key that the run
// before renamed. It returns the keys as they then are.
func (d *demo) applyBaseNames(ctx context.Context) (map[string]demoKey, error) {
	d.header("Step 1/2: apply " + exampleDir + " (the first run creates the whole gateway in an empty organization: a workspace, " +
		"an OpenAI connection, a repository that serves it, two policies and 3 keys; a later run renames the " + renamedLabel + " key back)")
	if _, err := d.apply(ctx); err != nil {
		return nil, err
	}
	if err := d.printGateway(ctx); err != nil {
		return nil, err
	}
	keys, err := d.keys(ctx)
	if err != nil {
		return nil, err
	}
	d.printKeys(keys)
	return keys, nil
}

// renameOneKey renames one key and fails unless Terraform updated exactly that
// key in place.
func (d *demo) renameOneKey(ctx context.Context, before map[string]demoKey) error {
	d.header(fmt.Sprintf("Step 2/2: rename the %s key to %q: one in-place update, same key, same secret", renamedLabel, renamedName))
	out, err := d.apply(ctx, "-var-file="+filepath.Join(d.paths.work, renameFile))
	if err != nil {
		return err
	}
	if err := checkOneInPlaceChange(out); err != nil {
		return err
	}
	after, err := d.keys(ctx)
	if err != nil {
		return err
	}
	if err := checkRenamed(before, after); err != nil {
		return err
	}
	d.printKeys(after)
	d.say("Verified: the plan was exactly %q and key %s kept its id.", wantPlan, after[renamedLabel].ID)
	return nil
}

func newDemo(ctx context.Context, o options) (*demo, error) {
	if o.out == nil {
		o.out = io.Discard
	}
	o.out = &lockedWriter{w: o.out}
	tf, err := exec.LookPath(o.terraform)
	if err != nil {
		return nil, fmt.Errorf("find the Terraform CLI %q: %w; pass -terraform with its path, or run `make demo`, which builds one", o.terraform, err)
	}
	o.terraform = tf
	if o.token == "" {
		if o.token, err = randomToken(); err != nil {
			return nil, err
		}
	}
	if o.root == "" {
		if o.root, err = devcli.ModuleRoot(ctx); err != nil {
			return nil, err
		}
	}
	dir, err := filepath.Abs(o.dir)
	if err != nil {
		return nil, fmt.Errorf("resolve the demo directory %q: %w", o.dir, err)
	}
	return &demo{
		opts: o,
		paths: paths{
			root:      o.root,
			dir:       dir,
			bin:       filepath.Join(dir, "bin"),
			cliConfig: filepath.Join(dir, "cli.tfrc"),
			dataFile:  filepath.Join(dir, "emulator.json"),
			work:      filepath.Join(dir, "work"),
		},
	}, nil
}

// lockedWriter lets Terraform's stdout and stderr, copied by two goroutines,
// share one writer: a bytes.Buffer written by both would lose output.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func randomToken() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate the emulator's access token: %w", err)
	}
	return "demo_" + hex.EncodeToString(b), nil
}

func (d *demo) buildProvider(ctx context.Context) error {
	d.header("Building the provider into " + d.paths.bin)
	name := "terraform-provider-flashback"
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	if err := os.MkdirAll(d.paths.bin, 0o755); err != nil {
		return fmt.Errorf("create the demo directory: %w", err)
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(d.paths.bin, name), ".")
	cmd.Dir = d.paths.root
	cmd.Stdout, cmd.Stderr = d.opts.out, d.opts.out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("build the provider in %s: %w; fix the build errors above and run the demo again", d.paths.root, err)
	}
	return nil
}

// writeCLIConfig points Terraform at the provider just built, so that nothing
// is ever looked up in a registry.
func (d *demo) writeCLIConfig() error {
	return devcli.WriteCLIConfig(d.paths.cliConfig, d.paths.bin, providerSource)
}

// startEmulator serves the emulator on a free loopback port. It starts with
// the organization alone, as `flashback-emulator -empty` does: the quickstart
// creates everything else. What it holds persists in the data file, so a later
// run finds what the state refers to.
func (d *demo) startEmulator() (baseURL string, stop func(), err error) {
	emu, err := emulator.New(emulator.Options{
		Token:    d.opts.token,
		DataFile: d.paths.dataFile,
	})
	if err != nil {
		return "", nil, fmt.Errorf("start the Flashback emulator: %w; delete %s (and %s) to start afresh", err, d.paths.dataFile, d.paths.work)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("listen on a loopback port for the Flashback emulator: %w", err)
	}
	srv := &http.Server{Handler: emu, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	stop = func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}
	baseURL = "http://" + ln.Addr().String()
	held := "an empty organization: no workspace, repository or LLM connection yet"
	if ws := emu.Workspaces(); len(ws) > 0 {
		held = fmt.Sprintf("what the previous run left (%d workspace(s), %d repository(ies))", len(ws), len(emu.Repos("")))
	}
	d.say("Flashback emulator serving %s at %s; what it holds is kept in %s", held, baseURL, d.paths.dataFile)
	return baseURL, stop, nil
}

func (d *demo) terraformEnv(baseURL string) []string {
	// exec uses the last value of a repeated variable, so these win over the
	// caller's environment.
	return append(os.Environ(),
		"TF_CLI_CONFIG_FILE="+d.paths.cliConfig,
		"CHECKPOINT_DISABLE=1",
		"TF_IN_AUTOMATION=1",
		"FLASHBACK_BASE_URL="+baseURL,
		"FLASHBACK_ACCESS_TOKEN="+d.opts.token,
		// A variable from the environment stays out of every file the demo
		// writes.
		"TF_VAR_openai_api_key="+openAIKey,
	)
}

// prepareWorkDir copies the quickstart's .tf files into the working directory,
// next to the state, replacing the copies of an earlier run so that edits to
// the example take effect.
func (d *demo) prepareWorkDir() error {
	if err := os.MkdirAll(d.paths.work, 0o755); err != nil {
		return fmt.Errorf("create the working directory: %w", err)
	}
	stale, err := filepath.Glob(filepath.Join(d.paths.work, "*.tf"))
	if err != nil {
		return err
	}
	for _, f := range stale {
		if err := os.Remove(f); err != nil {
			return fmt.Errorf("remove the previous copy of the example: %w", err)
		}
	}
	sources, err := filepath.Glob(filepath.Join(d.paths.root, exampleDir, "*.tf"))
	if err != nil {
		return err
	}
	if len(sources) == 0 {
		return fmt.Errorf("no .tf files in %s: the demo applies that example", filepath.Join(d.paths.root, exampleDir))
	}
	for _, src := range sources {
		data, err := os.ReadFile(src)
		if err != nil {
			return fmt.Errorf("read the example: %w", err)
		}
		if err := os.WriteFile(filepath.Join(d.paths.work, filepath.Base(src)), data, 0o644); err != nil {
			return fmt.Errorf("copy the example: %w", err)
		}
	}
	// terraform.tfvars.json is loaded by every command, so that the hints
	// printed at the end work without -var flags.
	if err := writeJSON(filepath.Join(d.paths.work, "terraform.tfvars.json"), map[string]any{"write_only": d.writeOnly}); err != nil {
		return err
	}
	return writeJSON(filepath.Join(d.paths.work, renameFile), map[string]any{"renames": map[string]string{renamedLabel: renamedName}})
}

func writeJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	return nil
}

// apply runs terraform apply, streaming its output to the user, and returns
// that output for checking.
func (d *demo) apply(ctx context.Context, extraArgs ...string) (string, error) {
	args := append([]string{"apply", "-auto-approve", "-input=false", "-no-color"}, extraArgs...)
	var captured bytes.Buffer
	if err := d.terraformCmd(ctx, io.MultiWriter(d.opts.out, &captured), args...); err != nil {
		return "", err
	}
	return captured.String(), nil
}

// printGateway prints the quickstart's "gateway" output: the IDs of what it
// created around the keys, never a secret. It fails unless the repository
// serves the LLM connection the quickstart created.
func (d *demo) printGateway(ctx context.Context) error {
	var out bytes.Buffer
	if err := d.terraformCmd(ctx, &out, "output", "-json", "gateway"); err != nil {
		return err
	}
	var gateway struct {
		WorkspaceID  string   `json:"workspace_id"`
		RepoID       string   `json:"repo_id"`
		RepoName     string   `json:"repo_name"`
		RepoLLMIDs   []string `json:"repo_llm_ids"`
		LLMID        string   `json:"llm_id"`
		OrgPolicyID  string   `json:"org_policy_id"`
		RepoPolicyID string   `json:"repo_policy_id"`
	}
	if err := json.Unmarshal(out.Bytes(), &gateway); err != nil {
		return fmt.Errorf("parse `terraform output -json gateway`: %w", err)
	}
	if err := checkServes(gateway.RepoLLMIDs, gateway.LLMID); err != nil {
		return fmt.Errorf("repository %s (%s): %w", gateway.RepoName, gateway.RepoID, err)
	}
	fmt.Fprintln(d.opts.out)
	tw := tabwriter.NewWriter(d.opts.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "WHAT\tADDRESS\tID")
	fmt.Fprintf(tw, "workspace %q\tflashback_workspace.this\t%s\n", workspaceName, gateway.WorkspaceID)
	fmt.Fprintf(tw, "LLM connection (OpenAI)\tflashback_ai_llm.openai\t%s\n", gateway.LLMID)
	fmt.Fprintf(tw, "repository %q\tflashback_repo.this\t%s\n", gateway.RepoName, gateway.RepoID)
	fmt.Fprintf(tw, "  serves (ai_llm_ids)\t\t%s\n", strings.Join(gateway.RepoLLMIDs, ", "))
	fmt.Fprintf(tw, "policy, organization-wide\tflashback_ai_policy.no_personal_data\t%s\n", gateway.OrgPolicyID)
	fmt.Fprintf(tw, "policy, this repository\tflashback_ai_policy.repo_alerts\t%s\n", gateway.RepoPolicyID)
	_ = tw.Flush()
	secretWhere := "sent as secret_wo: it is in neither the state nor the plan"
	if !d.writeOnly {
		secretWhere = "kept in the state as secret (this CLI predates write-only attributes)"
	}
	d.say("(the OpenAI key of the LLM connection was %s)", secretWhere)
	d.say("Verified: the repository serves the LLM connection this apply created, with no step in the console.")
	return nil
}

// checkServes fails unless a repository's ai_llm_ids are exactly the one LLM
// connection the quickstart created.
func checkServes(repoLLMIDs []string, llmID string) error {
	if llmID == "" || len(repoLLMIDs) != 1 || repoLLMIDs[0] != llmID {
		return fmt.Errorf("serves the LLM connections %q, want exactly the one the quickstart created (%q)", repoLLMIDs, llmID)
	}
	return nil
}

// keys reads the quickstart's "keys" output, which holds no secret: the demo
// never even reads one.
func (d *demo) keys(ctx context.Context) (map[string]demoKey, error) {
	var out bytes.Buffer
	if err := d.terraformCmd(ctx, &out, "output", "-json", "keys"); err != nil {
		return nil, err
	}
	var keys map[string]demoKey
	if err := json.Unmarshal(out.Bytes(), &keys); err != nil {
		return nil, fmt.Errorf("parse `terraform output -json keys`: %w", err)
	}
	return keys, nil
}

// terraformCmd runs one Terraform command in the working directory. Terraform
// is not killed when ctx ends: a Ctrl-C reaches it from the terminal and it
// stops gracefully, while killing it could leave its state half written.
func (d *demo) terraformCmd(ctx context.Context, out io.Writer, args ...string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("demo interrupted before `terraform %s`: %w", args[0], err)
	}
	cmd := exec.Command(d.opts.terraform, append([]string{"-chdir=" + d.paths.work}, args...)...)
	cmd.Env = d.env
	cmd.Stdout = out
	// Errors go to the user, never into the output parsed as JSON.
	cmd.Stderr = d.opts.out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("`terraform %s` failed: %w; see its output above", strings.Join(args, " "), err)
	}
	return nil
}

// wantPlan is the only plan a rename may have: an update in place, never a
// replacement, which would create a new key with a new secret.
const wantPlan = "Plan: 0 to add, 1 to change, 0 to destroy."

var planLine = regexp.MustCompile(`(?m)^Plan: .*$|^No changes\..*$`)

func checkOneInPlaceChange(output string) error {
	plans := planLine.FindAllString(output, -1)
	if len(plans) != 1 || strings.TrimSpace(plans[0]) != wantPlan {
		return fmt.Errorf("renaming a key must plan exactly %q, but Terraform planned %q: the rename is not in place", wantPlan, plans)
	}
	if !strings.Contains(output, "Apply complete! Resources: 0 added, 1 changed, 0 destroyed.") {
		return errors.New("the rename was planned as one in-place update, but Terraform did not report applying exactly that")
	}
	return nil
}

// checkRenamed proves that the rename changed one key's name and nothing else.
func checkRenamed(before, after map[string]demoKey) error {
	if len(before) != len(after) {
		return fmt.Errorf("the rename changed the number of keys from %d to %d", len(before), len(after))
	}
	for label, b := range before {
		a, ok := after[label]
		if !ok {
			return fmt.Errorf("key %q disappeared in the rename", label)
		}
		want := b
		if label == renamedLabel {
			want.Name = renamedName
		}
		// created_at is null right after a create; the rename's refresh
		// fills it in.
		if b.CreatedAt == "" {
			want.CreatedAt = a.CreatedAt
		}
		if a != want {
			return fmt.Errorf("after the rename key %q is %+v, want %+v", label, a, want)
		}
	}
	if _, ok := before[renamedLabel]; !ok {
		return fmt.Errorf("the quickstart has no key labelled %q to rename", renamedLabel)
	}
	return nil
}

func (d *demo) printKeys(keys map[string]demoKey) {
	labels := make([]string, 0, len(keys))
	for label := range keys {
		labels = append(labels, label)
	}
	slices.Sort(labels)
	fmt.Fprintln(d.opts.out)
	tw := tabwriter.NewWriter(d.opts.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ADDRESS\tID\tNAME\tAI_TYPE\tKEY")
	for _, label := range labels {
		k := keys[label]
		fmt.Fprintf(tw, "%s[%q]\t%s\t%s\t%s\t%s\n", resourceAddress, label, k.ID, k.Name, k.AIType, k.Key)
	}
	_ = tw.Flush()
	fmt.Fprintln(d.opts.out, "(secrets are in the state: terraform output -json secrets)")
}

func (d *demo) printWhereThingsLive() {
	dir, tf := d.opts.dir, d.opts.terraform
	work := filepath.Join(dir, "work")
	d.header("Done. Everything lives in " + dir + "/ (git-ignored)")
	d.say(`  %-30s the Terraform state (it holds the secrets: keep real state private)
  %-30s the emulator's data: workspace, LLM connection, repository, policies, keys, secrets included (mode 0600)
  %-30s the provider binary, used through dev_overrides in %s

Look around (the Terraform CLI configuration points at the provider built above):
  export TF_CLI_CONFIG_FILE=%s
  %s -chdir=%s state list
  %s -chdir=%s state show '%s["%s"]'
  %s -chdir=%s output keys
  %s -chdir=%s output -json secrets    # prints the secrets

Plan against the emulator again (it stopped with the demo; any token works with the saved data):
  in a new terminal:  go run ./internal/cmd/flashback-emulator -token dev-token -empty -data %s
  in the shell above: export FLASHBACK_ACCESS_TOKEN=dev-token FLASHBACK_BASE_URL=http://127.0.0.1:8080
                      export TF_VAR_openai_api_key=...  # any value: a write-only secret is never compared
                      %s -chdir=%s plan -var-file=%s    # No changes
                      %s -chdir=%s destroy -var-file=%s # keys, policies, repository, LLM connection, workspace

Run the demo again: it applies the base names, then renames again. Clean up with: make clean`,
		filepath.Join(work, "terraform.tfstate"), filepath.Join(dir, "emulator.json"), filepath.Join(dir, "bin")+"/", filepath.Join(dir, "cli.tfrc"),
		d.paths.cliConfig,
		tf, work,
		tf, work, resourceAddress, renamedLabel,
		tf, work,
		tf, work,
		filepath.Join(dir, "emulator.json"),
		tf, work, renameFile,
		tf, work, renameFile)
}

func (d *demo) header(title string) {
	fmt.Fprintf(d.opts.out, "\n==> %s\n\n", title)
}

func (d *demo) say(format string, args ...any) {
	fmt.Fprintf(d.opts.out, format+"\n", args...)
}
