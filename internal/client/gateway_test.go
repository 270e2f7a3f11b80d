package client

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// The AI gateway's services (AI LLM configurations, AI policies, repos,
// workspaces, the profile) share the conventions of the key service: these
// tests run every call of them through each convention. The IDs need escaping,
// so every test also proves that path segments and query values are encoded.
const (
	gwLLMID       = "llm/1 x"
	gwLLMPath     = "/ai/llm/llm%2F1%20x"
	gwPolicyID    = "pol/1?"
	gwPolicyPath  = "/policy/pol%2F1%3F"
	gwWorkspaceID = "ws&1=x y"
	gwWorkspaceQ  = "workspaceId=ws%261%3Dx+y"
	gwRepoID      = "repo/1"
	gwRepoPath    = "/repo/repo%2F1"
)

const (
	validLLMListBody = `{"success":true,"aiLlms":[` +
		`{"id":"llm-1","orgId":"org-1","workspaceId":"ws-1","userId":"user-1","name":"My OpenAI Config","aiType":"OPENAI",` +
		`"endpoint":"https://api.openai.com/v1","key":null,"createdAt":"2024-01-15T10:30:00.000Z",` +
		`"repos":[{"id":"repo-789","name":"my-ai-repo","createdAt":"2024-01-16T08:00:00.000Z"}],"future":true},` +
		`{"id":"llm-2","orgId":"org-1","workspaceId":"ws-1","userId":"user-1","name":"Claude","aiType":"ANTHROPIC",` +
		`"endpoint":"https://api.anthropic.com","key":"****abcd","createdAt":"2024-01-17T10:30:00.000Z"}]}`
	validLLMCreateBody   = `{"success":true,"aiLlmId":"llm-new","message":"created"}`
	validLLMUpdateBody   = `{"success":true,"aiLlmId":"llm/1 x","message":"updated"}`
	validLLMValidateBody = `{"success":true,"message":"Connection established and credentials verified."}`
	validPolicyJSON      = `{"id":"pol/1?","orgId":"org-1","name":"PII Protection Policy","content":"Do not allow sharing of personal data",` +
		`"riskType":"HIGH","actionType":2,` +
		`"createdBy":{"id":"user-1","name":"John","lastName":"Doe","email":"john@example.com"},"createdAt":"2024-01-15T10:30:00.000Z",` +
		`"lastUpdatedBy":{"id":"user-1","name":"John","lastName":"Doe","email":"john@example.com"},"lastUpdatedAt":"2024-01-16T10:30:00.000Z",` +
		`"workspaceId":"ws-1","repoId":null,"workspace":{"id":"ws-1","name":"Production"},"repo":null}`
	validPolicyBody     = `{"success":true,"policy":` + validPolicyJSON + `}`
	validPolicyListBody = `{"success":true,"policies":[` + validPolicyJSON + `,` +
		`{"id":"pol-2","orgId":"org-1","name":"Log all","content":"Log everything","riskType":"LOW","actionType":0,` +
		`"createdAt":"2024-01-15T10:30:00.000Z","lastUpdatedAt":"2024-01-15T10:30:00.000Z","workspaceId":null,"repoId":null}]}`
	validRepoListBody = `{"success":true,"repos":[` +
		`{"id":"repo-1","name":"My Repository","storageType":"S3","mode":"MIRROR","workspaceId":"ws-1",` +
		`"buckets":[{"folder":"backups","master":true,"bucketId":"b-1","bucket":{"id":"b-1","name":"Backups","accessKey":"BUCKET-ACCESS-KEY-7781","secretKey":"BUCKET-SECRET-9921",` +
		`"key":"BUCK****","secret":{"key":"BUCKET-BLOB-KEY-0046","iv":"BUCKET-BLOB-IV-0047","authTag":"BUCKET-BLOB-TAG-0048","message":"BUCKET-BLOB-MESSAGE-0049"}}},` +
		`{"folder":"archive","master":false,"bucket":{"id":"b-2","secret":{}}}],` +
		`"aiLlms":[{"aiLlmId":"llm-1"},{"aiLlm":{"id":"llm-2","name":"n","key":"****"}},{"aiLlmId":"llm-3","aiLlm":{"id":"llm-3"}}],` +
		`"apiKeys":[{"id":"sk-1","name":"Read-only key","accessType":"READ","key":"AKIA-STORAGE-KEY-5512",` +
		`"secret":{"key":"BLOB-KEY-0042","iv":"BLOB-IV-0043","authTag":"BLOB-TAG-0044","message":"BLOB-MESSAGE-0045"},"createdAt":"2024-01-15T09:00:00Z"}],` +
		`"aiApiKeys":[{"id":"k1","name":"n","repoId":"repo-1","key":"FB_AI_REPO_KEY_3318","aiType":"OPENAI","createdAt":"2024-01-15T09:00:00Z","deletedAt":null}],` +
		`"createdAt":"2024-01-15T09:00:00Z","disabled":false,"walletAddress":"0xWALLET"},` +
		`{"id":"repo-2","name":"Other","storageType":"GCS","mode":"NORMAL","workspaceId":"ws-2","createdAt":"2024-02-15T09:00:00Z","disabled":true}]}`
	validWorkspaceJSON = `{"id":"ws&1=x y","name":"Development Workspace","orgId":"org-1",` +
		`"users":[{"userId":"user-123","role":"ADMIN","user":{"id":"user-123","name":"John","lastName":"Doe","email":"john@example.com","orgRole":1}}]}`
	validWorkspaceListBody = `{"success":true,"workspaces":[` + validWorkspaceJSON + `,{"id":"ws-2","name":"Production","orgId":"org-1"}]}`
	validWorkspaceBody     = `{"success":true,"workspace":` + validWorkspaceJSON + `}`
	validBucketListBody    = `{"success":true,"buckets":[` +
		`{"id":"b-1","name":"Backups","bucket":"acme-backups","storageType":"S3","key":"AKIA****",` +
		`"secret":{"key":"BUCKET-BLOB-KEY-0046","iv":"BUCKET-BLOB-IV-0047","authTag":"BUCKET-BLOB-TAG-0048","message":"BUCKET-BLOB-MESSAGE-0049"},` +
		`"endpoint":"https://s3.us-east-1.amazonaws.com","region":"us-east-1","status":"ONLINE","workspaceId":"ws-1","createdAt":"2024-01-15T09:00:00Z",` +
		`"repos":[{"id":"repo-1","name":"My Repository","storageType":"S3","createdAt":"2024-01-15T09:00:00Z"}],"apiKeyId":"cred-1","future":1},` +
		`{"id":"b-2","name":"Archive","bucket":"acme-archive","storageType":"GCS","key":"archive@acme.iam.gserviceaccount.com","secret":{},` +
		`"endpoint":null,"region":null,"workspaceId":"ws-1"}]}`
	validRepoCreateBody     = `{"success":true,"repoId":"repo-new"}`
	validWorkspaceWriteBody = `{"success":true,"workspace":{"id":"ws&1=x y","name":"Development Workspace","orgId":"org-1"}}`
	validProfileBody        = `{"success":true,"data":{"id":"user-1","name":"John","lastName":"Doe","email":"john@example.com",` +
		`"orgId":"org-1","orgRole":2,"orgRoleDescription":"WORKSPACES","orgRoles":[0,1,2],"validated":true,"mfaRequired":false}}`
)

