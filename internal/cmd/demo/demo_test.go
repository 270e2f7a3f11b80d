package main

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/emulator"
)

// TestDemo_endToEnd runs the demo twice in one directory, as `make demo` run
// twice does, through the real Terraform CLI, against an emulator that starts
// with the organization alone. The first apply creates the whole gateway, the
// next plan is empty, the rename is in place, and destroy leaves nothing.
func TestDemo_endToEnd(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("runs the Terraform CLI: set TF_ACC=1 and TF_ACC_TERRAFORM_PATH (make test does)")
	}
	tf := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if tf == "" {
		t.Fatal("TF_ACC is set but TF_ACC_TERRAFORM_PATH is not: point it at a Terraform CLI")
	}
	dir := t.TempDir()
	token := "fbt_demo_test_token"
	o := options{terraform: tf, dir: dir, token: token}

	first := runDemo(t, o)
	// The workspace, the LLM connection, the repository, two policies and
	// three keys: everything, from an empty organization.
	assertPlans(t, first, []string{"Plan: 8 to add, 0 to change, 0 to destroy.", wantPlan})
	keys := storedKeys(t, dir)
	assertKeys(t, keys)
	assertNoSecrets(t, first, token, keys)
	assertGateway(t, dir, first)
	// The next plan, with the configuration as the rename left it, is empty.
	if out := terraformAgain(t, o, "plan", "-detailed-exitcode", "-input=false", "-no-color", "-var-file="+renameFile); !strings.Contains(out, "No changes.") {
		t.Errorf("the plan after the demo is not empty:\n%s", out)
	}

	second := runDemo(t, o)
	// Step 1 renames the key back, step 2 renames it again: no key is
	// created or deleted by a second run.
	assertPlans(t, second, []string{wantPlan, wantPlan})
	again := storedKeys(t, dir)
	assertKeys(t, again)
	assertNoSecrets(t, second, token, again)
	if ids(keys) != ids(again) {
		t.Errorf("the second run changed the keys: ids %s, then %s", ids(keys), ids(again))
	}

	// terraform destroy removes everything in an order Flashback accepts
	// (the repository before the LLM connection it serves, the workspace
	// last), and leaves nothing in the emulator.
	out := terraformAgain(t, o, "destroy", "-auto-approve", "-input=false", "-no-color", "-var-file="+renameFile)
	if !strings.Contains(out, "Destroy complete! Resources: 8 destroyed.") {
		t.Errorf("destroy did not report destroying the 8 objects:\n%s", out)
	}
	assertEmpty(t, dir)
}

