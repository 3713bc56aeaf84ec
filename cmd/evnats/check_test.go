package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestCheckConfigOfSpecFiles runs "evnats -c FILE -t" on every file of
// configs/, from the repository root (certificate paths in them are relative
// to the working directory, as with nats-server): each must exit 0.
func TestCheckConfigOfSpecFiles(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(repoRoot, "configs", "*.conf"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 10 {
		t.Fatalf("only %d files in configs/: %v", len(files), files)
	}
	for _, abs := range files {
		conf := filepath.Join("configs", filepath.Base(abs))
		t.Run(filepath.Base(abs), func(t *testing.T) {
			code, stdout, stderr := runEvnats(t, "-c", conf, "-t")
			want := "evnats: configuration file " + conf + " test is successful\n"
			if code != 0 || stdout != want || stderr != "" {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit 0 and %q", code, stdout, stderr, want)
			}
		})
	}
}

// TestCheckConfigBroken: -t on a file with an error exits 1 and names the
// file, line and column on stderr; nothing is listened on.
func TestCheckConfigBroken(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, text, want string
	}{
		{name: "syntax.conf", text: "port: 4222\nmax_payload: {\n",
			want: `:3:1: expected '}' to close the map opened at 2:14, found end of file`},
		{name: "unknown.conf", text: "port: 4222\n\n  no_such_option: 1\n",
			want: `:3:3: unknown field "no_such_option"`},
		{name: "badvalue.conf", text: "# comment\nmax_payload: \"lots\"\n",
			want: `:2:14: expected an integer for "max_payload", got string "lots"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name)
			if err := os.WriteFile(path, []byte(tc.text), 0o644); err != nil {
				t.Fatal(err)
			}
			code, stdout, stderr := runEvnats(t, "-c", path, "-t")
			want := regexp.MustCompile(`^evnats: ` + regexp.QuoteMeta(path+tc.want))
			if code != 1 || stdout != "" || !want.MatchString(stderr) || strings.Count(stderr, "\n") != 1 {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit 1 and %q", code, stdout, stderr, want)
			}
		})
	}
	t.Run("missing file", func(t *testing.T) {
		path := filepath.Join(dir, "none.conf")
		code, _, stderr := runEvnats(t, "-c", path, "-t")
		if code != 1 || !strings.Contains(stderr, path) {
			t.Fatalf("exit %d, stderr %q; want exit 1 naming %s", code, stderr, path)
		}
	})
}