// gatewayCall is one call of the gateway services and what the wire should
// show of it.
type gatewayCall struct {
	name   string
	method string
	// path is the escaped path; query the raw query, "" for none.
	path   string
	query  string
	okBody string
	// body is the JSON the request must carry; "" for none.
	body string
	// create is a POST that makes an object; validate is the validate call.
	create, validate bool
	call             func(ctx context.Context, c *Client) error
}

func (g gatewayCall) notRepeated() bool { return g.create || g.validate }

func actionPtr(a AIPolicyAction) *AIPolicyAction { return &a }

func gatewayCalls() []gatewayCall {
	return []gatewayCall{
		{
			name: "llm create", method: http.MethodPost, path: "/ai/llm", okBody: validLLMCreateBody, create: true,
			body: `{"workspaceId":"ws-1","name":"My OpenAI Config","aiType":"OPENAI","endpoint":"https://api.openai.com/v1","secret":"` + testSecret + `"}`,
			call: func(ctx context.Context, c *Client) error {
				_, err := c.AILLMs.Create(ctx, CreateAILLMRequest{WorkspaceID: "ws-1", Name: "My OpenAI Config", AIType: AITypeOpenAI,
					Endpoint: "https://api.openai.com/v1", Secret: testSecret})
				return err
			},
		},
		{
			name: "llm list", method: http.MethodGet, path: "/ai/llm", query: gwWorkspaceQ, okBody: validLLMListBody,
			call: func(ctx context.Context, c *Client) error {
				_, err := c.AILLMs.List(ctx, gwWorkspaceID)
				return err
			},
		},
		{
			name: "llm update", method: http.MethodPut, path: gwLLMPath, okBody: validLLMUpdateBody, body: `{"name":"Renamed"}`,
			call: func(ctx context.Context, c *Client) error {
				return c.AILLMs.Update(ctx, gwLLMID, UpdateAILLMRequest{Name: strPtr("Renamed")})
			},
		},
		{
			name: "llm delete", method: http.MethodDelete, path: gwLLMPath, okBody: validOKBody,
			call: func(ctx context.Context, c *Client) error { return c.AILLMs.Delete(ctx, gwLLMID) },
		},
		{
			name: "llm validate", method: http.MethodPost, path: gwLLMPath + "/validate", okBody: validLLMValidateBody, validate: true,
			call: func(ctx context.Context, c *Client) error {
				_, err := c.AILLMs.Validate(ctx, gwLLMID)
				return err
			},
		},
		{
			name: "policy create", method: http.MethodPost, path: "/policy", okBody: validPolicyBody, create: true,
			body: `{"orgId":"org-1","workspaceId":"ws-1","name":"PII Protection Policy","content":"Do not allow sharing of personal data","riskType":"HIGH","actionType":2}`,
			call: func(ctx context.Context, c *Client) error {
				_, err := c.AIPolicies.Create(ctx, CreateAIPolicyRequest{OrgID: "org-1", WorkspaceID: "ws-1", Name: "PII Protection Policy",
					Content: "Do not allow sharing of personal data", RiskType: AIPolicyRiskHigh, ActionType: AIPolicyActionBlock})
				return err
			},
		},
		{
			name: "policy list", method: http.MethodGet, path: "/policy", query: "orgId=org%2F1&" + gwWorkspaceQ, okBody: validPolicyListBody,
			call: func(ctx context.Context, c *Client) error {
				_, err := c.AIPolicies.List(ctx, "org/1", gwWorkspaceID, "")
				return err
			},
		},
		{
			name: "policy get", method: http.MethodGet, path: gwPolicyPath, okBody: validPolicyBody,
			call: func(ctx context.Context, c *Client) error {
				_, err := c.AIPolicies.Get(ctx, gwPolicyID)
				return err
			},
		},
		{
			name: "policy update", method: http.MethodPut, path: gwPolicyPath, okBody: validPolicyBody, body: `{"riskType":"HIGH"}`,
			call: func(ctx context.Context, c *Client) error {
				_, err := c.AIPolicies.Update(ctx, gwPolicyID, UpdateAIPolicyRequest{RiskType: strPtr(AIPolicyRiskHigh)})
				return err
			},
		},
		{
			name: "policy delete", method: http.MethodDelete, path: gwPolicyPath, okBody: validOKBody,
			call: func(ctx context.Context, c *Client) error { return c.AIPolicies.Delete(ctx, gwPolicyID) },
		},
		{
			name: "repo list", method: http.MethodGet, path: "/repo", query: "repoId=repo%2F1&" + gwWorkspaceQ, okBody: validRepoListBody,
			call: func(ctx context.Context, c *Client) error {
				_, err := c.Repos.List(ctx, gwWorkspaceID, "repo/1")
				return err
			},
		},
		{
			name: "repo create", method: http.MethodPost, path: "/repo", okBody: validRepoCreateBody, create: true,
			body: `{"name":"assistant","storageType":"S3","mode":"NORMAL","workspaceId":"ws-1",` +
				`"repoBuckets":[{"bucketId":"b-1","folder":"data","master":true}],"repoAiLlms":[{"aiLlmId":"llm-1"}]}`,
			call: func(ctx context.Context, c *Client) error {
				_, err := c.Repos.Create(ctx, CreateRepoRequest{WorkspaceID: "ws-1", Name: "assistant", StorageType: StorageTypeS3,
					Mode: RepoModeNormal, Buckets: []RepoBucket{{BucketID: "b-1", Folder: "data", Master: true}}, AILLMIDs: []string{"llm-1"}})
				return err
			},
		},
		{
			name: "repo replace", method: http.MethodPut, path: gwRepoPath, okBody: `{"success":true,"repoId":"repo/1"}`,
			body: `{"name":"assistant","storageType":"S3","mode":"NORMAL","workspaceId":"ws-1","repoBuckets":[],"repoAiLlms":[]}`,
			call: func(ctx context.Context, c *Client) error {
				return c.Repos.Replace(ctx, gwRepoID, ReplaceRepoRequest{WorkspaceID: "ws-1", Name: "assistant", StorageType: StorageTypeS3,
					Mode: RepoModeNormal})
			},
		},
		{
			name: "repo delete", method: http.MethodDelete, path: gwRepoPath, okBody: validOKBody,
			call: func(ctx context.Context, c *Client) error { return c.Repos.Delete(ctx, gwRepoID) },
		},
		{
			name: "bucket list", method: http.MethodGet, path: "/bucket", query: gwWorkspaceQ, okBody: validBucketListBody,
			call: func(ctx context.Context, c *Client) error {
				_, err := c.Buckets.List(ctx, gwWorkspaceID)
				return err
			},
		},
		{
			name: "workspace create", method: http.MethodPost, path: "/workspace", okBody: validWorkspaceWriteBody, create: true,
			body: `{"name":"Development Workspace"}`,
			call: func(ctx context.Context, c *Client) error {
				_, err := c.Workspaces.Create(ctx, CreateWorkspaceRequest{Name: "Development Workspace"})
				return err
			},
		},
		{
			name: "workspace update", method: http.MethodPut, path: "/workspace/ws&1=x%20y", okBody: validWorkspaceWriteBody,
			body: `{"name":"Development Workspace"}`,
			call: func(ctx context.Context, c *Client) error {
				_, err := c.Workspaces.Update(ctx, gwWorkspaceID, UpdateWorkspaceRequest{Name: "Development Workspace"})
				return err
			},
		},
		{
			name: "workspace delete", method: http.MethodDelete, path: "/workspace/ws&1=x%20y", okBody: validOKBody,
			call: func(ctx context.Context, c *Client) error { return c.Workspaces.Delete(ctx, gwWorkspaceID) },
		},
		{
			name: "workspace list", method: http.MethodGet, path: "/workspace", okBody: validWorkspaceListBody,
			call: func(ctx context.Context, c *Client) error {
				_, err := c.Workspaces.List(ctx)
				return err
			},
		},
		{
			name: "workspace get", method: http.MethodGet, path: "/workspace/ws&1=x%20y", okBody: validWorkspaceBody,
			call: func(ctx context.Context, c *Client) error {
				_, err := c.Workspaces.Get(ctx, gwWorkspaceID)
				return err
			},
		},
		{
			name: "profile", method: http.MethodGet, path: "/user/profile", okBody: validProfileBody,
			call: func(ctx context.Context, c *Client) error {
				_, err := c.Users.Profile(ctx)
				return err
			},
		},
	}
}

