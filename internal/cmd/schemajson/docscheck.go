package main

import (
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

// identityHeading is how terraform-plugin-docs heads a resource's identity
// schema (.IdentitySchemaMarkdown).
const identityHeading = "### Identity Schema"

// checkDocsCover reports what docs (a rendered docs/ directory) lacks of what
// the provider serves: every resource identity, with each of its attributes
// and an import block that uses it, and a page for every list resource, with
// each of its config attributes. terraform-plugin-docs renders only what its
// schema file and templates hold, so either can leave these out without an
// error.
func checkDocsCover(docs fs.FS, s served) []string {
	var problems []string
	for _, name := range sortedKeys(s.identities.IdentitySchemas) {
		page := "resources/" + shortName(name) + ".md"
		text, err := fs.ReadFile(docs, page)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s, the page of resource %s, which has an identity: %v", page, name, err))
			continue
		}
		section, ok := sectionAfter(string(text), identityHeading)
		if !ok {
			problems = append(problems, fmt.Sprintf("%s lacks the %q section of resource %s: its template must render .IdentitySchemaMarkdown", page, identityHeading, name))
		}
		for _, attr := range s.identities.IdentitySchemas[name].IdentityAttributes {
			if ok && !strings.Contains(section, "- `"+attr.Name+"`") {
				problems = append(problems, fmt.Sprintf("%s: the identity schema does not list attribute %s", page, attr.Name))
			}
		}
		if !strings.Contains(string(text), "identity = {") {
			problems = append(problems, fmt.Sprintf("%s shows no import block with identity: add examples/resources/%s/import-by-identity.tf and render .ImportIdentityConfigFile", page, name))
		}
	}
	for _, name := range sortedKeys(s.schema.ListResourceSchemas) {
		page := "list-resources/" + shortName(name) + ".md"
		text, err := fs.ReadFile(docs, page)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s, the page of list resource %s: %v", page, name, err))
			continue
		}
		if b := s.schema.ListResourceSchemas[name].Block; b != nil {
			attrs := make([]string, 0, len(b.Attributes))
			for _, a := range b.Attributes {
				attrs = append(attrs, a.Name)
			}
			sort.Strings(attrs)
			for _, attr := range attrs {
				if !strings.Contains(string(text), "- `"+attr+"`") {
					problems = append(problems, fmt.Sprintf("%s does not document config attribute %s", page, attr))
				}
			}
		}
	}
	return problems
}

// shortName is a type name without the provider's: repo_ai_apikey for
// flashback_repo_ai_apikey, as docs/ names its pages.
func shortName(typeName string) string {
	_, short, _ := strings.Cut(typeName, "_")
	return short
}

// sectionAfter is the text from heading to the next heading of its level or
// above.
func sectionAfter(text, heading string) (string, bool) {
	var b strings.Builder
	in := false
	for line := range strings.Lines(text) {
		trimmed := strings.TrimRight(line, "\n")
		switch {
		case trimmed == heading:
			in = true
		case in && (strings.HasPrefix(trimmed, "# ") || strings.HasPrefix(trimmed, "## ") || strings.HasPrefix(trimmed, "### ")):
			return b.String(), true
		case in:
			b.WriteString(line)
		}
	}
	return b.String(), in
}
