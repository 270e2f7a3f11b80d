package client

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
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
			CreatedAt: "2024-01-15T09:00:00Z", AILLMIDs: []string{"llm-1", "llm-2", "llm-3"},
			Buckets: []RepoBucket{{BucketID: "b-1", Folder: "backups", Master: true}, {BucketID: "b-2", Folder: "archive"}}},
		{ID: "repo-2", Name: "Other", WorkspaceID: "ws-2", StorageType: "GCS", Mode: "NORMAL",
			CreatedAt: "2024-02-15T09:00:00Z", Disabled: true, AILLMIDs: []string{}, Buckets: []RepoBucket{}},
	}
	if !reflect.DeepEqual(repos, want) {
		t.Errorf("List =\n%+v\nwant\n%+v", repos, want)
	}
	if repos[1].AILLMIDs == nil || repos[1].Buckets == nil {
		t.Error("a repository without AI LLMs or buckets has a nil list, want empty")
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
		"BUCKET-ACCESS-KEY-7781", "BUCKET-SECRET-9921", "BUCK****", "BUCKET-BLOB-KEY-0046", "BUCKET-BLOB-IV-0047", "BUCKET-BLOB-TAG-0048",
		"BUCKET-BLOB-MESSAGE-0049", "Backups", "FB_AI_REPO_KEY_3318", "0xWALLET", "sk-1"} {
		if strings.Contains(printed, secret) {
			t.Errorf("decoded repositories hold %q", secret)
		}
	}
	// No field could hold them either: Repo is strings, a bool, a list of IDs
	// and a list of bucket links, which are an ID, a folder and a flag.
	for typ, want := range map[reflect.Type][]string{
		reflect.TypeFor[Repo](): {"ID string", "Name string", "WorkspaceID string", "StorageType string", "Mode string",
			"CreatedAt string", "Disabled bool", "AILLMIDs []string", "Buckets []client.RepoBucket"},
		reflect.TypeFor[RepoBucket](): {"BucketID string", "Folder string", "Master bool"},
	} {
		if fields := fieldsOf(typ); !slices.Equal(fields, want) {
			t.Errorf("%s fields = %v, want exactly %v", typ, fields, want)
		}
	}
}

// fieldsOf lists a struct's fields with their types.
func fieldsOf(rt reflect.Type) []string {
	var fields []string
	for i := range rt.NumField() {
		fields = append(fields, rt.Field(i).Name+" "+rt.Field(i).Type.String())
	}
	return fields
}