// gatewayServer is a fakeAPI that also records the raw query of every attempt.
type gatewayServer struct {
	*fakeAPI
	mu      sync.Mutex
	queries []string
}

func newGatewayServer(t *testing.T, handle func(n int, w http.ResponseWriter, r *http.Request)) *gatewayServer {
	t.Helper()
	g := &gatewayServer{}
	g.fakeAPI = newFakeAPI(t, func(n int, w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		g.queries = append(g.queries, r.URL.RawQuery)
		g.mu.Unlock()
		handle(n, w, r)
	})
	return g
}

// attempts counts the attempts of one call.
func (g *gatewayServer) attempts(method, path string) int {
	n := 0
	for _, r := range g.requests() {
		if r.Method == method && r.EscapedPath == path {
			n++
		}
	}
	return n
}

func (g *gatewayServer) query(i int) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.queries[i]
}

// answer makes a server that answers every attempt with status and body.
func answer(t *testing.T, status int, body string) *gatewayServer {
	t.Helper()
	return newGatewayServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeBody(w, status, body) })
}

func TestGateway_requestsCarryHeadersPathQueryAndBody(t *testing.T) {
	t.Parallel()
	for _, gc := range gatewayCalls() {
		t.Run(gc.name, func(t *testing.T) {
			t.Parallel()
			srv := answer(t, 200, gc.okBody)
			c := newTestClient(t, srv.URL)
			if err := gc.call(context.Background(), c); err != nil {
				t.Fatalf("%s: %v", gc.name, err)
			}
			reqs := srv.requests()
			if len(reqs) != 1 {
				t.Fatalf("server saw %d requests, want 1", len(reqs))
			}
			r := reqs[0]
			if r.Method != gc.method || r.EscapedPath != gc.path {
				t.Errorf("request = %s %s, want %s %s", r.Method, r.EscapedPath, gc.method, gc.path)
			}
			if got := srv.query(0); got != gc.query {
				t.Errorf("query = %q, want %q", got, gc.query)
			}
			checkConventions(t, r, gc.body)
		})
	}
}

