package emulator

import (
	"net/http"
	"slices"
)

// Operations on the caller's profile and organization, as used by Fault.Op and
// Requests.
const (
	OpProfileGet      = "user.profile"
	OpOrganizationGet = "organization.get"
)

// The one user the token stands for: an administrator of its organization and
// of every workspace in it.
const (
	userID       = "emulator-user"
	userName     = "Emulated"
	userLastName = "User"
	userEmail    = "user@emulator.invalid"
	// userOrgRole is ADMINISTRATORS (0xfe).
	userOrgRole = 0xfe
)

func organizationRoutes() []route {
	return []route{
		{path: "/user/profile", endpoints: []endpoint{
			{method: http.MethodGet, op: OpProfileGet, handle: (*Server).getProfile},
		}},
		{path: "/organization/{orgId}", endpoints: []endpoint{
			{method: http.MethodGet, op: OpOrganizationGet, handle: (*Server).getOrganization},
		}},
	}
}

type profileBody struct {
	Success bool       `json:"success"`
	Data    profileDTO `json:"data"`
}

type profileDTO struct {
	ID                 string `json:"id"`
	Name               string `json:"name"`
	LastName           string `json:"lastName"`
	Email              string `json:"email"`
	OrgID              string `json:"orgId"`
	OrgRole            int    `json:"orgRole"`
	OrgRoleDescription string `json:"orgRoleDescription"`
	OrgRoles           []int  `json:"orgRoles"`
	Validated          bool   `json:"validated"`
	MFARequired        bool   `json:"mfaRequired"`
}

func (s *Server) getProfile(_ *http.Request, _ map[string]string) result {
	s.mu.Lock()
	defer s.mu.Unlock()
	return okResult(profileBody{Success: true, Data: profileDTO{
		ID:                 userID,
		Name:               userName,
		LastName:           userLastName,
		Email:              userEmail,
		OrgID:              s.orgID,
		OrgRole:            userOrgRole,
		OrgRoleDescription: "ADMINISTRATORS",
		OrgRoles:           []int{userOrgRole},
		Validated:          true,
	}})
}

type organizationBody struct {
	Success bool             `json:"success"`
	Data    *organizationDTO `json:"data"`
	Message string           `json:"message,omitempty"`
}

type organizationDTO struct {
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
}

// getOrganization serves the caller's organization; another organization it
// knows of (a declared workspace's) is a 403, any other a 404. Its error bodies
// carry "data": null, as the contract says organization endpoints' do.
func (s *Server) getOrganization(_ *http.Request, p map[string]string) result {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := p["orgId"]
	if id == s.orgID {
		return okResult(organizationBody{Success: true, Data: &organizationDTO{
			ID:      id,
			Name:    s.orgName,
			Domain:  "emulator.invalid",
			City:    "Emulated City",
			Country: "US",
			Website: "https://emulator.invalid",
		}})
	}
	known := slices.ContainsFunc(s.sortedWorkspacesLocked(), func(ws *workspaceRecord) bool { return ws.OrgID == id })
	if known {
		return result{status: http.StatusForbidden, body: organizationBody{Message: "insufficient permissions for organization " + id}}
	}
	return result{status: http.StatusNotFound, body: organizationBody{Message: "organization " + id + " not found"}}
}