func TestRepos_bucketIDsFromEitherFieldAndEitherList(t *testing.T) {
	t.Parallel()
	blob := `"secret":{"key":"k","iv":"i","authTag":"a","message":"m"}`
	for _, tt := range []struct {
		name, lists string
		want        []RepoBucket
		reason      string
	}{
		{"bucketId", `"buckets":[{"bucketId":"a","folder":"f","master":true}]`, []RepoBucket{{"a", "f", true}}, ""},
		{"bucket.id", `"buckets":[{"folder":"f","bucket":{"id":"b",` + blob + `}}]`, []RepoBucket{{"b", "f", false}}, ""},
		{"both agree", `"buckets":[{"bucketId":"c","bucket":{"id":"c"}}]`, []RepoBucket{{"c", "", false}}, ""},
		{"bucket without id", `"buckets":[{"bucketId":"d","bucket":{"name":"n"}}]`, []RepoBucket{{"d", "", false}}, ""},
		{"bucket null, master null", `"buckets":[{"bucketId":"e","bucket":null,"master":null,"folder":null}]`, []RepoBucket{{"e", "", false}}, ""},
		{"older units", `"units":[{"bucketId":"u","folder":"f"}]`, []RepoBucket{{"u", "f", false}}, ""},
		{"buckets win over units", `"buckets":[{"bucketId":"new"}],"units":[{"bucketId":"old"}]`, []RepoBucket{{"new", "", false}}, ""},
		{"empty buckets win over units", `"buckets":[],"units":[{"bucketId":"old"}]`, []RepoBucket{}, ""},
		{"order kept", `"buckets":[{"bucketId":"z"},{"bucket":{"id":"a"}}]`, []RepoBucket{{"z", "", false}, {"a", "", false}}, ""},
		{"absent", ``, []RepoBucket{}, ""},
		{"null", `"buckets":null`, []RepoBucket{}, ""},
		{"disagree", `"buckets":[{"bucketId":"c","bucket":{"id":"x"}}]`, nil, `bucket 0 with "bucketId" "c" but "bucket.id" "x"`},
		{"neither", `"buckets":[{"bucketId":"a"},{"folder":"f"}]`, nil, `bucket 1 without "bucketId" or "bucket.id"`},
		{"null entry", `"buckets":[null]`, nil, `bucket 0 without "bucketId" or "bucket.id"`},
		{"embedded bucket not an object", `"buckets":[{"bucketId":"a","bucket":"name"}]`, nil, `buckets.bucket`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			lists := tt.lists
			if lists != "" {
				lists = "," + lists
			}
			srv := answer(t, 200, `{"success":true,"repos":[{"id":"r","name":"n","workspaceId":"w"`+lists+`}]}`)
			c := newTestClient(t, srv.URL)
			repos, err := c.Repos.List(context.Background(), "w", "")
			if tt.reason != "" {
				if respErr := asResponseError(t, err); repos != nil || !strings.Contains(respErr.Reason, tt.reason) {
					t.Errorf("List = %+v, %v; want a reason mentioning %s", repos, err, tt.reason)
				}
				return
			}
			if err != nil || len(repos) != 1 || !slices.Equal(repos[0].Buckets, tt.want) || repos[0].Buckets == nil {
				t.Errorf("List = %+v, %v; want Buckets %+v", repos, err, tt.want)
			}
		})
	}
}

func validRepoRequest() CreateRepoRequest {
	return CreateRepoRequest{WorkspaceID: "ws-1", Name: "assistant", StorageType: StorageTypeS3, Mode: RepoModeNormal}
}