func TestGateway_queryValuesRoundTrip(t *testing.T) {
	t.Parallel()
	// Whatever an ID holds, the server reads back the same value.
	const odd = "a&b=c d+e%f/g?h#i\u00e9"
	srv := answer(t, 200, `{"success":true,"aiLlms":[]}`)
	c := newTestClient(t, srv.URL)
	if _, err := c.AILLMs.List(context.Background(), odd); err != nil {
		t.Fatal(err)
	}
	q, err := url.ParseQuery(srv.query(0))
	if err != nil || len(q) != 1 || q.Get("workspaceId") != odd {
		t.Errorf("server read query %v (%v), want workspaceId=%q alone", q, err, odd)
	}
}

func TestGateway_documentedErrorStatuses(t *testing.T) {
	t.Parallel()
	for _, status := range []int{400, 401, 403, 404, 409, 500} {
		for _, gc := range gatewayCalls() {
			t.Run(strconv.Itoa(status)+"/"+gc.name, func(t *testing.T) {
				t.Parallel()
				msg := "server says " + strconv.Itoa(status)
				srv := answer(t, status, errorBody(msg))
				c := newTestClient(t, srv.URL)
				err := gc.call(context.Background(), c)
				if err == nil {
					t.Fatal("no error")
				}
				assertNoToken(t, err)
				apiErr := asAPIError(t, err)
				if apiErr.StatusCode != status || apiErr.Message != msg || apiErr.Method != gc.method || apiErr.Path != gc.path {
					t.Errorf("APIError = %+v, want status %d, message %q, %s %s (the path without its query)", *apiErr, status, msg, gc.method, gc.path)
				}
				if got := IsNotFound(err); got != (status == 404) {
					t.Errorf("IsNotFound = %v", got)
				}
				if got := IsForbidden(err); got != (status == 403) {
					t.Errorf("IsForbidden = %v", got)
				}
				if got, want := IsOutcomeUnknown(err), gc.create && status == 500; got != want {
					t.Errorf("IsOutcomeUnknown = %v, want %v", got, want)
				}
				// A workspace delete refused with 400 lists what the
				// workspace holds: only the call itself counts here.
				if n := srv.attempts(gc.method, gc.path); n != 1 {
					t.Errorf("server saw %d attempts, want 1 (status %d is not retried)", n, status)
				}
			})
		}
	}
}

