package main

import (
	"io/fs"
	"os"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

// completeDocs is the committed docs/, which make docs-check keeps equal to
// what terraform-plugin-docs renders, as a file system each case may spoil.
func completeDocs(t *testing.T) fstest.MapFS {
	t.Helper()
	docs := fstest.MapFS{}
	root := os.DirFS("../../../docs")
	err := fs.WalkDir(root, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(root, path)
		docs[path] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return docs
}

func TestCheckDocsCover(t *testing.T) {
	t.Parallel()
	ps := servedByProvider(t)
	for _, tc := range []struct {
		name  string
		spoil func(fstest.MapFS)
		want  *regexp.Regexp // nil: no problem
	}{
		{"complete", func(fstest.MapFS) {}, nil},
		{"no list resource page", func(d fstest.MapFS) { delete(d, "list-resources/repo_ai_apikey.md") },
			regexp.MustCompile(`list-resources/repo_ai_apikey.md, the page of list resource flashback_repo_ai_apikey`)},
		{"list config attribute missing", func(d fstest.MapFS) {
			d["list-resources/repo_ai_apikey.md"] = &fstest.MapFile{Data: []byte("- `repo_id` (String)\n- `name` (String)\n")}
		}, regexp.MustCompile(`does not document config attribute ai_type`)},
		{"no identity section", func(d fstest.MapFS) {
			d["resources/repo_ai_apikey.md"] = &fstest.MapFile{Data: []byte("## Import\n\nidentity = {\n- `id`\n- `repo_id`\n")}
		}, regexp.MustCompile(`lacks the "### Identity Schema" section of resource flashback_repo_ai_apikey`)},
		{"identity attribute missing", func(d fstest.MapFS) {
			d["resources/repo_ai_apikey.md"] = &fstest.MapFile{Data: []byte("identity = {\n### Identity Schema\n\n- `id` (String)\n\n### Nested\n- `repo_id`\n")}
		}, regexp.MustCompile(`the identity schema does not list attribute repo_id`)},
		{"no import by identity", func(d fstest.MapFS) {
			d["resources/repo_ai_apikey.md"] = &fstest.MapFile{Data: []byte("### Identity Schema\n\n- `id` (String)\n- `repo_id` (String)\n")}
		}, regexp.MustCompile(`shows no import block with identity: add examples/resources/flashback_repo_ai_apikey/import-by-identity.tf`)},
	} {
		docs := completeDocs(t)
		tc.spoil(docs)
		problems := strings.Join(checkDocsCover(docs, ps), "\n")
		switch {
		case tc.want == nil && problems != "":
			t.Errorf("%s: unexpected problems:\n%s", tc.name, problems)
		case tc.want != nil && !tc.want.MatchString(problems):
			t.Errorf("%s: problems %q do not match %s", tc.name, problems, tc.want)
		}
	}
}

// The committed docs/ cover every identity and list resource the provider
// serves (make docs-check also regenerates them and checks they are current).
func TestCheckDocsCover_committedDocs(t *testing.T) {
	t.Parallel()
	if problems := checkDocsCover(os.DirFS("../../../docs"), servedByProvider(t)); len(problems) > 0 {
		t.Fatalf("docs/ does not cover the provider's identities and list resources (run make docs):\n%s", strings.Join(problems, "\n"))
	}
}
