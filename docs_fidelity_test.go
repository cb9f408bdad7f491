package quiltt_test

import (
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// parsePackageDoc reads the doc of dir's package from its non-test files,
// as pkg.go.dev would show it under importPath.
func parsePackageDoc(t *testing.T, dir, importPath string) *doc.Package {
	t.Helper()
	fset := token.NewFileSet()
	paths, err := filepath.Glob(filepath.Join(dir, "*.go"))
	require.NoError(t, err)
	var files []*ast.File
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ParseComments)
		require.NoError(t, err)
		files = append(files, f)
	}
	require.NotEmpty(t, files)
	pkg, err := doc.NewFromFiles(fset, files, importPath)
	require.NoError(t, err)
	return pkg
}

// packageDocs returns the doc comments of dir's package: "" for the
// package, "Name" for a type or func, "Type.Method" for a method.
func packageDocs(t *testing.T, dir string) map[string]string {
	t.Helper()
	pkg := parsePackageDoc(t, dir, "example.com/"+dir)
	docs := map[string]string{"": pkg.Doc}
	for _, f := range pkg.Funcs {
		docs[f.Name] = f.Doc
	}
	for _, ty := range pkg.Types {
		docs[ty.Name] = ty.Doc
		for _, f := range ty.Funcs {
			docs[f.Name] = f.Doc
		}
		for _, m := range ty.Methods {
			docs[ty.Name+"."+m.Name] = m.Doc
		}
	}
	return docs
}

// The doc comments say what Quiltt documents and what is an assumption,
// and name every case the issue found them silent or wrong about.
func TestDocsSayWhatQuilttDocuments(t *testing.T) {
	root := packageDocs(t, ".")
	for name, says := range map[string][]string{
		"Client.RefreshBalance":         {"ProcessorTokenBasicAuth"},
		"Client.IntrospectSessionToken": {"GET {auth}/v1/users/session"},
		"Client.IssueSessionToken":      {"answers 429", "ErrRateLimited for 429", "ErrForbidden for 403 (the Environment", "assumption"},
		"Session":                       {"carry only token"},
		"SessionParams":                 {"ProfileUpdateRequest", "UserID together with UUID"},
		"QueryError":                    {"assumption"},
		"WebhookHandler":                {"assumption"},
		"VerifyWebhook":                 {"assumption"},
		"RateLimit":                     {"assumption"},
		"ClaimStore":                    {"dies"},
		"ProfileAddress":                {"Profile"},
		"redisstore:ClaimStore.Done":    {"dies", "before Done"},
		"redisstore:Limiter":            {"comes back without its data"},
		"quilttest:":                    {"X-Request-Id", "assumption", "GET {auth}/v1/users/session", "alpha-3", "429"},
	} {
		docs, key := root, name
		if pkg, rest, ok := strings.Cut(name, ":"); ok {
			docs, key = packageDocs(t, pkg), rest
		}
		text := strings.Join(strings.Fields(docs[key]), " ")
		require.NotEmpty(t, text, "%s has a doc comment", name)
		for _, s := range says {
			assert.Contains(t, text, s, name)
		}
	}
}