func TestGateway_tokenEchoedByServerIsRedacted(t *testing.T) {
	t.Parallel()
	for _, gc := range gatewayCalls() {
		t.Run(gc.name, func(t *testing.T) {
			t.Parallel()
			srv := answer(t, 401, errorBody("invalid token "+testToken))
			c := newTestClient(t, srv.URL)
			err := gc.call(context.Background(), c)
			if err == nil {
				t.Fatal("no error")
			}
			assertNoToken(t, err)
			if !strings.Contains(err.Error(), "invalid token") {
				t.Errorf("error %q lost the server's message", err)
			}
		})
	}
}

func TestGateway_successFalseOn2xxIsAFailure(t *testing.T) {
	t.Parallel()
	for _, gc := range gatewayCalls() {
		if gc.validate {
			continue // its own test: a validation that ran and failed is a result
		}
		t.Run(gc.name, func(t *testing.T) {
			t.Parallel()
			srv := answer(t, 200, `{"success":false,"message":"NAME_ALREADY_USED"}`)
			c := newTestClient(t, srv.URL)
			err := gc.call(context.Background(), c)
			apiErr := asAPIError(t, err)
			if apiErr.StatusCode != 200 || apiErr.Message != "NAME_ALREADY_USED" || apiErr.Method != gc.method || apiErr.Path != gc.path {
				t.Errorf("APIError = %+v, want 200 with the server's message", *apiErr)
			}
			if IsOutcomeUnknown(err) {
				t.Error("IsOutcomeUnknown is true for an answered request")
			}
		})
	}
}

