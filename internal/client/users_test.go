package client

import (
	"context"
	"strings"
	"testing"
)

func TestUsers_profile(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, body string
		want       Profile
		reason     string
	}{
		{"organization", validProfileBody, Profile{ID: "user-1", OrgID: "org-1"}, ""},
		{"no organization", `{"success":true,"data":{"id":"user-1","orgId":null}}`, Profile{ID: "user-1"}, ""},
		{"orgId absent", `{"success":true,"data":{"id":"user-1"}}`, Profile{}, `the profile lacks "orgId"`},
		{"orgId not a string", `{"success":true,"data":{"id":"user-1","orgId":7}}`, Profile{}, `"orgId"`},
		{"data absent", `{"success":true}`, Profile{}, `"data"`},
		{"data null", `{"success":true,"data":null}`, Profile{}, `"data"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := answer(t, 200, tt.body)
			c := newTestClient(t, srv.URL)
			got, err := c.Users.Profile(context.Background())
			if tt.reason != "" {
				if respErr := asResponseError(t, err); got != nil || !strings.Contains(respErr.Reason, tt.reason) {
					t.Errorf("Profile = %+v, %v; want a reason mentioning %s", got, err, tt.reason)
				}
				return
			}
			if err != nil || *got != tt.want {
				t.Errorf("Profile = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}
