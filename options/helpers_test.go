package options

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// certsDir is where the test certificates are, relative to the repository root.
const certsDir = "configs/certs"

// toRepoRoot makes the repository root the current directory for the test, as
// certificate paths in configurations are relative to the current directory. It
// skips the test when the certificates it needs are not there.
func toRepoRoot(t *testing.T, certs ...string) {
	t.Helper()
	t.Chdir("..")
	for _, c := range certs {
		if _, err := os.Stat(filepath.Join(certsDir, c)); err != nil {
			t.Skipf("certificate %s not available: %v", c, err)
		}
	}
}

// writeConf writes a configuration file in a temporary directory.
func writeConf(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.conf")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// load processes content as a configuration file and fails the test on error.
func load(t *testing.T, content string) *Options {
	t.Helper()
	o, err := ProcessConfigFile(writeConf(t, content))
	if err != nil {
		t.Fatalf("ProcessConfigFile:\n%s\nerror: %v", content, err)
	}
	return o
}

// loadErr processes content and returns the error, failing if there is none.
func loadErr(t *testing.T, content string) error {
	t.Helper()
	_, err := ProcessConfigFile(writeConf(t, content))
	if err == nil {
		t.Fatalf("ProcessConfigFile succeeded, want an error, for:\n%s", content)
	}
	return err
}

// wantErr fails unless err's text contains every part.
func wantErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one containing %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Fatalf("error %q\ndoes not contain %q", err, p)
		}
	}
}

// stripMeta clears what tests do not compare: where the options came from.
func stripMeta(o *Options) *Options {
	c := *o
	c.ConfigFile = ""
	c.Warnings = nil
	c.flags = nil
	return &c
}

// assertOptions compares got with the defaults changed by want.
func assertOptions(t *testing.T, got *Options, want func(*Options)) {
	t.Helper()
	w := Default()
	if want != nil {
		want(w)
	}
	w.applyBaseline()
	if g := stripMeta(got); !reflect.DeepEqual(g, stripMeta(w)) {
		t.Fatalf("options differ\ngot  %+v\nwant %+v", *g, *stripMeta(w))
	}
}

func cert(name string) string { return "./" + certsDir + "/" + name }
