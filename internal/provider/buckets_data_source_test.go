package provider

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/emulator"
)

const testBucketsDataAddr = "data.flashback_buckets.test"

var pathBuckets = tfjsonpath.New("buckets")

func bucketsDataConfig(label, workspaceID string) string {
	return fmt.Sprintf(`
data "flashback_buckets" %q {
  workspace_id = %q
}
`, label, workspaceID)
}

// The buckets every bucket test's emulator holds: two in ws-prod, one with
// region and endpoint and one without, and one in ws-staging.
var testBuckets = []emulator.Bucket{
	{ID: "bkt-media", WorkspaceID: testWorkspaceID, Name: "media", StorageType: "S3", Bucket: "acme-media",
		Region: "us-east-1", Endpoint: "https://s3.us-east-1.amazonaws.com", Key: "AKIAMEDIAEXAMPLE0001"},
	{ID: "bkt-archive", WorkspaceID: testWorkspaceID, Name: "archive", StorageType: "GCS", Bucket: "acme-archive",
		Key: "archive@acme.iam.gserviceaccount.com"},
	{ID: "bkt-staging", WorkspaceID: testWorkspace2ID, Name: "staging", StorageType: "BLOB", Bucket: "acme-staging"},
}

func withTestBuckets(o *emulator.Options) { o.Buckets = append(o.Buckets, testBuckets...) }

// bucketIs checks every attribute of a listed bucket: nothing else, such as
// a key or a secret, may be there.
func bucketIs(b emulator.Bucket) knownvalue.Check {
	orNull := func(s string) knownvalue.Check {
		if s == "" {
			return knownvalue.Null()
		}
		return knownvalue.StringExact(s)
	}
	return knownvalue.ObjectExact(map[string]knownvalue.Check{
		"id":           knownvalue.StringExact(b.ID),
		"name":         knownvalue.StringExact(b.Name),
		"storage_type": knownvalue.StringExact(b.StorageType),
		"bucket":       knownvalue.StringExact(b.Bucket),
		"region":       orNull(b.Region),
		"endpoint":     orNull(b.Endpoint),
	})
}

// stateFileLacksBucketSecrets reads the state file Terraform wrote in the
// test's working directory (under baseDir) and fails if it holds any secret
// the emulator's bucket listing carries (the masked key and each part of the
// encrypted secret blob) of the given buckets, or anything named like one. It
// first checks that the state holds the buckets at all, so that finding
// nothing proves something.
func stateFileLacksBucketSecrets(emu *emulator.Server, baseDir string, ids ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		files, err := filepath.Glob(filepath.Join(baseDir, "work*", "terraform.tfstate"))
		if err != nil || len(files) != 1 {
			return fmt.Errorf("want the one state file under %s, found %v (%v)", baseDir, files, err)
		}
		state, err := os.ReadFile(files[0])
		if err != nil {
			return err
		}
		for _, id := range ids {
			if !strings.Contains(string(state), `"`+id+`"`) {
				return fmt.Errorf("the state file does not hold bucket %s: finding no secret in it proves nothing", id)
			}
			secrets := emu.BucketSecrets(id)
			if len(secrets) != 5 {
				return fmt.Errorf("the emulator gave %d secrets of bucket %s, want the masked key and 4 blob parts", len(secrets), id)
			}
			for _, s := range secrets {
				if strings.Contains(string(state), s) {
					return fmt.Errorf("the state file holds a secret of bucket %s's listing (%d characters)", id, len(s))
				}
			}
		}
		for _, name := range []string{`"key"`, `"secret"`, `"authTag"`, `"iv"`, `"message"`} {
			if strings.Contains(string(state), name+":") {
				return fmt.Errorf("the state file has an attribute %s", name)
			}
		}
		return nil
	}
}

// A workspace's buckets, each with exactly its ID, name, storage type,
// physical bucket, region and endpoint, in Flashback's order; never the
// access key or the encrypted secret the listing carries, which the state file
// proves.
func TestAccBucketsDataSource_ofAWorkspace(t *testing.T) {
	env := newEmulatorEnv(t, withTestBuckets, nil)
	workDir := t.TempDir()
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		WorkingDir:               workDir,
		Steps: []resource.TestStep{{
			Config: env.config(bucketsDataConfig("test", testWorkspaceID)),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(testBucketsDataAddr, pathBuckets,
					knownvalue.ListExact([]knownvalue.Check{bucketIs(testBuckets[0]), bucketIs(testBuckets[1])})),
				noBucketSecrets(env.emu, testBucketsDataAddr, testBuckets[0].ID, testBuckets[1].ID),
			},
			Check: stateFileLacksBucketSecrets(env.emu, workDir, testBuckets[0].ID, testBuckets[1].ID),
		}},
	})
}