func TestGateway_errorCodeIn2xxIsAFailure(t *testing.T) {
	t.Parallel()
	for _, gc := range gatewayCalls() {
		if gc.validate {
			continue // its own test: a validation that ran and failed is a result
		}
		for _, body := range []string{
			`{"success":true,"error_code":"QUOTA_EXCEEDED","error_message":"limit reached"}`,
			`{"error_code":"QUOTA_EXCEEDED","error_message":"limit reached"}`,
		} {
			t.Run(gc.name, func(t *testing.T) {
				t.Parallel()
				srv := answer(t, 200, body)
				c := newTestClient(t, srv.URL)
				err := gc.call(context.Background(), c)
				apiErr := asAPIError(t, err)
				if apiErr.StatusCode != 200 || apiErr.Code != ErrorCodeQuotaExceeded || apiErr.Message != "limit reached" ||
					apiErr.Method != gc.method || apiErr.Path != gc.path {
					t.Errorf("APIError = %+v, want 200 with the server's code and message", *apiErr)
				}
				if IsOutcomeUnknown(err) {
					t.Error("IsOutcomeUnknown is true for an answered request")
				}
			})
		}
	}
}

func TestGateway_unusableSuccessBodies(t *testing.T) {
	t.Parallel()
	// The marker stands for whatever an unusable body holds: a response error
	// never quotes the body.
	const marker = "BODY-MARKER-5f2e9a"
	for _, b := range []struct{ name, body, reason string }{
		{"malformed JSON", `{"success":true,"x":"` + marker + `",`, "not valid JSON"},
		{"empty", ``, "empty"},
		{"HTML", `<html>` + marker + `</html>`, "not valid JSON"},
		{"array", `["` + marker + `"]`, ""},
		{"success not a bool", `{"success":"` + marker + `"}`, `"success"`},
	} {
		for _, gc := range gatewayCalls() {
			t.Run(b.name+"/"+gc.name, func(t *testing.T) {
				t.Parallel()
				srv := answer(t, 200, b.body)
				c := newTestClient(t, srv.URL)
				err := gc.call(context.Background(), c)
				respErr := asResponseError(t, err)
				if respErr.StatusCode != 200 || respErr.Method != gc.method || respErr.Path != gc.path || !strings.Contains(respErr.Reason, b.reason) {
					t.Errorf("ResponseError = %+v, want 200 %s %s mentioning %q", *respErr, gc.method, gc.path, b.reason)
				}
				if strings.Contains(err.Error(), marker) {
					t.Errorf("error %q quotes the body", err)
				}
				if IsOutcomeUnknown(err) {
					t.Error("IsOutcomeUnknown is true for an answered request")
				}
				if n := srv.count(); n != 1 {
					t.Errorf("server saw %d attempts, want 1", n)
				}
			})
		}
	}
}

