package provider

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/client"
)

// profileStub answers reads of the profile from a script, counting them.
type profileStub struct {
	calls   atomic.Int32
	answers func(call int32) (*client.Profile, error)
}

func (p *profileStub) read(context.Context) (*client.Profile, error) {
	return p.answers(p.calls.Add(1))
}

func TestOrgDiscovery_configuredNeverReadsTheProfile(t *testing.T) {
	t.Parallel()
	stub := &profileStub{answers: func(int32) (*client.Profile, error) { return &client.Profile{OrgID: "org-profile"}, nil }}
	o := newOrgDiscovery("org-configured", stub.read)
	for range 3 {
		id, err := o.ID(context.Background())
		if err != nil || id != "org-configured" {
			t.Fatalf("ID() = %q, %v; want org-configured", id, err)
		}
	}
	if o.Configured() != "org-configured" {
		t.Errorf("Configured() = %q", o.Configured())
	}
	if n := stub.calls.Load(); n != 0 {
		t.Errorf("the profile was read %d times, want 0", n)
	}
}

// Concurrent creates share one read of the profile, and later ones none.
func TestOrgDiscovery_readsTheProfileOnce(t *testing.T) {
	t.Parallel()
	stub := &profileStub{answers: func(int32) (*client.Profile, error) { return &client.Profile{OrgID: "org-1"}, nil }}
	o := newOrgDiscovery("", stub.read)
	if o.Configured() != "" {
		t.Errorf("Configured() = %q, want empty", o.Configured())
	}
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			if id, err := o.ID(context.Background()); err != nil || id != "org-1" {
				t.Errorf("ID() = %q, %v; want org-1", id, err)
			}
		})
	}
	wg.Wait()
	if _, err := o.ID(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := stub.calls.Load(); n != 1 {
		t.Errorf("the profile was read %d times, want 1", n)
	}
}

// A failure is not remembered: the next caller asks again, and a success
// then is.
func TestOrgDiscovery_failuresAreNotRemembered(t *testing.T) {
	t.Parallel()
	boom := &client.APIError{StatusCode: 503, Method: "GET", Path: "/user/profile"}
	stub := &profileStub{answers: func(call int32) (*client.Profile, error) {
		switch call {
		case 1:
			return nil, boom
		case 2:
			return &client.Profile{ID: "u-1"}, nil
		default:
			return &client.Profile{ID: "u-1", OrgID: "org-late"}, nil
		}
	}}
	o := newOrgDiscovery("", stub.read)
	if _, err := o.ID(context.Background()); !errors.Is(err, boom) {
		t.Errorf("first ID() error = %v, want the profile's", err)
	}
	if _, err := o.ID(context.Background()); !errors.Is(err, errNoOrganization) {
		t.Errorf("second ID() error = %v, want errNoOrganization", err)
	}
	for range 2 {
		if id, err := o.ID(context.Background()); err != nil || id != "org-late" {
			t.Errorf("ID() = %q, %v; want org-late", id, err)
		}
	}
	if n := stub.calls.Load(); n != 3 {
		t.Errorf("the profile was read %d times, want 3", n)
	}
}
