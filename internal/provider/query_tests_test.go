package provider

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// newerCLIChecks are the version checks that skip a test on the CLI that
// `make test` uses in CI (Terraform 1.8.5): below 1.14, 1.12 and 1.11.
var newerCLIChecks = []string{"queryVersionChecks", "identityVersionChecks", "writeOnlyCLIs"}

// Every acceptance test that skips on an older CLI must be one that `make
// testacc-query` runs with Terraform 1.14 (the GNUmakefile's QUERY_TESTS), or
// CI would never run it: it would skip everywhere, unseen.
func TestQueryTestsPattern(t *testing.T) {
	t.Parallel()
	makefile, err := os.ReadFile("../../GNUmakefile")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^QUERY_TESTS := (.+)$`).FindSubmatch(makefile)
	if m == nil {
		t.Fatal("the GNUmakefile sets no QUERY_TESTS")
	}
	// Make writes $ as $$.
	pattern, err := regexp.Compile(strings.ReplaceAll(string(m[1]), "$$", "$"))
	if err != nil {
		t.Fatalf("QUERY_TESTS: %v", err)
	}

	files, err := filepath.Glob("*_test.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	found := 0
	for _, file := range files {
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv != nil || !strings.HasPrefix(fn.Name.Name, "Test") || !usesAny(fn, newerCLIChecks) {
				continue
			}
			found++
			if !pattern.MatchString(fn.Name.Name) {
				t.Errorf("%s (%s) skips on the default CLIs, and QUERY_TESTS (%s) does not match it: "+
					"name it as QUERY_TESTS expects, or widen QUERY_TESTS", fn.Name.Name, file, pattern)
			}
		}
	}
	if found == 0 {
		t.Errorf("no test uses %v: this test looks for the wrong names", newerCLIChecks)
	}
}

// usesAny reports whether fn's body names one of the identifiers.
func usesAny(fn *ast.FuncDecl, names []string) bool {
	used := false
	ast.Inspect(fn, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			for _, name := range names {
				used = used || id.Name == name
			}
		}
		return !used
	})
	return used
}
