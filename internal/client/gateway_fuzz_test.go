package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// bodyServer answers every request with the body of the current fuzz input.
// A fuzz worker runs one input at a time, so one body suffices.
type bodyServer struct {
	mu     sync.Mutex
	body   []byte
	client *Client
}

func newBodyServer(f *testing.F) *bodyServer {
	bs := &bodyServer{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		bs.mu.Lock()
		body := bs.body
		bs.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	f.Cleanup(srv.Close)
	c, err := New(Config{BaseURL: srv.URL, Token: testToken, MaxRetries: 0, Timeout: 10 * time.Second})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(c.http.HTTPClient.CloseIdleConnections)
	bs.client = c
	return bs
}

func (bs *bodyServer) serve(body []byte) {
	bs.mu.Lock()
	bs.body = body
	bs.mu.Unlock()
}

// fuzzDecode runs decode on every body and checks what every decoder
// promises: an answered request fails only with the server's "success": false
// or a ResponseError, never with the token, and succeeds only on JSON that
// passes check.
func fuzzDecode[T any](f *testing.F, seeds []string, decode func(context.Context, *Client) (T, error), check func(T) error) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	bs := newBodyServer(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		bs.serve(body)
		got, err := decode(context.Background(), bs.client)
		if err != nil {
			checkAnsweredError(t, err, http.StatusOK, body)
			return
		}
		if !json.Valid(body) {
			t.Fatalf("accepted a body that is not JSON: %q", body)
		}
		if err := check(got); err != nil {
			t.Fatalf("accepted %q: %v", body, err)
		}
	})
}

var gatewayBrokenSeeds = []string{
	``, `null`, `[]`, `{}`, `<html>502</html>`, `{"success":false,"message":"x"}`, `{"success":false}`,
	`{"success":"true"}`, `{"success":true}`, "\xef\xbb\xbf{\"success\":true}",
}

func FuzzDecodeAILLMList(f *testing.F) {
	seeds := append([]string{validLLMListBody,
		`{"success":true,"aiLlms":[]}`,
		`{"success":true,"aiLlms":null}`,
		`{"success":true,"aiLlms":[null]}`,
		`{"success":true,"aiLlms":[{"id":"l","name":"n","aiType":"X","workspaceId":"w","repos":[null,{"id":7}]}]}`,
		`{"success":true,"aiLlms":[{"id":"l","name":"n","aiType":"X","workspaceId":"w","key":{"masked":true}}]}`,
	}, gatewayBrokenSeeds...)
	fuzzDecode(f, seeds, func(ctx context.Context, c *Client) ([]AILLM, error) { return c.AILLMs.List(ctx, "w") },
		func(llms []AILLM) error {
			if llms == nil {
				return fmt.Errorf("nil list without an error")
			}
			for i, l := range llms {
				if l.ID == "" || l.Name == "" || l.AIType == "" || l.WorkspaceID == "" {
					return fmt.Errorf("configuration %d lacks a required field: %+v", i, l)
				}
			}
			return nil
		})
}

func checkPolicy(p AIPolicy) error {
	if p.ID == "" || p.OrgID == "" || p.Name == "" || p.Content == "" || p.RiskType == "" {
		return fmt.Errorf("policy lacks a required field: %+v", p)
	}
	return nil
}

var policySeeds = append([]string{validPolicyBody, validPolicyListBody,
	`{"success":true,"policy":{"id":"pol/1?","orgId":"o","name":"n","content":"c","riskType":"LOW"}}`,
	`{"success":true,"policy":{"id":"pol/1?","orgId":"o","name":"n","content":"c","riskType":"LOW","actionType":null}}`,
	`{"success":true,"policy":{"id":"pol/1?","orgId":"o","name":"n","content":"c","riskType":"LOW","actionType":1.5}}`,
	`{"success":true,"policy":{"id":"pol/1?","orgId":"o","name":"n","content":"c","riskType":"LOW","actionType":99999999999999999999}}`,
	`{"success":true,"policies":[{"id":"p","orgId":"o","name":"n","content":"c","riskType":"LOW","actionType":-1}]}`,
	`{"success":true,"policies":[null]}`,
}, gatewayBrokenSeeds...)

func FuzzDecodeAIPolicy(f *testing.F) {
	fuzzDecode(f, policySeeds, func(ctx context.Context, c *Client) (*AIPolicy, error) { return c.AIPolicies.Get(ctx, gwPolicyID) },
		func(p *AIPolicy) error {
			if p == nil || p.ID != gwPolicyID {
				return fmt.Errorf("policy %+v is not the one asked for", p)
			}
			return checkPolicy(*p)
		})
}

