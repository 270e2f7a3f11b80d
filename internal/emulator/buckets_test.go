package emulator

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// The bucket wire shapes as the contract spells them, decoded strictly.
type wireBucketItem struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Bucket      string `json:"bucket"`
	StorageType string `json:"storageType"`
	Key         string `json:"key"`
	Secret      struct {
		Key     string `json:"key"`
		IV      string `json:"iv"`
		AuthTag string `json:"authTag"`
		Message string `json:"message"`
	} `json:"secret"`
	Endpoint    *string           `json:"endpoint"`
	Region      *string           `json:"region"`
	Status      string            `json:"status"`
	WorkspaceID string            `json:"workspaceId"`
	CreatedAt   string            `json:"createdAt"`
	Repos       *[]wireBucketRepo `json:"repos"`
}

type wireBucketRepo struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	StorageType string `json:"storageType"`
	CreatedAt   string `json:"createdAt"`
}

type wireBucketList struct {
	Success bool             `json:"success"`
	Buckets []wireBucketItem `json:"buckets"`
}

func (h *harness) listBuckets(query string) []wireBucketItem {
	h.t.Helper()
	var list wireBucketList
	expectOK(h.t, h.do(http.MethodGet, "/bucket"+query, ""), &list)
	if !list.Success {
		h.t.Fatalf("list buckets %s: success false", query)
	}
	return list.Buckets
}

func bucketIDs(buckets []wireBucketItem) []string {
	var out []string
	for _, b := range buckets {
		out = append(out, b.ID)
	}
	return out
}

// gatewayBuckets are buckets in ws-1 (two), ws-2 and another organization's
// workspace.
func gatewayBuckets(o *Options) {
	o.Buckets = []Bucket{
		{ID: "b-1", WorkspaceID: "ws-1", Name: "Backups", Bucket: "acme-backups", Region: "us-east-1",
			Endpoint: "https://s3.us-east-1.amazonaws.com", Key: "AKIAIOSFODNN7EXAMPLE"},
		{ID: "b-2", WorkspaceID: "ws-1", StorageType: "GCS"},
		{ID: "b-3", WorkspaceID: "ws-2", Name: "Staging data", StorageType: "BLOB"},
		{ID: "b-x", WorkspaceID: "ws-x", Name: "Theirs"},
	}
}

func TestBucketListShape(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	h := newGateway(t, func(o *Options) {
		o.Now = clock.Now
		gatewayBuckets(o)
		o.WorkspaceRepos[0].Buckets = []RepoBucket{{BucketID: "b-1", Folder: "data"}}
	})
	list := h.listBuckets("?workspaceId=ws-1")
	if got := bucketIDs(list); !slices.Equal(got, []string{"b-1", "b-2"}) {
		t.Fatalf("buckets of ws-1 = %v", got)
	}
	b1, b2 := list[0], list[1]
	if b1.Name != "Backups" || b1.Bucket != "acme-backups" || b1.StorageType != "S3" || b1.Key != "AKIA****" ||
		b1.Endpoint == nil || *b1.Endpoint != "https://s3.us-east-1.amazonaws.com" || b1.Region == nil || *b1.Region != "us-east-1" ||
		b1.Status != "ONLINE" || b1.WorkspaceID != "ws-1" || b1.CreatedAt != "2024-01-15T10:30:00.000Z" {
		t.Errorf("b-1 = %+v", b1)
	}
	if b1.Repos == nil || len(*b1.Repos) != 1 || (*b1.Repos)[0] != (wireBucketRepo{ID: "repo-a", Name: "gateway", StorageType: "S3", CreatedAt: b1.CreatedAt}) {
		t.Errorf("b-1 repos = %+v, want repo-a", b1.Repos)
	}
	// Defaults: named and physically named after the id, S3 unless declared,
	// no region or endpoint (null), a made-up key listed masked.
	if b2.Name != "b-2" || b2.Bucket != "b-2" || b2.StorageType != "GCS" || b2.Endpoint != nil || b2.Region != nil ||
		!strings.HasSuffix(b2.Key, "****") || b2.Repos == nil || len(*b2.Repos) != 0 {
		t.Errorf("b-2 = %+v", b2)
	}
	for _, b := range list {
		secrets := h.emu.BucketSecrets(b.ID)
		listed := []string{b.Key, b.Secret.Key, b.Secret.IV, b.Secret.AuthTag, b.Secret.Message}
		if !slices.Equal(secrets, listed) {
			t.Errorf("BucketSecrets(%s) = %v, listing carries %v", b.ID, secrets, listed)
		}
		for _, s := range listed[1:] {
			if len(s) < 16 {
				t.Errorf("bucket secret %q is too short to search for reliably", s)
			}
		}
	}
	if h.emu.BucketSecrets("unknown") != nil {
		t.Error("BucketSecrets of an unknown bucket is not nil")
	}
	if full := h.emu.Buckets("ws-1")[0].Key; full != "AKIAIOSFODNN7EXAMPLE" || strings.Contains(string(h.do(http.MethodGet, "/bucket", "").body), full) {
		t.Errorf("the configured key %q is listed in full, or Buckets does not return it", full)
	}
}

