package quiltt_test

import (
	"go/ast"
	"go/doc"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestEveryExportedNameIsDocumented checks the rule of the project's style:
// every exported func, type and method has a doc comment that starts with its
// name, and every exported const or var has a doc comment (its own or its
// group's).
func TestEveryExportedNameIsDocumented(t *testing.T) {
	for _, dir := range []string{".", "quilttest", "redisstore"} {
		if _, err := os.Stat(dir); err != nil {
			continue
		}
		t.Run(dir, func(t *testing.T) {
			pkg := parsePackageDoc(t, dir, "github.com/quiltt-go/quiltt/"+dir)
			assert.NotEmpty(t, pkg.Doc, "package doc")

			checkValues := func(values []*doc.Value) {
				for _, v := range values {
					for _, name := range v.Names {
						if !ast.IsExported(name) || v.Doc != "" {
							continue
						}
						documented := false
						for _, spec := range v.Decl.Specs {
							if vs, ok := spec.(*ast.ValueSpec); ok && hasName(vs, name) && (vs.Doc != nil || vs.Comment != nil) {
								documented = true
							}
						}
						assert.True(t, documented, "%s has no doc comment", name)
					}
				}
			}
			checkFunc := func(recv string, f *doc.Func) {
				if !ast.IsExported(f.Name) {
					return
				}
				assert.True(t, startsWithName(f.Doc, f.Name), "%s%s: doc comment must start with its name, got %q", recv, f.Name, firstLine(f.Doc))
			}
			checkValues(pkg.Consts)
			checkValues(pkg.Vars)
			for _, f := range pkg.Funcs {
				checkFunc("", f)
			}
			for _, typ := range pkg.Types {
				assert.True(t, startsWithName(typ.Doc, typ.Name), "type %s: doc comment must start with its name, got %q", typ.Name, firstLine(typ.Doc))
				checkValues(typ.Consts)
				checkValues(typ.Vars)
				for _, f := range typ.Funcs {
					checkFunc("", f)
				}
				for _, m := range typ.Methods {
					checkFunc(typ.Name+".", m)
				}
			}
		})
	}
}

func hasName(vs *ast.ValueSpec, name string) bool {
	for _, n := range vs.Names {
		if n.Name == name {
			return true
		}
	}
	return false
}

func startsWithName(docText, name string) bool {
	return strings.HasPrefix(docText, name+" ") || strings.HasPrefix(docText, name+",") ||
		strings.HasPrefix(docText, name+"'") || strings.HasPrefix(docText, name+".")
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
