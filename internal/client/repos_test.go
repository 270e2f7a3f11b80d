package client

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestRepos_listDecodesWhatTheProviderNeeds(t *testing.T) {
	t.Parallel()
	srv := answer(t, 200, validRepoListBody)
	c := newTestClient(t, srv.URL)
	repos, err := c.Repos.List(context.Background(), "", "")
	if err != nil {
		t.Fatal(err)
	}
	if q := srv.query(0); q != "" {
		t.Errorf("query = %q, want none", q)
	}
	want := []Repo{
		{ID: "repo-1", Name: "My Repository", WorkspaceID: "ws-1", StorageType: "S3", Mode: "MIRROR",
			CreatedAt: "2024-01-15T09:00:00Z", AILLMIDs: []string{"llm-1", "llm-2", "llm-3"}},
		{ID: "repo-2", Name: "Other", WorkspaceID: "ws-2", StorageType: "GCS", Mode: "NORMAL",
			CreatedAt: "2024-02-15T09:00:00Z", Disabled: true, AILLMIDs: []string{}},
	}
	if !reflect.DeepEqual(repos, want) {
		t.Errorf("List =\n%+v\nwant\n%+v", repos, want)
	}
	if repos[1].AILLMIDs == nil {
		t.Error("a repository without AI LLMs has nil AILLMIDs, want empty")
	}
}

// TestRepos_credentialsInAListingAreNeverDecoded: the listing carries storage
// keys, bucket credentials and encrypted secrets; none of them reaches a Repo.
func TestRepos_credentialsInAListingAreNeverDecoded(t *testing.T) {
	t.Parallel()
	srv := answer(t, 200, validRepoListBody)
	c := newTestClient(t, srv.URL)
	repos, err := c.Repos.List(context.Background(), "ws-1", "")
	if err != nil {
		t.Fatal(err)
	}
	printed := fmt.Sprintf("%+v %#v", repos, repos)
	for _, secret := range []string{"AKIA-STORAGE-KEY-5512", "BLOB-KEY-0042", "BLOB-IV-0043", "BLOB-TAG-0044", "BLOB-MESSAGE-0045",
		"BUCKET-ACCESS-KEY-7781", "BUCKET-SECRET-9921", "FB_AI_REPO_KEY_3318", "0xWALLET", "sk-1"} {
		if strings.Contains(printed, secret) {
			t.Errorf("decoded repositories hold %q", secret)
		}
	}
	// No field could hold them either: Repo is strings, a bool and a list of IDs.
	var fields []string
	rt := reflect.TypeFor[Repo]()
	for i := range rt.NumField() {
		fields = append(fields, rt.Field(i).Name+" "+rt.Field(i).Type.String())
	}
	want := []string{"ID string", "Name string", "WorkspaceID string", "StorageType string", "Mode string",
		"CreatedAt string", "Disabled bool", "AILLMIDs []string"}
	if !slices.Equal(fields, want) {
		t.Errorf("Repo fields = %v, want exactly %v", fields, want)
	}
}

func TestRepos_attachedLLMIDsFromEitherField(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, aiLlms string
		want         []string
		reason       string
	}{
		{"aiLlmId", `[{"aiLlmId":"a"}]`, []string{"a"}, ""},
		{"aiLlm.id", `[{"aiLlm":{"id":"b"}}]`, []string{"b"}, ""},
		{"both agree", `[{"aiLlmId":"c","aiLlm":{"id":"c"}}]`, []string{"c"}, ""},
		{"aiLlm without id", `[{"aiLlmId":"d","aiLlm":{"name":"n"}}]`, []string{"d"}, ""},
		{"aiLlm null", `[{"aiLlmId":"e","aiLlm":null}]`, []string{"e"}, ""},
		{"order kept", `[{"aiLlmId":"z"},{"aiLlm":{"id":"a"}}]`, []string{"z", "a"}, ""},
		{"absent", `null`, []string{}, ""},
		{"disagree", `[{"aiLlmId":"c","aiLlm":{"id":"x"}}]`, nil, `AI LLM 0 with "aiLlmId" "c" but "aiLlm.id" "x"`},
		{"neither", `[{"aiLlmId":"a"},{}]`, nil, `AI LLM 1 without "aiLlmId" or "aiLlm.id"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := answer(t, 200, `{"success":true,"repos":[{"id":"r","name":"n","workspaceId":"w","aiLlms":`+tt.aiLlms+`}]}`)
			c := newTestClient(t, srv.URL)
			repos, err := c.Repos.List(context.Background(), "w", "")
			if tt.reason != "" {
				if respErr := asResponseError(t, err); repos != nil || !strings.Contains(respErr.Reason, tt.reason) {
					t.Errorf("List = %+v, %v; want a reason mentioning %s", repos, err, tt.reason)
				}
				return
			}
			if err != nil || len(repos) != 1 || !slices.Equal(repos[0].AILLMIDs, tt.want) || repos[0].AILLMIDs == nil {
				t.Errorf("List = %+v, %v; want AILLMIDs %q", repos, err, tt.want)
			}
		})
	}
}

func TestRepos_listQuery(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ workspaceID, repoID, want string }{
		{"", "", ""}, {"ws-1", "", "workspaceId=ws-1"}, {"", "r 1", "repoId=r+1"}, {"ws-1", "r1", "repoId=r1&workspaceId=ws-1"},
	} {
		srv := answer(t, 200, `{"success":true,"repos":[]}`)
		c := newTestClient(t, srv.URL)
		repos, err := c.Repos.List(context.Background(), tt.workspaceID, tt.repoID)
		if err != nil || repos == nil {
			t.Fatalf("List = %v, %v", repos, err)
		}
		if got := srv.query(0); got != tt.want {
			t.Errorf("List(%q, %q) sent query %q, want %q", tt.workspaceID, tt.repoID, got, tt.want)
		}
	}
}

func TestRepos_listBrokenAnswers(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, body, reason string }{
		{"repos missing", `{"success":true}`, `"repos"`},
		{"repos null", `{"success":true,"repos":null}`, `"repos"`},
		{"entry without id", `{"success":true,"repos":[{"name":"n","workspaceId":"w"}]}`, `repository 0 of the list has no "id"`},
		{"entry without name and workspace", `{"success":true,"repos":[{"id":"r"}]}`, `"name", "workspaceId"`},
		{"disabled not a bool", `{"success":true,"repos":[{"id":"r","name":"n","workspaceId":"w","disabled":"no"}]}`, "disabled"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := answer(t, 200, tt.body)
			c := newTestClient(t, srv.URL)
			repos, err := c.Repos.List(context.Background(), "", "")
			if respErr := asResponseError(t, err); repos != nil || !strings.Contains(respErr.Reason, tt.reason) {
				t.Errorf("List = %+v, %v; want a reason mentioning %s", repos, err, tt.reason)
			}
		})
	}
}