func TestBucketListFilters(t *testing.T) {
	t.Parallel()
	h := newGateway(t, gatewayBuckets)
	for query, want := range map[string][]string{
		"":                  {"b-1", "b-2", "b-3"},
		"?workspaceId=ws-1": {"b-1", "b-2"},
		"?workspaceId=ws-2": {"b-3"},
	} {
		if got := bucketIDs(h.listBuckets(query)); !slices.Equal(got, want) {
			t.Errorf("GET /bucket%s = %v, want %v", query, got, want)
		}
	}
	expectErrorMentioning(t, h.do(http.MethodGet, "/bucket?workspaceId=ws-x", ""), http.StatusForbidden, "ws-x")
	expectError(t, h.do(http.MethodGet, "/bucket?workspaceId=unknown", ""), http.StatusForbidden)
	expectError(t, h.do(http.MethodGet, "/bucket?workspaceId=", ""), http.StatusBadRequest)
}

func TestAddAndDeleteBuckets(t *testing.T) {
	t.Parallel()
	h := newGateway(t, gatewayBuckets)
	added, err := h.emu.AddBucket(Bucket{WorkspaceID: "ws-2", Name: "added", Region: "eu-west-1"})
	if err != nil {
		t.Fatal(err)
	}
	if !uuidV4Pattern.MatchString(added.ID) || added.Bucket != added.ID || added.StorageType != "S3" || !strings.HasPrefix(added.Key, "AKIA") {
		t.Errorf("AddBucket = %+v, want the defaults filled in", added)
	}
	if got := bucketIDs(h.listBuckets("?workspaceId=ws-2")); !slices.Equal(got, []string{"b-3", added.ID}) {
		t.Errorf("ws-2 after AddBucket = %v", got)
	}
	for name, b := range map[string]Bucket{
		"id taken":          {ID: "b-1", WorkspaceID: "ws-1", Name: "other"},
		"name taken":        {WorkspaceID: "ws-2", Name: "Backups"},
		"unknown workspace": {WorkspaceID: "nowhere"},
		"no default":        {},
		"bad storage type":  {WorkspaceID: "ws-1", StorageType: "AZURE"},
		"name too long":     {WorkspaceID: "ws-1", Name: strings.Repeat("n", MaxNameLength+1)},
	} {
		if _, err := h.emu.AddBucket(b); err == nil {
			t.Errorf("%s: AddBucket accepted %+v", name, b)
		}
	}
	if _, err := h.emu.AddBucket(Bucket{WorkspaceID: "nowhere"}); !errors.Is(err, ErrWorkspaceNotFound) {
		t.Errorf("AddBucket to an unknown workspace = %v, want ErrWorkspaceNotFound", err)
	}
	// Names are unique in the organization only: another's does not count.
	if _, err := h.emu.AddBucket(Bucket{WorkspaceID: "ws-1", Name: "Theirs"}); err != nil {
		t.Errorf("AddBucket with the name of another organization's bucket = %v", err)
	}

	if err := h.emu.DeleteBucket(added.ID); err != nil {
		t.Fatal(err)
	}
	if got := bucketIDs(h.listBuckets("?workspaceId=ws-2")); !slices.Equal(got, []string{"b-3"}) {
		t.Errorf("ws-2 after DeleteBucket = %v", got)
	}
	if err := h.emu.DeleteBucket(added.ID); !errors.Is(err, ErrBucketNotFound) {
		t.Errorf("second DeleteBucket = %v, want ErrBucketNotFound", err)
	}
	// A deleted bucket's name is free again.
	if _, err := h.emu.AddBucket(Bucket{WorkspaceID: "ws-2", Name: "added"}); err != nil {
		t.Errorf("AddBucket with a deleted bucket's name = %v", err)
	}
}

func TestDeleteBucketRefusedWhileARepoUsesIt(t *testing.T) {
	t.Parallel()
	h := newGateway(t, func(o *Options) {
		gatewayBuckets(o)
		o.WorkspaceRepos[0].Buckets = []RepoBucket{{BucketID: "b-1", Folder: "data"}}
	})
	if err := h.emu.DeleteBucket("b-1"); !errors.Is(err, ErrBucketInUse) || !strings.Contains(err.Error(), "repo-a (gateway)") {
		t.Errorf("DeleteBucket of a used bucket = %v, want ErrBucketInUse naming repo-a", err)
	}
	expectOK(t, h.do(http.MethodDelete, "/repo/repo-a", ""), &wireMessage{})
	if err := h.emu.DeleteBucket("b-1"); err != nil {
		t.Errorf("DeleteBucket after the repo went = %v", err)
	}
}