func FuzzDecodeAIPolicyList(f *testing.F) {
	fuzzDecode(f, policySeeds, func(ctx context.Context, c *Client) ([]AIPolicy, error) { return c.AIPolicies.List(ctx, "o", "", "") },
		func(policies []AIPolicy) error {
			if policies == nil {
				return fmt.Errorf("nil list without an error")
			}
			for _, p := range policies {
				if err := checkPolicy(p); err != nil {
					return err
				}
			}
			return nil
		})
}

func FuzzDecodeRepoList(f *testing.F) {
	seeds := append([]string{validRepoListBody,
		`{"success":true,"repos":[]}`,
		`{"success":true,"repos":[{"id":"r","name":"n","workspaceId":"w","aiLlms":[{"aiLlmId":"a","aiLlm":{"id":"b"}}]}]}`,
		`{"success":true,"repos":[{"id":"r","name":"n","workspaceId":"w","aiLlms":[{}]}]}`,
		`{"success":true,"repos":[{"id":"r","name":"n","workspaceId":"w","aiLlms":[null]}]}`,
		`{"success":true,"repos":[{"id":"r","name":"n","workspaceId":"w","apiKeys":[{"secret":{"key":"AKIA-FUZZ-SECRET"}}]}]}`,
		`{"success":true,"repos":[{"id":"r","name":"n","workspaceId":"w","buckets":[{"bucketId":"b","bucket":{"id":"b","secret":{"key":"AKIA-FUZZ-SECRET"}}}]}]}`,
		`{"success":true,"repos":[{"id":"r","name":"n","workspaceId":"w","buckets":[{"bucketId":"b","bucket":{"id":"c"}}]}]}`,
		`{"success":true,"repos":[{"id":"r","name":"n","workspaceId":"w","buckets":null,"units":[{"bucket":{"id":"u"},"master":true}]}]}`,
		`{"success":true,"repos":[{"id":"r","name":"n","workspaceId":"w","buckets":[{"bucketId":"b","bucket":"AKIA-FUZZ-SECRET"}]}]}`,
		`{"success":true,"repos":[{"id":"r","name":"n","workspaceId":"w","buckets":[null,{}]}]}`,
		`{"success":true,"error_code":"NOT_FOUND","repos":[]}`,
	}, gatewayBrokenSeeds...)
	fuzzDecode(f, seeds, func(ctx context.Context, c *Client) ([]Repo, error) { return c.Repos.List(ctx, "w", "") },
		func(repos []Repo) error {
			if repos == nil {
				return fmt.Errorf("nil list without an error")
			}
			for i, r := range repos {
				if r.ID == "" || r.Name == "" || r.WorkspaceID == "" || r.AILLMIDs == nil || r.Buckets == nil ||
					strings.Contains(fmt.Sprint(r), "AKIA-FUZZ-SECRET") {
					return fmt.Errorf("repository %d: %+v", i, r)
				}
				for _, id := range r.AILLMIDs {
					if id == "" {
						return fmt.Errorf("repository %d has an empty AI LLM id", i)
					}
				}
				for _, b := range r.Buckets {
					if b.BucketID == "" {
						return fmt.Errorf("repository %d has an empty bucket id", i)
					}
				}
			}
			return nil
		})
}

func FuzzDecodeRepoCreate(f *testing.F) {
	seeds := append([]string{validRepoCreateBody,
		`{"success":true,"repoId":""}`,
		`{"success":true,"repoId":7}`,
		`{"success":true,"repoId":"r","error_code":"SUCCESS"}`,
		`{"success":true,"repoId":"r","error_code":"NAME_ALREADY_USED"}`,
		`{"success":false,"error_code":"MIRROR_MASTER_UNIT_MISSING","error_message":"m"}`,
		`{"error_code":"QUOTA_EXCEEDED"}`,
		`{"success":true,"repoId":"r","error_code":7}`,
		`{"success":true,"repoId":"r","error_message":["x"]}`,
	}, gatewayBrokenSeeds...)
	fuzzDecode(f, seeds, func(ctx context.Context, c *Client) (string, error) { return c.Repos.Create(ctx, validRepoRequest()) },
		func(id string) error {
			if id == "" {
				return fmt.Errorf("an empty repository id without an error")
			}
			return nil
		})
}

