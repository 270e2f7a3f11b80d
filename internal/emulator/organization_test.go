package emulator

import (
	"net/http"
	"strings"
	"testing"
)

type wireProfile struct {
	Success bool `json:"success"`
	Data    struct {
		ID                 string  `json:"id"`
		Name               string  `json:"name"`
		LastName           string  `json:"lastName"`
		Email              string  `json:"email"`
		OrgID              *string `json:"orgId"`
		OrgRole            int     `json:"orgRole"`
		OrgRoleDescription string  `json:"orgRoleDescription"`
		OrgRoles           []int   `json:"orgRoles"`
		Validated          bool    `json:"validated"`
		MFARequired        bool    `json:"mfaRequired"`
	} `json:"data"`
}

type wireOrganization struct {
	Success bool `json:"success"`
	Data    *struct {
		ID            string  `json:"id"`
		Name          string  `json:"name"`
		Domain        string  `json:"domain"`
		Address1      string  `json:"address1"`
		Address2      *string `json:"address2"`
		City          string  `json:"city"`
		Zipcode       string  `json:"zipcode"`
		Phone         string  `json:"phone"`
		State         string  `json:"state"`
		Country       string  `json:"country"`
		DeletedAt     *string `json:"deletedAt"`
		ReposDisabled bool    `json:"reposDisabled"`
		Website       string  `json:"website"`
		IsBusiness    bool    `json:"is_business"`
		MFAEnforced   bool    `json:"mfaEnforced"`
	} `json:"data"`
	Message string `json:"message"`
}

func TestProfileGivesTheOrganization(t *testing.T) {
	t.Parallel()
	for want, opts := range map[string]Options{"org-1": gatewayOptions(), DefaultOrgID: {}} {
		h := newHarness(t, opts)
		var profile wireProfile
		expectOK(t, h.do(http.MethodGet, "/user/profile", ""), &profile)
		if !profile.Success || profile.Data.OrgID == nil || *profile.Data.OrgID != want ||
			profile.Data.ID != userID || profile.Data.Email != userEmail {
			t.Errorf("profile = %+v, want orgId %s", profile, want)
		}
	}
}

func TestOrganization(t *testing.T) {
	t.Parallel()
	h := newGateway(t, nil)
	var org wireOrganization
	expectOK(t, h.do(http.MethodGet, "/organization/org-1", ""), &org)
	if !org.Success || org.Data == nil || org.Data.ID != "org-1" || org.Data.Name != "Acme Corporation" {
		t.Errorf("organization = %+v", org)
	}

	for id, status := range map[string]int{"org-x": http.StatusForbidden, "unknown": http.StatusNotFound} {
		resp := h.do(http.MethodGet, "/organization/"+id, "")
		if resp.status != status {
			t.Fatalf("GET /organization/%s: %d, want %d", id, resp.status, status)
		}
		var body wireOrganization
		decodeStrict(t, resp.body, &body)
		if body.Success || body.Data != nil || body.Message == "" || !strings.HasPrefix(string(resp.body), `{"success":false,"data":null,`) {
			t.Errorf("GET /organization/%s body %s, want success false, data null and a message", id, resp.body)
		}
	}
}
