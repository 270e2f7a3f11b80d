package client

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestBuckets_listDecodesWhatTheProviderNeeds(t *testing.T) {
	t.Parallel()
	srv := answer(t, 200, validBucketListBody)
	c := newTestClient(t, srv.URL)
	buckets, err := c.Buckets.List(context.Background(), "ws-1")
	if err != nil {
		t.Fatal(err)
	}
	want := []Bucket{
		{ID: "b-1", Name: "Backups", WorkspaceID: "ws-1", StorageType: "S3", Bucket: "acme-backups", Region: "us-east-1",
			Endpoint: "https://s3.us-east-1.amazonaws.com"},
		{ID: "b-2", Name: "Archive", WorkspaceID: "ws-1", StorageType: "GCS", Bucket: "acme-archive"},
	}
	if !reflect.DeepEqual(buckets, want) {
		t.Errorf("List =\n%+v\nwant\n%+v", buckets, want)
	}
}

// TestBuckets_credentialsInAListingAreNeverDecoded: the listing carries the
// access key and the encrypted secret; neither reaches a Bucket.
func TestBuckets_credentialsInAListingAreNeverDecoded(t *testing.T) {
	t.Parallel()
	srv := answer(t, 200, validBucketListBody)
	c := newTestClient(t, srv.URL)
	buckets, err := c.Buckets.List(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	printed := fmt.Sprintf("%+v %#v", buckets, buckets)
	for _, secret := range []string{"AKIA****", "BUCKET-BLOB-KEY-0046", "BUCKET-BLOB-IV-0047", "BUCKET-BLOB-TAG-0048", "BUCKET-BLOB-MESSAGE-0049",
		"archive@acme.iam.gserviceaccount.com", "cred-1"} {
		if strings.Contains(printed, secret) {
			t.Errorf("decoded buckets hold %q", secret)
		}
	}
	want := []string{"ID string", "Name string", "WorkspaceID string", "StorageType string", "Bucket string", "Region string", "Endpoint string"}
	if fields := fieldsOf(reflect.TypeFor[Bucket]()); !slices.Equal(fields, want) {
		t.Errorf("Bucket fields = %v, want exactly %v", fields, want)
	}
}

func TestBuckets_listQuery(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ workspaceID, want string }{{"", ""}, {"ws 1", "workspaceId=ws+1"}} {
		srv := answer(t, 200, `{"success":true,"buckets":[]}`)
		c := newTestClient(t, srv.URL)
		buckets, err := c.Buckets.List(context.Background(), tt.workspaceID)
		if err != nil || buckets == nil {
			t.Fatalf("List = %v, %v", buckets, err)
		}
		if got := srv.query(0); got != tt.want {
			t.Errorf("List(%q) sent query %q, want %q", tt.workspaceID, got, tt.want)
		}
	}
}

func TestBuckets_listBrokenAnswers(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, body, reason string }{
		{"buckets missing", `{"success":true}`, `"buckets"`},
		{"buckets null", `{"success":true,"buckets":null}`, `"buckets"`},
		{"bucket bare array", `[]`, ""},
		{"entry without id", `{"success":true,"buckets":[{"name":"n"}]}`, `bucket 0 of the list has no "id"`},
		{"entry null", `{"success":true,"buckets":[null]}`, `bucket 0 of the list has no "id", "name"`},
		{"region not a string", `{"success":true,"buckets":[{"id":"b","name":"n","region":1}]}`, "region"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := answer(t, 200, tt.body)
			c := newTestClient(t, srv.URL)
			buckets, err := c.Buckets.List(context.Background(), "")
			if respErr := asResponseError(t, err); buckets != nil || !strings.Contains(respErr.Reason, tt.reason) {
				t.Errorf("List = %+v, %v; want a reason mentioning %s", buckets, err, tt.reason)
			}
		})
	}
}