// noBucketSecrets proves the same of the state as Terraform reports it: no
// attribute of the data source holds a secret of the buckets' listing or is
// named secret.
func noBucketSecrets(emu *emulator.Server, addr string, ids ...string) statecheck.StateCheck {
	return stateValuesCheck(func(byAddr map[string]map[string]any) error {
		values, ok := byAddr[addr]
		if !ok {
			return fmt.Errorf("%s not in state", addr)
		}
		for _, id := range ids {
			for _, secret := range emu.BucketSecrets(id) {
				if err := noValueContains(addr, values, secret); err != nil {
					return fmt.Errorf("%w: a credential of bucket %s's listing", err, id)
				}
			}
		}
		return nil
	})
}

// ignoringBucketFilters makes the emulator answer GET /bucket as a server that
// ignores its query would: with every bucket the token can read.
func ignoringBucketFilters(emu *emulator.Server) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/bucket" {
			r.URL.RawQuery = ""
		}
		emu.ServeHTTP(w, r)
	})
}

// A server that ignores the workspace filter lists every bucket: only the
// workspace's are kept.
func TestAccBucketsDataSource_whenTheFilterIsIgnored(t *testing.T) {
	env := newEmulatorEnv(t, withTestBuckets, ignoringBucketFilters)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config: env.config(bucketsDataConfig("test", testWorkspace2ID)),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(testBucketsDataAddr, pathBuckets, knownvalue.ListExact([]knownvalue.Check{bucketIs(testBuckets[2])})),
			},
		}},
	})
}

// A workspace the configuration creates has no buckets yet: the list is
// empty, not null, and the data source reads it once the workspace exists.
func TestAccBucketsDataSource_newWorkspaceIsEmpty(t *testing.T) {
	env := newEmulatorEnv(t, withTestBuckets, nil)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{{
			Config: env.config(workspaceConfig("test", uniqueWorkspaceName(t, "buckets")) + `
data "flashback_buckets" "test" {
  workspace_id = flashback_workspace.test.id
}
`),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(testBucketsDataAddr, pathBuckets, knownvalue.ListExact([]knownvalue.Check{})),
			},
		}},
	})
}

func TestAccBucketsDataSource_forbiddenWorkspace(t *testing.T) {
	env := newEmulatorEnv(t, func(o *emulator.Options) {
		o.Workspaces = append(o.Workspaces, emulator.Workspace{ID: "ws-other", OrgID: "org-other"})
	}, nil)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config:      env.config(bucketsDataConfig("test", "ws-other")),
			ExpectError: errorRE(`No access to Flashback workspace ws-other .* the buckets of workspace ws-other.* GET /bucket: 403 .* check workspace_id`),
		}},
	})
}

// Every reader of one workspace's buckets shares one list: two reads of
// ws-prod and one of ws-staging cost two lists.
func TestBucketsDataSource_oneListPerWorkspace(t *testing.T) {
	t.Parallel()
	env := newEmulatorEnv(t, withTestBuckets, nil)
	p := newProtoProvider(t, env, env.token)
	typ := p.schema.DataSourceSchemas["flashback_buckets"].ValueType()
	for _, ws := range []string{testWorkspaceID, testWorkspaceID, testWorkspace2ID} {
		resp, err := p.server.ReadDataSource(context.Background(), &tfprotov6.ReadDataSourceRequest{
			TypeName: "flashback_buckets",
			Config:   p.dynamic(typ, map[string]tftypes.Value{"workspace_id": tftypes.NewValue(tftypes.String, ws)}),
		})
		if err != nil {
			t.Fatal(err)
		}
		if d := diagsText(resp.Diagnostics); d != "" {
			t.Fatalf("reading the buckets of %s: %s", ws, d)
		}
	}
	if n := env.emu.Requests(http.MethodGet, emulator.OpBucketList); n != 2 {
		t.Errorf("three reads of two workspaces sent %d bucket lists, want 2", n)
	}
}