func FuzzDecodeBucketList(f *testing.F) {
	seeds := append([]string{validBucketListBody,
		`{"success":true,"buckets":[]}`,
		`{"success":true,"buckets":[null]}`,
		`{"success":true,"buckets":[{"id":"b","name":"n","key":"AKIA-FUZZ-SECRET","secret":{"key":"AKIA-FUZZ-SECRET"}}]}`,
		`{"success":true,"buckets":[{"id":"b","name":"n","region":null,"endpoint":7}]}`,
		`{"success":true,"buckets":[{"id":"b","name":"n","repos":[null,{"id":1}]}]}`,
	}, gatewayBrokenSeeds...)
	fuzzDecode(f, seeds, func(ctx context.Context, c *Client) ([]Bucket, error) { return c.Buckets.List(ctx, "w") },
		func(buckets []Bucket) error {
			if buckets == nil {
				return fmt.Errorf("nil list without an error")
			}
			for i, b := range buckets {
				if b.ID == "" || b.Name == "" || strings.Contains(fmt.Sprint(b), "AKIA-FUZZ-SECRET") {
					return fmt.Errorf("bucket %d: %+v", i, b)
				}
			}
			return nil
		})
}

// FuzzDecodeWorkspaceCreate checks the create's answer, including the
// workspace it returns with only its ID beside a ResponseError.
func FuzzDecodeWorkspaceCreate(f *testing.F) {
	seeds := append([]string{validWorkspaceWriteBody,
		`{"success":true,"workspace":{"id":"w"}}`,
		`{"success":true,"workspace":{"id":"w","name":"n","orgId":null}}`,
		`{"success":true,"workspace":{"name":"n","orgId":"o"}}`,
		`{"success":true,"workspace":{"id":7}}`,
		`{"success":true,"workspace":null}`,
		`{"success":true,"workspace":[]}`,
	}, gatewayBrokenSeeds...)
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	bs := newBodyServer(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		bs.serve(body)
		w, err := bs.client.Workspaces.Create(context.Background(), CreateWorkspaceRequest{Name: "n"})
		if err == nil {
			if w == nil || w.ID == "" || w.Name == "" || w.OrgID == "" || !json.Valid(body) {
				t.Fatalf("Create = %+v for %q", w, body)
			}
			return
		}
		checkAnsweredError(t, err, http.StatusOK, body)
		var respErr *ResponseError
		if w != nil && (*w != Workspace{ID: w.ID} || w.ID == "" || !errors.As(err, &respErr)) {
			t.Fatalf("Create = %+v with error %v; want at most the ID beside a ResponseError", w, err)
		}
	})
}

func FuzzDecodeWorkspace(f *testing.F) {
	seeds := append([]string{validWorkspaceBody, validWorkspaceListBody,
		`{"success":true,"workspace":{"id":"ws&1=x y","name":"n"}}`,
		`{"success":true,"workspace":{"id":"other","name":"n","orgId":"o"}}`,
	}, gatewayBrokenSeeds...)
	fuzzDecode(f, seeds, func(ctx context.Context, c *Client) (*Workspace, error) { return c.Workspaces.Get(ctx, gwWorkspaceID) },
		func(w *Workspace) error {
			if w == nil || w.ID != gwWorkspaceID || w.Name == "" || w.OrgID == "" {
				return fmt.Errorf("workspace %+v", w)
			}
			return nil
		})
}

func FuzzDecodeProfile(f *testing.F) {
	seeds := append([]string{validProfileBody,
		`{"success":true,"data":{"orgId":null}}`,
		`{"success":true,"data":{"orgId":""}}`,
		`{"success":true,"data":{"orgId":["o"]}}`,
		`{"success":true,"data":{"id":"u"}}`,
	}, gatewayBrokenSeeds...)
	fuzzDecode(f, seeds, func(ctx context.Context, c *Client) (*Profile, error) { return c.Users.Profile(ctx) },
		func(p *Profile) error {
			if p == nil {
				return fmt.Errorf("nil profile without an error")
			}
			return nil
		})
}

func FuzzDecodeAILLMValidate(f *testing.F) {
	seeds := append([]string{validLLMValidateBody, `{"success":false,"message":"Validation failed"}`, `{"success":true,"message":null}`},
		gatewayBrokenSeeds...)
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	bs := newBodyServer(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		bs.serve(body)
		got, err := bs.client.AILLMs.Validate(context.Background(), "llm-1")
		if err != nil {
			// "success": false is a verdict here, never an error.
			var respErr *ResponseError
			if got != nil || !errors.As(err, &respErr) || strings.Contains(err.Error(), testToken) {
				t.Fatalf("Validate = %+v, %v", got, err)
			}
			return
		}
		var env struct {
			Success *bool `json:"success"`
		}
		if got == nil || json.Unmarshal(body, &env) != nil || env.Success == nil || *env.Success != got.Valid {
			t.Fatalf("Validate = %+v for %q", got, body)
		}
	})
}
