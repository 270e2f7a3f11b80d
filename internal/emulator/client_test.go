package emulator

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/client"
)

// newClientFor serves an emulator and returns the provider's own client for it.
func newClientFor(t *testing.T, opts Options) (*Server, *client.Client) {
	t.Helper()
	opts.Token = testToken
	emu, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(emu)
	t.Cleanup(ts.Close)
	c, err := client.New(client.Config{BaseURL: ts.URL, Token: testToken, MaxRetries: 0, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return emu, c
}

// The provider's client and the emulator agree on the platform writes: from an
// empty organization, a workspace, a bucket made elsewhere, an LLM connection
// and a repository that uses both, then everything taken down in order.
func TestClientAgainstEmulator_platformLifecycle(t *testing.T) {
	t.Parallel()
	for _, in2xx := range []bool{false, true} {
		t.Run(fmt.Sprint("errorCodesIn2xx=", in2xx), func(t *testing.T) {
			t.Parallel()
			emu, c := newClientFor(t, Options{ErrorCodesIn2xx: in2xx})
			ctx := context.Background()

			ws, err := c.Workspaces.Create(ctx, client.CreateWorkspaceRequest{Name: "Production"})
			if err != nil || ws.Name != "Production" || ws.OrgID != DefaultOrgID {
				t.Fatalf("Workspaces.Create = %+v, %v", ws, err)
			}
			bucket, err := emu.AddBucket(Bucket{WorkspaceID: ws.ID, Name: "data", Region: "us-east-1"})
			if err != nil {
				t.Fatal(err)
			}
			buckets, err := c.Buckets.List(ctx, ws.ID)
			want := []client.Bucket{{ID: bucket.ID, Name: "data", WorkspaceID: ws.ID, StorageType: "S3", Bucket: bucket.ID, Region: "us-east-1"}}
			if err != nil || !slices.Equal(buckets, want) {
				t.Errorf("Buckets.List = %+v, %v; want %+v", buckets, err, want)
			}
			llm, err := c.AILLMs.Create(ctx, client.CreateAILLMRequest{WorkspaceID: ws.ID, Name: "openai", AIType: client.AITypeOpenAI,
				Endpoint: "https://api.openai.com/v1", Secret: "sk-never-listed"})
			if err != nil {
				t.Fatal(err)
			}

			req := client.CreateRepoRequest{WorkspaceID: ws.ID, Name: "assistant", StorageType: client.StorageTypeS3, Mode: client.RepoModeNormal,
				Buckets: []client.RepoBucket{{BucketID: bucket.ID, Folder: "data"}}, AILLMIDs: []string{llm}}
			id, err := c.Repos.Create(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			repos, err := c.Repos.ListWorkspace(ctx, ws.ID)
			if err != nil || len(repos) != 1 {
				t.Fatalf("Repos.ListWorkspace = %+v, %v", repos, err)
			}
			if r := repos[0]; r.ID != id || r.Name != "assistant" || !slices.Equal(r.AILLMIDs, []string{llm}) ||
				!slices.Equal(r.Buckets, req.Buckets) || r.StorageType != "S3" || r.Mode != "NORMAL" || r.CreatedAt == "" {
				t.Errorf("listed repo = %+v", r)
			}
			printed := fmt.Sprintf("%+v %#v %+v %#v", repos, repos, buckets, buckets)
			for _, secret := range append(emu.RepoStorageSecrets(id), append(emu.BucketSecrets(bucket.ID), bucket.Key, "sk-never-listed")...) {
				if strings.Contains(printed, secret) {
					t.Errorf("the client holds %q", secret)
				}
			}

			// Refusals come back as codes, whatever the status.
			_, err = c.Repos.Create(ctx, req)
			if client.ErrorCode(err) != client.ErrorCodeNameAlreadyUsed || client.IsOutcomeUnknown(err) {
				t.Errorf("second create = %v, want NAME_ALREADY_USED", err)
			}
			detach := req
			detach.Buckets = nil
			if err := c.Repos.Replace(ctx, id, detach); client.ErrorCode(err) != client.ErrorCodeNormalUnitFolderCannotDelete {
				t.Errorf("replace without the bucket = %v, want NORMAL_UNIT_FOLDER_CANNOT_DELETE", err)
			}
			err = c.Repos.Replace(ctx, "gone", req)
			if client.ErrorCode(err) != client.ErrorCodeNotFound || client.IsNotFound(err) == in2xx {
				t.Errorf("replace of an unknown repo = %v, want NOT_FOUND (a 404 unless in a 2xx)", err)
			}
			// The client always sends both lists: an empty LLM list detaches.
			noLLM := req
			noLLM.AILLMIDs = nil
			noLLM.Name = "assistant renamed"
			if err := c.Repos.Replace(ctx, id, noLLM); err != nil {
				t.Fatal(err)
			}
			if got := emu.Repos(ws.ID); len(got) != 1 || len(got[0].LLMIDs) != 0 || got[0].Name != "assistant renamed" || len(got[0].Buckets) != 1 {
				t.Errorf("after the replace: %+v", got)
			}

			var notEmpty *client.WorkspaceNotEmptyError
			err = c.Workspaces.Delete(ctx, ws.ID)
			if !errors.As(err, &notEmpty) || len(notEmpty.Repos) != 1 || notEmpty.Repos[0].ID != id || len(notEmpty.Buckets) != 1 ||
				!client.IsBadRequest(err) {
				t.Fatalf("Workspaces.Delete of a full workspace = %v, want it to name the repo and the bucket", err)
			}
			if _, err := c.Workspaces.Update(ctx, ws.ID, client.UpdateWorkspaceRequest{Name: "Production 2"}); err != nil {
				t.Fatal(err)
			}
			for _, del := range []func() error{
				func() error { return c.Repos.Delete(ctx, id) },
				func() error { return emu.DeleteBucket(bucket.ID) },
				func() error { return c.AILLMs.Delete(ctx, llm) },
				func() error { return c.Workspaces.Delete(ctx, ws.ID) },
			} {
				if err := del(); err != nil {
					t.Fatal(err)
				}
			}
			if err := c.Repos.Delete(ctx, id); !client.IsNotFound(err) {
				t.Errorf("second repo delete = %v, want a 404", err)
			}
			if err := c.Workspaces.Delete(ctx, ws.ID); !client.IsNotFound(err) {
				t.Errorf("second workspace delete = %v, want a 404", err)
			}
			if list, err := c.Workspaces.List(ctx); err != nil || len(list) != 0 {
				t.Errorf("workspaces left: %+v, %v", list, err)
			}
		})
	}
}
