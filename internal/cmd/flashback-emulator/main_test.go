package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/emulator"
)

func noEnv(string) string { return "" }

func TestParseArgsSeedsTheOrganization(t *testing.T) {
	t.Parallel()
	cfg, err := parseArgs([]string{
		"-token", "tok", "-listen", "127.0.0.1:0", "-org", "org-1", "-org-name", "Acme",
		"-workspace", "ws-1=Production", "-workspace", "ws-2",
		"-workspace-repo", "ws-1:repo-a=my gateway", "-workspace-repo", "ws-2:repo-b",
		"-repo", "repo-123", "-repo", "repo-456",
		"-bucket", "ws-1:b-1=backups", "-bucket", "b-2",
		"-data", "/tmp/x.json", "-latency", "5ms", "-list-lag", "2s", "-fail-validation",
		"-keep-omitted-repo-lists", "-error-codes-in-2xx", "-repo-quota", "3",
	}, noEnv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := emulator.Options{
		Token:      "tok",
		Repos:      []string{"repo-123", "repo-456"},
		OrgID:      "org-1",
		OrgName:    "Acme",
		Workspaces: []emulator.Workspace{{ID: "ws-1", Name: "Production"}, {ID: "ws-2"}},
		WorkspaceRepos: []emulator.Repo{
			{ID: "repo-a", Name: "my gateway", WorkspaceID: "ws-1"},
			{ID: "repo-b", WorkspaceID: "ws-2"},
		},
		Buckets:              []emulator.Bucket{{ID: "b-1", Name: "backups", WorkspaceID: "ws-1"}, {ID: "b-2"}},
		DataFile:             "/tmp/x.json",
		Latency:              5 * time.Millisecond,
		ListLag:              2 * time.Second,
		KeepOmittedRepoLists: true,
		ErrorCodesIn2xx:      true,
		RepoQuota:            3,
	}
	if !reflect.DeepEqual(cfg.opts, want) {
		t.Errorf("options = %+v\nwant      %+v", cfg.opts, want)
	}
	if cfg.listen != "127.0.0.1:0" || !cfg.failValidation {
		t.Errorf("listen %q, failValidation %v", cfg.listen, cfg.failValidation)
	}
}

func TestParseArgsDefaults(t *testing.T) {
	t.Parallel()
	cfg, err := parseArgs([]string{"-repo", "r"}, func(name string) string {
		if name == "FLASHBACK_ACCESS_TOKEN" {
			return "from-env"
		}
		return ""
	}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.opts.Token != "from-env" || cfg.opts.OrgID != emulator.DefaultOrgID ||
		cfg.opts.OrgName != emulator.DefaultOrgName || cfg.listen != "127.0.0.1:8080" || cfg.failValidation ||
		cfg.opts.KeepOmittedRepoLists || cfg.opts.ErrorCodesIn2xx || cfg.opts.RepoQuota != 0 {
		t.Errorf("defaults = %+v, listen %q", cfg.opts, cfg.listen)
	}
}

func TestParseArgsEmptyOrganization(t *testing.T) {
	t.Parallel()
	cfg, err := parseArgs([]string{"-token", "t", "-empty", "-org", "org-1"}, noEnv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if want := (emulator.Options{Token: "t", OrgID: "org-1", OrgName: emulator.DefaultOrgName}); !reflect.DeepEqual(cfg.opts, want) {
		t.Errorf("options = %+v, want %+v: the organization alone", cfg.opts, want)
	}
}

func TestParseArgsRejects(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		args []string
		want string
	}{
		"no token":                  {[]string{"-repo", "r"}, "no access token"},
		"nothing to serve":          {[]string{"-token", "t"}, "-empty"},
		"empty and a repo":          {[]string{"-token", "t", "-empty", "-repo", "r"}, "-empty starts with the organization alone"},
		"empty and a workspace":     {[]string{"-token", "t", "-empty", "-workspace", "w"}, "-empty starts with the organization alone"},
		"empty and a bucket":        {[]string{"-token", "t", "-empty", "-bucket", "b"}, "-empty starts with the organization alone"},
		"bucket without id":         {[]string{"-token", "t", "-bucket", "ws-1:=x"}, "[WORKSPACE_ID:]BUCKET_ID"},
		"bucket with empty ws":      {[]string{"-token", "t", "-bucket", ":b"}, "[WORKSPACE_ID:]BUCKET_ID"},
		"negative quota":            {[]string{"-token", "t", "-repo", "r", "-repo-quota", "-1"}, "negative"},
		"empty repo":                {[]string{"-token", "t", "-repo", ""}, "repo id must not be empty"},
		"workspace without id":      {[]string{"-token", "t", "-workspace", "=Name"}, "has no id"},
		"workspace repo without :":  {[]string{"-token", "t", "-workspace-repo", "repo-a"}, "WORKSPACE_ID:REPO_ID"},
		"workspace repo without id": {[]string{"-token", "t", "-workspace-repo", "ws-1:=x"}, "WORKSPACE_ID:REPO_ID"},
		"workspace repo without ws": {[]string{"-token", "t", "-workspace-repo", ":repo-a"}, "WORKSPACE_ID:REPO_ID"},
		"stray argument":            {[]string{"-token", "t", "-repo", "r", "extra"}, `unexpected argument "extra"`},
		"unknown flag":              {[]string{"-token", "t", "-nope"}, "not defined"},
	}
	for label, c := range cases {
		t.Run(label, func(t *testing.T) {
			t.Parallel()
			_, err := parseArgs(c.args, noEnv, io.Discard)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want one mentioning %q", err, c.want)
			}
		})
	}
}

func TestHelpDocumentsEveryFlag(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if _, err := parseArgs([]string{"-h"}, noEnv, &out); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("-h: err = %v, want flag.ErrHelp", err)
	}
	help := out.String()
	for _, want := range []string{
		"-org ID", "-org-name NAME", "-workspace ID[=NAME]", "-repo ID",
		"-workspace-repo WORKSPACE_ID:REPO_ID[=NAME]", "-data file", "-latency", "-list-lag",
		"-fail-validation", "-token", "-listen", emulator.DefaultWorkspaceID,
		"-workspace ws-1=Production -workspace-repo ws-1:repo-a=gateway",
		"-bucket [WORKSPACE_ID:]BUCKET_ID[=NAME]", "-empty", "-keep-omitted-repo-lists", "-error-codes-in-2xx", "-repo-quota",
		"flashback-emulator -empty",
	} {
		if !strings.Contains(help, want) {
			t.Errorf("-h output lacks %q:\n%s", want, help)
		}
	}
}