// Both lists go on the wire whatever the request holds, [] when empty, so
// that a replace never leaves a list out for the server to read one way or
// the other. MarshalJSON is the only way to the wire, by value or pointer.
func TestRepos_bodyAlwaysCarriesBothLists(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		req  CreateRepoRequest
		want string
	}{
		{"nil lists", validRepoRequest(),
			`{"name":"assistant","storageType":"S3","mode":"NORMAL","workspaceId":"ws-1","repoBuckets":[],"repoAiLlms":[]}`},
		{"empty lists", func() CreateRepoRequest {
			r := validRepoRequest()
			r.Buckets, r.AILLMIDs = []RepoBucket{}, []string{}
			return r
		}(), `{"name":"assistant","storageType":"S3","mode":"NORMAL","workspaceId":"ws-1","repoBuckets":[],"repoAiLlms":[]}`},
		{"full lists", func() CreateRepoRequest {
			r := validRepoRequest()
			r.Mode = RepoModeMirror
			r.Buckets = []RepoBucket{{BucketID: "b-1", Folder: "", Master: true}, {BucketID: "b-2", Folder: "f"}}
			r.AILLMIDs = []string{"l-1", "l-2"}
			return r
		}(), `{"name":"assistant","storageType":"S3","mode":"MIRROR","workspaceId":"ws-1",` +
			`"repoBuckets":[{"bucketId":"b-1","folder":"","master":true},{"bucketId":"b-2","folder":"f","master":false}],` +
			`"repoAiLlms":[{"aiLlmId":"l-1"},{"aiLlmId":"l-2"}]}`},
		{"a value the client does not know", func() CreateRepoRequest {
			r := validRepoRequest()
			r.StorageType, r.Mode = "OPENAI", "BACKUP"
			return r
		}(), `{"name":"assistant","storageType":"OPENAI","mode":"BACKUP","workspaceId":"ws-1","repoBuckets":[],"repoAiLlms":[]}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, v := range []any{tt.req, &tt.req, []CreateRepoRequest{tt.req}} {
				got, err := json.Marshal(v)
				if err != nil {
					t.Fatal(err)
				}
				if _, isList := v.([]CreateRepoRequest); isList {
					got = got[1 : len(got)-1]
				}
				if string(got) != tt.want {
					t.Errorf("json.Marshal(%T) = %s\nwant %s", v, got, tt.want)
				}
			}
			// And on the wire, for both writes.
			srv := answer(t, 200, validRepoCreateBody)
			c := newTestClient(t, srv.URL)
			if _, err := c.Repos.Create(context.Background(), tt.req); err != nil {
				t.Fatal(err)
			}
			if err := c.Repos.Replace(context.Background(), "repo-1", tt.req); err != nil {
				t.Fatal(err)
			}
			for _, r := range srv.requests() {
				if string(r.Body) != tt.want {
					t.Errorf("%s sent %s\nwant %s", r.Method, r.Body, tt.want)
				}
			}
		})
	}
}

func TestRepos_createReturnsTheID(t *testing.T) {
	t.Parallel()
	srv := answer(t, 200, `{"success":true,"repoId":"repo-new","error_code":"SUCCESS"}`)
	c := newTestClient(t, srv.URL)
	id, err := c.Repos.Create(context.Background(), validRepoRequest())
	if err != nil || id != "repo-new" {
		t.Errorf("Create = %q, %v; want repo-new", id, err)
	}
}

func TestRepos_createWithoutAnIDIsUnusable(t *testing.T) {
	t.Parallel()
	for _, body := range []string{`{"success":true}`, `{"success":true,"repoId":""}`, `{"success":true,"repoId":null}`, `{"success":true,"id":"r"}`} {
		srv := answer(t, 200, body)
		c := newTestClient(t, srv.URL)
		id, err := c.Repos.Create(context.Background(), validRepoRequest())
		if respErr := asResponseError(t, err); id != "" || !strings.Contains(respErr.Reason, `lacks "repoId"`) || IsOutcomeUnknown(err) {
			t.Errorf("%s: Create = %q, %v; want an unusable answer", body, id, err)
		}
	}
	srv := answer(t, 200, `{"success":true,"repoId":7}`)
	c := newTestClient(t, srv.URL)
	if id, err := c.Repos.Create(context.Background(), validRepoRequest()); id != "" || !strings.Contains(asResponseError(t, err).Reason, "repoId") {
		t.Errorf("Create with a numeric id = %q, %v", id, err)
	}
}

// Every refusal of the contract's table reaches the caller as its code, from
// an error status or a 2xx alike.
func TestRepos_writesReportTheErrorCode(t *testing.T) {
	t.Parallel()
	codes := []string{ErrorCodeNotFound, ErrorCodeNameAlreadyUsed, ErrorCodeMirrorMasterUnitCountInvalid, ErrorCodeMirrorMasterUnitMissing,
		ErrorCodeMirrorUnitAlreadyInOtherRepo, ErrorCodeNormalUnitFolderAlreadyUsed, ErrorCodeNormalUnitFolderCannotDelete,
		ErrorCodeNormalUnitCannotEditFolder, ErrorCodeQuotaExceeded}
	for _, code := range codes {
		for _, status := range []int{200, 400, 404} {
			t.Run(fmt.Sprint(code, status), func(t *testing.T) {
				t.Parallel()
				srv := answer(t, status, `{"success":false,"error_code":"`+code+`","error_message":"refused: `+code+`"}`)
				c := newTestClient(t, srv.URL)
				id, err := c.Repos.Create(context.Background(), validRepoRequest())
				if id != "" || ErrorCode(err) != code || IsOutcomeUnknown(err) || !strings.Contains(err.Error(), "refused: "+code) {
					t.Errorf("Create = %q, %v; want code %s", id, err, code)
				}
				err = c.Repos.Replace(context.Background(), "repo-1", validRepoRequest())
				if ErrorCode(err) != code || IsNotFound(err) != (status == 404) {
					t.Errorf("Replace = %v; want code %s", err, code)
				}
			})
		}
	}
}

func TestRepos_requestsTheAPIDoesNotDefineAreRefusedBeforeSending(t *testing.T) {
	t.Parallel()
	srv := answer(t, 200, validRepoCreateBody)
	c := newTestClient(t, srv.URL)
	with := func(change func(*CreateRepoRequest)) CreateRepoRequest {
		r := validRepoRequest()
		change(&r)
		return r
	}
	for name, tt := range map[string]struct {
		req    CreateRepoRequest
		reason string
	}{
		"no workspace":    {with(func(r *CreateRepoRequest) { r.WorkspaceID = "" }), `"workspaceId"`},
		"no name":         {with(func(r *CreateRepoRequest) { r.Name = "" }), `"name"`},
		"no storage type": {with(func(r *CreateRepoRequest) { r.StorageType = "" }), `"storageType"`},
		"no mode":         {with(func(r *CreateRepoRequest) { r.Mode = "" }), `"mode"`},
		"nothing":         {CreateRepoRequest{}, `"workspaceId", "name", "storageType", "mode"`},
		"empty bucket id": {with(func(r *CreateRepoRequest) { r.Buckets = []RepoBucket{{Folder: "f"}} }), "bucket 0 has an empty id"},
		"bucket twice":    {with(func(r *CreateRepoRequest) { r.Buckets = []RepoBucket{{BucketID: "b"}, {BucketID: "b", Folder: "x"}} }), "bucket b is listed twice"},
		"empty LLM id":    {with(func(r *CreateRepoRequest) { r.AILLMIDs = []string{"l", ""} }), "AI LLM configuration 1 has an empty id"},
		"LLM twice":       {with(func(r *CreateRepoRequest) { r.AILLMIDs = []string{"l", "m", "l"} }), "AI LLM configuration l is listed twice"},
	} {
		if _, err := c.Repos.Create(context.Background(), tt.req); err == nil || !strings.Contains(err.Error(), tt.reason) {
			t.Errorf("%s: Create = %v, want an error mentioning %s", name, err, tt.reason)
		}
		if err := c.Repos.Replace(context.Background(), "repo-1", tt.req); err == nil || !strings.Contains(err.Error(), tt.reason) {
			t.Errorf("%s: Replace = %v, want an error mentioning %s", name, err, tt.reason)
		}
	}
	if n := srv.count(); n != 0 {
		t.Errorf("server saw %d requests, want none", n)
	}
}

func TestRepos_deleteOfAGoneRepoIsNotFound(t *testing.T) {
	t.Parallel()
	srv := answer(t, 404, errorBody("User or repository not found"))
	c := newTestClient(t, srv.URL)
	if err := c.Repos.Delete(context.Background(), "repo-1"); !IsNotFound(err) {
		t.Errorf("Delete = %v, want a 404", err)
	}
}

func TestRepos_listWorkspaceIsAListFunc(t *testing.T) {
	t.Parallel()
	srv := answer(t, 200, validRepoListBody)
	c := newTestClient(t, srv.URL)
	cache := NewListCache(c.Repos.ListWorkspace, time.Minute)
	for range 2 {
		if repos, err := cache.List(context.Background(), "ws-1"); err != nil || len(repos) != 2 {
			t.Fatalf("List = %+v, %v", repos, err)
		}
	}
	if n, q := srv.count(), srv.query(0); n != 1 || q != "workspaceId=ws-1" {
		t.Errorf("server saw %d requests, the first with query %q; want one with workspaceId=ws-1", n, q)
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