// terraformAgain runs one Terraform command in the demo's working directory
// after the demo, against the emulator restarted from its data file, and
// returns its output; a non-zero exit fails the test.
func terraformAgain(t *testing.T, o options, args ...string) string {
	t.Helper()
	var out bytes.Buffer
	o.out = &out
	d, err := newDemo(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	baseURL, stop, err := d.startEmulator()
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	d.env = d.terraformEnv(baseURL)
	if err := d.terraformCmd(t.Context(), &out, args...); err != nil {
		t.Fatalf("%v\noutput:\n%s", err, out.String())
	}
	return out.String()
}

// assertEmpty fails unless the emulator holds the organization alone: no
// workspace, repository, LLM connection, live policy or live key.
func assertEmpty(t *testing.T, dir string) {
	t.Helper()
	emu, err := emulator.New(emulator.Options{DataFile: filepath.Join(dir, "emulator.json")})
	if err != nil {
		t.Fatal(err)
	}
	var live []string
	for _, p := range emu.Policies() {
		if p.DeletedAt == nil {
			live = append(live, "policy "+p.Name)
		}
	}
	for _, w := range emu.Workspaces() {
		live = append(live, "workspace "+w.Name)
	}
	for _, r := range emu.Repos("") {
		live = append(live, "repository "+r.Name)
	}
	for _, l := range emu.LLMs("") {
		live = append(live, "LLM connection "+l.Name)
	}
	for _, k := range emu.LiveKeys("") {
		live = append(live, "key "+k.Name)
	}
	if len(live) > 0 {
		t.Errorf("after terraform destroy the emulator still holds %q", live)
	}
}

func runDemo(t *testing.T, o options) string {
	t.Helper()
	var out bytes.Buffer
	o.out = &out
	if err := run(t.Context(), o); err != nil {
		t.Fatalf("demo failed: %v\noutput:\n%s", err, out.String())
	}
	return out.String()
}

func assertPlans(t *testing.T, output string, want []string) {
	t.Helper()
	got := planLine.FindAllString(output, -1)
	if !slices.Equal(got, want) {
		t.Errorf("plans = %q, want %q", got, want)
	}
}

// storedKey is the part of the emulator's data file that shows whether a key
// was ever deleted, which the emulator's API does not show.
type storedKey struct {
	ID        string  `json:"id"`
	DeletedAt *string `json:"deletedAt"`
}

// storedKeys returns the repo's live keys from the emulator's data file, and
// fails if any key was ever deleted: a rename that replaced the key would have.
func storedKeys(t *testing.T, dir string) []emulator.Key {
	t.Helper()
	path := filepath.Join(dir, "emulator.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var file struct{ Keys []storedKey }
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	for _, k := range file.Keys {
		if k.DeletedAt != nil {
			t.Errorf("key %s was deleted: the demo must never replace a key", k.ID)
		}
	}
	emu, err := emulator.New(emulator.Options{DataFile: path})
	if err != nil {
		t.Fatal(err)
	}
	repos := emu.Repos("")
	if len(repos) != 1 {
		t.Fatalf("the emulator holds %d repositories, want the quickstart's one", len(repos))
	}
	return emu.LiveKeys(repos[0].ID)
}

func assertKeys(t *testing.T, keys []emulator.Key) {
	t.Helper()
	var got []string
	for _, k := range keys {
		got = append(got, k.Name+"/"+k.AIType)
	}
	slices.Sort(got)
	want := []string{"quickstart-assistant/ANTHROPIC", "quickstart-chat-renamed/OPENAI", "quickstart-vision/GOOGLE"}
	if !slices.Equal(got, want) {
		t.Errorf("emulator keys (name/ai_type) = %q, want %q", got, want)
	}
}

func assertNoSecrets(t *testing.T, output, token string, keys []emulator.Key) {
	t.Helper()
	if strings.Contains(output, token) {
		t.Error("the demo printed the access token")
	}
	if strings.Contains(output, openAIKey) {
		t.Error("the demo printed the OpenAI key of the LLM connection")
	}
	for _, k := range keys {
		if k.Secret == "" {
			t.Fatalf("key %s has no secret in the emulator: nothing to check the output against", k.ID)
		}
		if strings.Contains(output, k.Secret) {
			t.Errorf("the demo printed the secret of key %s", k.ID)
		}
	}
}

// assertGateway checks what the quickstart made around the keys, in an
// organization that held nothing: one workspace; the OpenAI connection, which
// reached Flashback with its secret (which the state, when the CLI takes
// write-only attributes, does not hold); one repository in the workspace that
// serves that connection and no other; both policies, the repository's
// scoped to it.
func assertGateway(t *testing.T, dir, output string) {
	t.Helper()
	emu, err := emulator.New(emulator.Options{DataFile: filepath.Join(dir, "emulator.json")})
	if err != nil {
		t.Fatal(err)
	}
	workspaces := emu.Workspaces()
	if len(workspaces) != 1 || workspaces[0].Name != workspaceName {
		t.Fatalf("workspaces = %+v, want the quickstart's one, %q", workspaces, workspaceName)
	}
	ws := workspaces[0].ID
	llms := emu.LLMs("")
	if len(llms) != 1 || llms[0].Name != "quickstart-openai" || llms[0].Secret != openAIKey || llms[0].WorkspaceID != ws {
		t.Fatalf("LLM configurations = %+v, want quickstart-openai in workspace %s holding the demo's OpenAI key", llms, ws)
	}
	repos := emu.Repos("")
	if len(repos) != 1 || repos[0].Name != repoName || repos[0].WorkspaceID != ws || repos[0].StorageType != "S3" || repos[0].Mode != "NORMAL" {
		t.Fatalf("repositories = %+v, want %s, S3 and NORMAL, in workspace %s", repos, repoName, ws)
	}
	if got := repos[0].LLMIDs; !slices.Equal(got, []string{llms[0].ID}) {
		t.Errorf("repository %s serves the LLM connections %q, want exactly the one Terraform created (%s)", repos[0].ID, got, llms[0].ID)
	}
	policies := map[string]emulator.Policy{}
	for _, p := range emu.Policies() {
		if p.DeletedAt == nil {
			policies[p.Name] = p
		}
	}
	if got, want := slices.Sorted(maps.Keys(policies)), []string{"quickstart: credentials in prompts", "quickstart: no personal data"}; !slices.Equal(got, want) {
		t.Errorf("policies = %q, want %q", got, want)
	}
	if p := policies["quickstart: credentials in prompts"]; p.RepoID != repos[0].ID || p.WorkspaceID != ws {
		t.Errorf("the repository policy is scoped to workspace %q, repository %q; want %s, %s", p.WorkspaceID, p.RepoID, ws, repos[0].ID)
	}
	if p := policies["quickstart: no personal data"]; p.RepoID != "" || p.WorkspaceID != "" {
		t.Errorf("the organization-wide policy is scoped to workspace %q, repository %q; want neither", p.WorkspaceID, p.RepoID)
	}
	if !strings.Contains(output, "Verified: the repository serves the LLM connection this apply created") {
		t.Error("the demo did not say that the repository serves the LLM connection")
	}
	state, err := os.ReadFile(filepath.Join(dir, "work", "terraform.tfstate"))
	if err != nil {
		t.Fatal(err)
	}
	olderCLI := strings.Contains(output, "predates write-only attributes")
	if !olderCLI && strings.Contains(string(state), openAIKey) {
		t.Error("the state holds the OpenAI key: on a CLI that takes write-only attributes the quickstart sends it as secret_wo")
	}
}

func ids(keys []emulator.Key) string {
	var s []string
	for _, k := range keys {
		s = append(s, k.ID)
	}
	slices.Sort(s)
	return strings.Join(s, ",")
}

func TestCheckOneInPlaceChange(t *testing.T) {
	const applied = "\nApply complete! Resources: 0 added, 1 changed, 0 destroyed.\n"
	tests := map[string]struct {
		output  string
		wantErr bool
	}{
		"one update":    {"Plan: 0 to add, 1 to change, 0 to destroy.\n" + applied, false},
		"replacement":   {"Plan: 1 to add, 0 to change, 1 to destroy.\n\nApply complete! Resources: 1 added, 0 changed, 1 destroyed.\n", true},
		"no changes":    {"No changes. Your infrastructure matches the configuration.\n", true},
		"two updates":   {"Plan: 0 to add, 2 to change, 0 to destroy.\n\nApply complete! Resources: 0 added, 2 changed, 0 destroyed.\n", true},
		"no plan":       {applied, true},
		"not applied":   {"Plan: 0 to add, 1 to change, 0 to destroy.\n", true},
		"import plan":   {"Plan: 1 to import, 0 to add, 1 to change, 0 to destroy.\n" + applied, true},
		"plan repeated": {"Plan: 0 to add, 1 to change, 0 to destroy.\nPlan: 0 to add, 1 to change, 0 to destroy.\n" + applied, true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := checkOneInPlaceChange(tc.output)
			if (err != nil) != tc.wantErr {
				t.Errorf("checkOneInPlaceChange() error = %v, want error: %v", err, tc.wantErr)
			}
		})
	}
}

func TestCheckRenamed(t *testing.T) {
	before := map[string]demoKey{
		renamedLabel: {ID: "1", Name: "quickstart-chat", AIType: "OPENAI", Key: "FB_AI_1"},
		"vision":     {ID: "2", Name: "quickstart-vision", AIType: "GOOGLE", Key: "FB_AI_2"},
	}
	renamed := func(edit func(map[string]demoKey)) map[string]demoKey {
		after := map[string]demoKey{}
		for label, k := range before {
			after[label] = k
		}
		chat := after[renamedLabel]
		chat.Name = renamedName
		after[renamedLabel] = chat
		edit(after)
		return after
	}
	if err := checkRenamed(before, renamed(func(map[string]demoKey) {})); err != nil {
		t.Errorf("a plain rename: %v", err)
	}
	broken := map[string]func(map[string]demoKey){
		"new id": func(m map[string]demoKey) { k := m[renamedLabel]; k.ID = "3"; m[renamedLabel] = k },
		"not renamed": func(m map[string]demoKey) {
			k := m[renamedLabel]
			k.Name = before[renamedLabel].Name
			m[renamedLabel] = k
		},
		"other key changed": func(m map[string]demoKey) { k := m["vision"]; k.Name = "x"; m["vision"] = k },
		"key lost":          func(m map[string]demoKey) { delete(m, "vision") },
	}
	for name, edit := range broken {
		if err := checkRenamed(before, renamed(edit)); err == nil {
			t.Errorf("%s: checkRenamed() accepted it", name)
		}
	}
}

func TestCheckServes(t *testing.T) {
	if err := checkServes([]string{"llm-1"}, "llm-1"); err != nil {
		t.Errorf("the quickstart's connection alone: %v", err)
	}
	for name, ids := range map[string][]string{
		"none":      nil,
		"another":   {"llm-2"},
		"two":       {"llm-1", "llm-2"},
		"no llm_id": {""},
	} {
		llm := "llm-1"
		if name == "no llm_id" {
			llm = ""
		}
		if err := checkServes(ids, llm); err == nil {
			t.Errorf("%s: checkServes(%q, %q) accepted it", name, ids, llm)
		}
	}
}
