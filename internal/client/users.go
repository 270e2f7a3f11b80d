package client

import (
	"context"
	"encoding/json"
	"net/http"
)

// Users is the service of the caller's own account.
type Users struct{ c *Client }

// Profile is what the provider needs of the caller's profile.
type Profile struct {
	ID string
	// OrgID is the caller's organization, or empty when the caller belongs to
	// none (null on the wire).
	OrgID string
}

// Profile reads the caller's profile. An answer without "orgId" is broken,
// not a caller without an organization: only null says that.
func (s *Users) Profile(ctx context.Context) (*Profile, error) {
	const path = "/user/profile"
	var out struct {
		Data *struct {
			ID    string          `json:"id"`
			OrgID json.RawMessage `json:"orgId"`
		} `json:"data"`
	}
	status, err := s.c.do(ctx, http.MethodGet, path, nil, &out)
	if err != nil {
		return nil, err
	}
	if out.Data == nil {
		return nil, lacks(status, http.MethodGet, path, "the profile response", "data")
	}
	if len(out.Data.OrgID) == 0 {
		return nil, lacks(status, http.MethodGet, path, "the profile", "orgId")
	}
	var orgID *string
	if err := json.Unmarshal(out.Data.OrgID, &orgID); err != nil {
		return nil, &ResponseError{StatusCode: status, Method: http.MethodGet, Path: path, Reason: `"orgId" is neither a string nor null`}
	}
	p := &Profile{ID: out.Data.ID}
	if orgID != nil {
		p.OrgID = *orgID
	}
	return p, nil
}
