package client

import (
	"context"
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