func TestGateway_throttledCallsAreRetried(t *testing.T) {
	t.Parallel()
	for _, gc := range gatewayCalls() {
		t.Run(gc.name, func(t *testing.T) {
			t.Parallel()
			srv := newGatewayServer(t, func(n int, w http.ResponseWriter, _ *http.Request) {
				if n == 1 {
					writeBody(w, http.StatusTooManyRequests, errorBody("slow down"))
					return
				}
				writeBody(w, 200, gc.okBody)
			})
			c := newTestClient(t, srv.URL)
			if err := gc.call(context.Background(), c); err != nil {
				t.Fatalf("%s after a 429: %v", gc.name, err)
			}
			reqs := srv.requests()
			if len(reqs) != 2 || string(reqs[0].Body) != string(reqs[1].Body) {
				t.Errorf("want 2 attempts with the same body, got %d", len(reqs))
			}
		})
	}
}

func TestGateway_gatewayErrorsRepeatOnlyWhatTheServerCannotHaveDone(t *testing.T) {
	t.Parallel()
	for _, status := range []int{502, 504} {
		for _, gc := range gatewayCalls() {
			t.Run(strconv.Itoa(status)+"/"+gc.name, func(t *testing.T) {
				t.Parallel()
				srv := answer(t, status, errorBody("upstream trouble"))
				c := newTestClient(t, srv.URL, withRetries(2))
				err := gc.call(context.Background(), c)
				want := 3
				if gc.notRepeated() {
					// A create could be made twice, and a validation spends
					// the customer's provider quota again.
					want = 1
				}
				if n := srv.count(); n != want {
					t.Errorf("server saw %d attempts, want %d", n, want)
				}
				if asAPIError(t, err).StatusCode != status {
					t.Errorf("err = %v, want the %d", err, status)
				}
				if got := IsOutcomeUnknown(err); got != gc.create {
					t.Errorf("IsOutcomeUnknown = %v, want %v", got, gc.create)
				}
			})
		}
	}
}

