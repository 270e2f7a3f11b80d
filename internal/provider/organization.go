package provider

import (
	"context"
	"errors"
	"sync"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/client"
)

// errNoOrganization is why the organization cannot be discovered: the access
// token's user belongs to none (its profile's orgId is null).
var errNoOrganization = errors.New("the access token's user belongs to no organization: its profile's orgId is null")

// orgDiscovery knows the organization that AI policies belong to when they do
// not say: the provider's org_id (or FLASHBACK_ORG_ID), else the organization
// of the access token's user. The profile is read only when something first
// asks, so a configuration that never needs the organization (one of AI API
// keys only) never pays for it; once read, it is never read again.
type orgDiscovery struct {
	configured string
	profile    func(context.Context) (*client.Profile, error)

	mu         sync.Mutex
	discovered string
}

func newOrgDiscovery(configured string, profile func(context.Context) (*client.Profile, error)) *orgDiscovery {
	return &orgDiscovery{configured: configured, profile: profile}
}

// Configured is the organization the provider's configuration names, or ""
// when it names none: free to ask, it never calls the API.
func (o *orgDiscovery) Configured() string { return o.configured }

// ID returns the organization, reading the caller's profile the first time
// when the configuration names none. Concurrent callers share that one read.
// A failure, errNoOrganization included, is not remembered: the next caller
// asks again.
func (o *orgDiscovery) ID(ctx context.Context) (string, error) {
	if o.configured != "" {
		return o.configured, nil
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.discovered != "" {
		return o.discovered, nil
	}
	p, err := o.profile(ctx)
	if err != nil {
		return "", err
	}
	if p.OrgID == "" {
		return "", errNoOrganization
	}
	o.discovered = p.OrgID
	return o.discovered, nil
}
