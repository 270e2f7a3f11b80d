package provider

import (
	"strings"
	"testing"
)

// FuzzParseImportID proves that an import ID is either refused or split into
// two non-empty parts, without surrounding spaces, that make up the whole ID.
func FuzzParseImportID(f *testing.F) {
	for _, seed := range []string{
		"repo-123/550e8400-e29b-41d4-a716-446655440000",
		"org/team/repo/550e8400-e29b-41d4-a716-446655440000",
		"no-slash-here",
		"/id",
		"repo/",
		"/",
		"",
		" repo/id",
		"repo /id",
		"repo/ id",
		"repo/id\n",
		"repo//id",
		"\u00a0repo/id",
		"répo/ïd",
		"repo/\xff",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, importID string) {
		repoID, id, ok := parseImportID(importID)
		if !ok {
			if repoID != "" || id != "" {
				t.Errorf("parseImportID(%q) refused the ID but returned %q, %q", importID, repoID, id)
			}
			return
		}
		if repoID == "" || id == "" {
			t.Errorf("parseImportID(%q) = %q, %q: an empty part", importID, repoID, id)
		}
		if strings.TrimSpace(repoID) != repoID || strings.TrimSpace(id) != id {
			t.Errorf("parseImportID(%q) = %q, %q: a part with surrounding space", importID, repoID, id)
		}
		if strings.Contains(id, "/") {
			t.Errorf("parseImportID(%q) = %q, %q: the key id holds a slash", importID, repoID, id)
		}
		if repoID+"/"+id != importID {
			t.Errorf("parseImportID(%q) = %q, %q, which do not make up the ID", importID, repoID, id)
		}
	})
}
