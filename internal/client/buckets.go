package client

import (
	"context"
	"net/http"
	"net/url"
)

// Buckets is the bucket (storage connection) service, read only. There is no
// call that reads one bucket: List the workspace and pick it by ID.
type Buckets struct{ c *Client }

// Bucket is a bucket as the list describes it, never with its credentials: the
// listed access key and encrypted secret blob are not decoded, so no Bucket
// can hold them.
type Bucket struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// WorkspaceID is empty when the answer does not say.
	WorkspaceID string `json:"workspaceId"`
	// StorageType is passed through as the server wrote it (S3, GCS, BLOB,
	// or AZURE in the reference).
	StorageType string `json:"storageType"`
	// Bucket is the physical bucket's (or container's) name.
	Bucket string `json:"bucket"`
	// Region and Endpoint are empty when the bucket has none.
	Region   string `json:"region"`
	Endpoint string `json:"endpoint"`
}

const bucketsPath = "/bucket"

// List returns the buckets of a workspace, or of every workspace the caller
// can access when workspaceID is empty. Its signature is a ListFunc, so a
// ListCache keyed by workspace ID can serve it.
func (s *Buckets) List(ctx context.Context, workspaceID string) ([]Bucket, error) {
	var query url.Values
	if workspaceID != "" {
		query = url.Values{"workspaceId": {workspaceID}}
	}
	var out struct {
		Buckets *[]Bucket `json:"buckets"`
	}
	status, err := s.c.doQuery(ctx, http.MethodGet, bucketsPath, query, nil, &out)
	if err != nil {
		return nil, err
	}
	if out.Buckets == nil {
		return nil, lacks(status, http.MethodGet, bucketsPath, "the list response", "buckets")
	}
	err = checkEntries(status, http.MethodGet, bucketsPath, "bucket", *out.Buckets, func(b Bucket) []field {
		return []field{{"id", b.ID}, {"name", b.Name}}
	})
	if err != nil {
		return nil, err
	}
	return *out.Buckets, nil
}
