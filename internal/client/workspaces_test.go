package client

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestWorkspaces_listAndGet(t *testing.T) {
	t.Parallel()
	srv := answer(t, 200, validWorkspaceListBody)
	c := newTestClient(t, srv.URL)
	list, err := c.Workspaces.List(context.Background())
	want := []Workspace{{ID: "ws&1=x y", Name: "Development Workspace", OrgID: "org-1"}, {ID: "ws-2", Name: "Production", OrgID: "org-1"}}
	if err != nil || !slices.Equal(list, want) {
		t.Errorf("List = %+v, %v; want %+v", list, err, want)
	}

	srv = answer(t, 200, validWorkspaceBody)
	c = newTestClient(t, srv.URL)
	got, err := c.Workspaces.Get(context.Background(), "ws&1=x y")
	if err != nil || *got != want[0] {
		t.Errorf("Get = %+v, %v; want %+v", got, err, want[0])
	}
}

func TestWorkspaces_brokenAnswers(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, op, body, reason string }{
		{"list missing", "list", `{"success":true}`, `"workspaces"`},
		{"list entry without id", "list", `{"success":true,"workspaces":[{"name":"n","orgId":"o"}]}`, `workspace 0 of the list has no "id"`},
		{"list entry without name and org", "list", `{"success":true,"workspaces":[{"id":"w"}]}`, `"name", "orgId"`},
		{"get missing", "get", `{"success":true}`, `"workspace"`},
		{"get null", "get", `{"success":true,"workspace":null}`, `"workspace"`},
		{"get without name", "get", `{"success":true,"workspace":{"id":"w","orgId":"o"}}`, `"name"`},
		{"get of another workspace", "get", `{"success":true,"workspace":{"id":"w2","name":"n","orgId":"o"}}`, `"w2", not "w"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := answer(t, 200, tt.body)
			c := newTestClient(t, srv.URL)
			var got any
			var err error
			if tt.op == "list" {
				var l []Workspace
				l, err = c.Workspaces.List(context.Background())
				if l != nil {
					got = l
				}
			} else {
				var w *Workspace
				w, err = c.Workspaces.Get(context.Background(), "w")
				if w != nil {
					got = w
				}
			}
			if respErr := asResponseError(t, err); got != nil || !strings.Contains(respErr.Reason, tt.reason) {
				t.Errorf("%v, %v; want nothing and a reason mentioning %s", got, err, tt.reason)
			}
		})
	}
}

func TestWorkspaces_getUnknownIsNotFound(t *testing.T) {
	t.Parallel()
	srv := answer(t, 404, errorBody("workspace not found or access denied"))
	c := newTestClient(t, srv.URL)
	if w, err := c.Workspaces.Get(context.Background(), "w"); w != nil || !IsNotFound(err) {
		t.Errorf("Get = %+v, %v; want a 404", w, err)
	}
}

func TestWorkspaces_createAndUpdateReturnTheWorkspace(t *testing.T) {
	t.Parallel()
	want := Workspace{ID: "ws&1=x y", Name: "Development Workspace", OrgID: "org-1"}
	for _, status := range []int{200, 201} {
		srv := answer(t, status, validWorkspaceWriteBody)
		c := newTestClient(t, srv.URL)
		got, err := c.Workspaces.Create(context.Background(), CreateWorkspaceRequest{Name: "Development Workspace"})
		if err != nil || *got != want {
			t.Errorf("Create (status %d) = %+v, %v; want %+v", status, got, err, want)
		}
	}
	srv := answer(t, 200, validWorkspaceWriteBody)
	c := newTestClient(t, srv.URL)
	got, err := c.Workspaces.Update(context.Background(), "ws&1=x y", UpdateWorkspaceRequest{Name: "Development Workspace"})
	if err != nil || *got != want {
		t.Errorf("Update = %+v, %v; want %+v", got, err, want)
	}
}

func TestWorkspaces_brokenWriteAnswers(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, body, reason string
		// partial is the ID the answer named, returned beside the error by Create.
		partial string
	}{
		{"workspace missing", `{"success":true}`, `lacks "workspace"`, ""},
		{"workspace null", `{"success":true,"workspace":null}`, `lacks "workspace"`, ""},
		{"without id", `{"success":true,"workspace":{"name":"n","orgId":"o"}}`, `no "id"`, ""},
		{"without org", `{"success":true,"workspace":{"id":"ws&1=x y","name":"n"}}`, `no "orgId"`, "ws&1=x y"},
		{"id not a string", `{"success":true,"workspace":{"id":7}}`, "workspace.id", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := answer(t, 201, tt.body)
			c := newTestClient(t, srv.URL)
			got, err := c.Workspaces.Create(context.Background(), CreateWorkspaceRequest{Name: "n"})
			respErr := asResponseError(t, err)
			if !strings.Contains(respErr.Reason, tt.reason) || IsOutcomeUnknown(err) {
				t.Errorf("Create error = %v, want a reason mentioning %s", err, tt.reason)
			}
			if (tt.partial == "") != (got == nil) || (got != nil && *got != Workspace{ID: tt.partial}) {
				t.Errorf("Create = %+v, want only the ID %q", got, tt.partial)
			}
			srv = answer(t, 200, tt.body)
			c = newTestClient(t, srv.URL)
			if got, err := c.Workspaces.Update(context.Background(), "ws&1=x y", UpdateWorkspaceRequest{Name: "n"}); got != nil ||
				!strings.Contains(asResponseError(t, err).Reason, tt.reason) {
				t.Errorf("Update = %+v, %v; want nothing and a reason mentioning %s", got, err, tt.reason)
			}
		})
	}
	srv := answer(t, 200, `{"success":true,"workspace":{"id":"other","name":"n","orgId":"o"}}`)
	c := newTestClient(t, srv.URL)
	if got, err := c.Workspaces.Update(context.Background(), "w", UpdateWorkspaceRequest{Name: "n"}); got != nil ||
		!strings.Contains(asResponseError(t, err).Reason, `"other", not "w"`) {
		t.Errorf("Update answered for another workspace = %+v, %v", got, err)
	}
}

// A refused delete names what the workspace still holds, from its lists.
func TestWorkspaces_deleteRefusedNamesWhatIsLeft(t *testing.T) {
	t.Parallel()
	const refusal = "Cannot delete workspace with existing buckets or repos"
	for _, tt := range []struct {
		name           string
		repos, buckets string
		// want is "" when the plain refusal comes back.
		want string
	}{
		{"repos and buckets", `{"success":true,"repos":[{"id":"r-1","name":"chat","workspaceId":"ws-1"}]}`, validBucketListBody,
			`workspace ws-1 still holds repositories "chat" (r-1) and buckets "Backups" (b-1), "Archive" (b-2): DELETE /workspace/ws-1: 400 Bad Request: ` + refusal},
		{"repos only", `{"success":true,"repos":[{"id":"r-1","name":"chat","workspaceId":"ws-1"}]}`, `{"success":true,"buckets":[]}`,
			`workspace ws-1 still holds repositories "chat" (r-1): `},
		{"buckets only", `{"success":true,"repos":[]}`, validBucketListBody, `workspace ws-1 still holds buckets "Backups" (b-1)`},
		{"nothing left", `{"success":true,"repos":[]}`, `{"success":true,"buckets":[]}`, ""},
		{"lists fail", `{"success":false,"message":"no"}`, `{"success":true,"buckets":[]}`, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newGatewayServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
				switch {
				case r.Method == http.MethodDelete:
					writeBody(w, 400, errorBody(refusal))
				case r.URL.Path == "/repo":
					writeBody(w, 200, tt.repos)
				case r.URL.Path == "/bucket":
					writeBody(w, 200, tt.buckets)
				}
			})
			c := newTestClient(t, srv.URL)
			err := c.Workspaces.Delete(context.Background(), "ws-1")
			if !IsBadRequest(err) || asAPIError(t, err).Message != refusal {
				t.Fatalf("Delete = %v, want the 400 refusal, wrapped or not", err)
			}
			var notEmpty *WorkspaceNotEmptyError
			if tt.want == "" {
				if errors.As(err, &notEmpty) {
					t.Errorf("Delete = %v, want the plain refusal", err)
				}
				return
			}
			if !errors.As(err, &notEmpty) || notEmpty.WorkspaceID != "ws-1" || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("Delete = %v\nwant an error starting %s", err, tt.want)
			}
			if queries := []string{srv.query(1), srv.query(2)}; !slices.Equal(queries, []string{"workspaceId=ws-1", "workspaceId=ws-1"}) {
				t.Errorf("lists sent queries %q", queries)
			}
		})
	}
}

func TestWorkspaces_deleteOtherwiseAsAnswered(t *testing.T) {
	t.Parallel()
	for _, status := range []int{200, 403, 404} {
		body := validOKBody
		if status != 200 {
			body = errorBody("no")
		}
		srv := answer(t, status, body)
		c := newTestClient(t, srv.URL)
		err := c.Workspaces.Delete(context.Background(), "ws-1")
		if (status == 200) != (err == nil) || IsNotFound(err) != (status == 404) || srv.count() != 1 {
			t.Errorf("status %d: Delete = %v after %d requests", status, err, srv.count())
		}
	}
}
