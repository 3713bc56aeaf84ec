package layout

import (
	"go/build"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

const module = "github.com/evnats/evnats/"

// allowed lists, for each package, the packages outside the standard library
// it may import (module packages without the module prefix).
var allowed = map[string][]string{
	"proto":     {},
	"sublist":   {},
	"tlsengine": {},
	"conf":      {},
	"cluster":   {"proto", "sublist"},
	"reactor":   {"github.com/panjf2000/gnet/v2"},
	"auth":      {"sublist", "golang.org/x/crypto/bcrypt"},
	"monitor":   {"github.com/prometheus/client_golang/prometheus", "github.com/prometheus/client_golang/prometheus/promhttp"},
	"options":   {"auth", "conf", "tlsengine", "sublist"},
	"server":    {"auth", "cluster", "monitor", "options", "proto", "reactor", "sublist", "tlsengine"},
}

func repoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("no caller")
	}
	return filepath.Join(filepath.Dir(file), "..", "..")
}

func isStdlib(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

func TestImportsPointOneWay(t *testing.T) {
	root := repoRoot(t)
	for pkg, allow := range allowed {
		t.Run(pkg, func(t *testing.T) {
			bp, err := build.ImportDir(filepath.Join(root, pkg), 0)
			if err != nil {
				t.Fatal(err)
			}
			ok := map[string]bool{}
			for _, a := range allow {
				if strings.Contains(a, ".") {
					ok[a] = true
				} else {
					ok[module+a] = true
				}
			}
			for _, imp := range bp.Imports {
				if isStdlib(imp) || ok[imp] {
					continue
				}
				t.Errorf("%s imports %s", pkg, imp)
			}
		})
	}
}

func TestNothingImportsServerButCommands(t *testing.T) {
	root := repoRoot(t)
	for pkg := range allowed {
		bp, err := build.ImportDir(filepath.Join(root, pkg), 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range bp.Imports {
			if imp == module+"server" || strings.HasPrefix(imp, module+"cmd") {
				t.Errorf("%s imports %s", pkg, imp)
			}
		}
	}
}