func TestGateway_droppedConnection(t *testing.T) {
	t.Parallel()
	for _, gc := range gatewayCalls() {
		t.Run(gc.name, func(t *testing.T) {
			t.Parallel()
			srv := newGatewayServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					dropConnection(t, w, r)
					return
				}
				writeBody(w, 200, gc.okBody)
			})
			c := newTestClient(t, srv.URL)
			err := gc.call(context.Background(), c)
			if !gc.notRepeated() {
				if err != nil || srv.count() != 2 {
					t.Errorf("after a dropped connection: %v with %d attempts, want success on the second", err, srv.count())
				}
				return
			}
			if err == nil || srv.count() != 1 {
				t.Fatalf("after a dropped connection: %v with %d attempts, want an error after 1", err, srv.count())
			}
			if got := IsOutcomeUnknown(err); got != gc.create {
				t.Errorf("IsOutcomeUnknown(%v) = %v, want %v", err, got, gc.create)
			}
			var apiErr *APIError
			if errors.As(err, &apiErr) {
				t.Errorf("a dropped connection produced an APIError %v", apiErr)
			}
			assertNoToken(t, err)
		})
	}
}

func TestGateway_refusedConnectionIsRetriedEvenForCreates(t *testing.T) {
	t.Parallel()
	for _, gc := range gatewayCalls() {
		if !gc.notRepeated() {
			continue
		}
		t.Run(gc.name, func(t *testing.T) {
			t.Parallel()
			c := newTestClient(t, refusedURL(t), withRetries(2))
			attempts := countAttempts(c)
			err := gc.call(context.Background(), c)
			if n := attempts.n.Load(); n != 3 || err == nil {
				t.Errorf("%d attempts ending in %v, want 3 ending in an error", n, err)
			}
			if IsOutcomeUnknown(err) {
				t.Errorf("IsOutcomeUnknown(%v) for a connection that was never made", err)
			}
		})
	}
}

// Requests the API does not define (an empty ID changes the endpoint a
// request reaches; a policy scope needs its organization, and a repository its
// workspace) never leave the client.
func TestGateway_undefinedRequestsAreRefusedBeforeSending(t *testing.T) {
	t.Parallel()
	srv := answer(t, 200, validOKBody)
	c := newTestClient(t, srv.URL)
	ctx := context.Background()
	calls := map[string]func() error{
		"llm update":   func() error { return c.AILLMs.Update(ctx, "", UpdateAILLMRequest{Name: strPtr("n")}) },
		"llm delete":   func() error { return c.AILLMs.Delete(ctx, "") },
		"llm validate": func() error { _, err := c.AILLMs.Validate(ctx, ""); return err },
		"policy get":   func() error { _, err := c.AIPolicies.Get(ctx, ""); return err },
		"policy update": func() error {
			_, err := c.AIPolicies.Update(ctx, "", UpdateAIPolicyRequest{Name: strPtr("n")})
			return err
		},
		"policy delete":    func() error { return c.AIPolicies.Delete(ctx, "") },
		"workspace get":    func() error { _, err := c.Workspaces.Get(ctx, ""); return err },
		"workspace update": func() error { _, err := c.Workspaces.Update(ctx, "", UpdateWorkspaceRequest{Name: "n"}); return err },
		"workspace update without a name": func() error {
			_, err := c.Workspaces.Update(ctx, "ws-1", UpdateWorkspaceRequest{})
			return err
		},
		"workspace create without a name":             func() error { _, err := c.Workspaces.Create(ctx, CreateWorkspaceRequest{}); return err },
		"workspace delete":                            func() error { return c.Workspaces.Delete(ctx, "") },
		"repo replace":                                func() error { return c.Repos.Replace(ctx, "", validRepoRequest()) },
		"repo delete":                                 func() error { return c.Repos.Delete(ctx, "") },
		"policy list without org":                     func() error { _, err := c.AIPolicies.List(ctx, "", "", ""); return err },
		"policy list of a repo without its workspace": func() error { _, err := c.AIPolicies.List(ctx, "org-1", "", "repo-1"); return err },
	}
	for name, call := range calls {
		if err := call(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if n := srv.count(); n != 0 {
		t.Errorf("server saw %d requests, want none", n)
	}
}