// lockedBuffer is written by the server's logger while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestRunServesTheSeededOrganization(t *testing.T) {
	const token = "seeded-token-4f2a"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdoutR, stdoutW := io.Pipe()
	var stderr lockedBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-token", token, "-listen", "127.0.0.1:0", "-org", "org-1",
			"-workspace", "ws-1=Production", "-workspace-repo", "ws-1:repo-a=gateway", "-fail-validation"},
			noEnv, stdoutW, &stderr)
		stdoutW.Close()
	}()
	line, err := bufio.NewReader(stdoutR).ReadString('\n')
	if err != nil {
		t.Fatalf("no listening line: %v (stderr: %s)", err, stderr.String())
	}
	go func() { _, _ = io.Copy(io.Discard, stdoutR) }()
	baseURL := strings.TrimSpace(strings.TrimPrefix(line, "flashback emulator listening on "))

	call := func(method, path, body string) string {
		t.Helper()
		req, _ := http.NewRequest(method, baseURL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, data)
		}
		return string(data)
	}
	get := func(path string) string { return call(http.MethodGet, path, "") }
	if body := get("/workspace"); !strings.Contains(body, `"id":"ws-1","name":"Production","orgId":"org-1"`) {
		t.Errorf("GET /workspace = %s", body)
	}
	if body := get("/repo?workspaceId=ws-1"); !strings.Contains(body, `"id":"repo-a","name":"gateway"`) {
		t.Errorf("GET /repo = %s", body)
	}
	if body := get("/user/profile"); !strings.Contains(body, `"orgId":"org-1"`) {
		t.Errorf("GET /user/profile = %s", body)
	}
	created := call(http.MethodPost, "/ai/llm", `{"name":"l","aiType":"OPENAI","endpoint":"https://api.openai.com/v1","secret":"sk","workspaceId":"ws-1"}`)
	var llm struct{ AILLMID string }
	if err := json.Unmarshal([]byte(created), &llm); err != nil || llm.AILLMID == "" {
		t.Fatalf("create answered %s", created)
	}
	if body := call(http.MethodPost, "/ai/llm/"+llm.AILLMID+"/validate", ""); !strings.Contains(body, `"success":false`) {
		t.Errorf("validate under -fail-validation = %s", body)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run returned %v after its context ended", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run did not return after its context ended")
	}
	logs := stderr.String()
	if !strings.Contains(logs, "path=/workspace") || strings.Contains(logs, token) {
		t.Errorf("logs must show each request and never the token:\n%s", logs)
	}
}

// -empty serves the organization alone, and the API builds from there: a
// workspace (201), then a repo in it.
func TestRunServesAnEmptyOrganization(t *testing.T) {
	const token = "empty-token-9c1d"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdoutR, stdoutW := io.Pipe()
	var stderr lockedBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-token", token, "-listen", "127.0.0.1:0", "-empty"}, noEnv, stdoutW, &stderr)
		stdoutW.Close()
	}()
	line, err := bufio.NewReader(stdoutR).ReadString('\n')
	if err != nil {
		t.Fatalf("no listening line: %v (stderr: %s)", err, stderr.String())
	}
	go func() { _, _ = io.Copy(io.Discard, stdoutR) }()
	baseURL := strings.TrimSpace(strings.TrimPrefix(line, "flashback emulator listening on "))

	call := func(method, path, body string, want int) string {
		t.Helper()
		req, _ := http.NewRequest(method, baseURL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != want {
			t.Fatalf("%s %s: %d %s, want %d", method, path, resp.StatusCode, data, want)
		}
		return string(data)
	}
	for _, path := range []string{"/workspace", "/repo", "/bucket"} {
		if body := call(http.MethodGet, path, "", http.StatusOK); !strings.HasSuffix(body, `":[]}`) {
			t.Errorf("GET %s = %s, want an empty list", path, body)
		}
	}
	var created struct {
		Workspace struct{ ID string } `json:"workspace"`
	}
	if err := json.Unmarshal([]byte(call(http.MethodPost, "/workspace", `{"name":"Production"}`, http.StatusCreated)), &created); err != nil || created.Workspace.ID == "" {
		t.Fatalf("workspace create: %+v, %v", created, err)
	}
	call(http.MethodPost, "/repo", `{"name":"assistant","storageType":"S3","mode":"NORMAL","workspaceId":"`+created.Workspace.ID+`","repoBuckets":[],"repoAiLlms":[]}`, http.StatusOK)
	if body := call(http.MethodGet, "/repo", "", http.StatusOK); !strings.Contains(body, `"name":"assistant"`) {
		t.Errorf("GET /repo = %s", body)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run returned %v after its context ended", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run did not return after its context ended")
	}
}
