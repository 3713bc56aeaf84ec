package conf

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestInclude(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "auth/users.conf", "users = [\n  {user: a, password: b}\n]\n")
	writeFile(t, dir, "auth/auth.conf", "timeout: 2\ninclude 'users.conf'\n")
	writeFile(t, dir, "tls.conf", "cert_file: \"x.pem\"\nport: 1\n")
	main := writeFile(t, dir, "main.conf", "port: 4222\n"+
		"authorization {\n  include \"auth/auth.conf\"\n}\n"+
		"tls {\n  include tls.conf\n}\n"+
		"include tls.conf # top-level merge; overrides port\n"+
		"after: $port\n")
	got, err := ParseFile(main)
	if err != nil {
		t.Fatal(err)
	}
	want := m{
		"port":          int64(1),
		"authorization": m{"timeout": int64(2), "users": a{m{"user": "a", "password": "b"}}},
		"tls":           m{"cert_file": "x.pem", "port": int64(1)},
		"cert_file":     "x.pem",
		"after":         int64(1),
	}
	assertEqual(t, got, want)

	d, err := ParseFileWithPositions(main)
	if err != nil {
		t.Fatal(err)
	}
	e := d.Root.Get("cert_file")
	if e.KeyPos.File != filepath.Join(dir, "tls.conf") || e.KeyPos.Line != 1 || e.KeyPos.Col != 1 {
		t.Errorf("included key position %v", e.KeyPos)
	}
}

func TestIncludeRelativeToCwd(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "sub/inc.conf", "x: 1")
	t.Chdir(dir)
	assertEqual(t, mustParse(t, "include sub/inc.conf"), m{"x": int64(1)})
}

func TestIncludeErrors(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "bad.conf", "a: 1\nb:\n")
	writeFile(t, dir, "self.conf", "include self.conf\n")
	writeFile(t, dir, "ping.conf", "include pong.conf\n")
	writeFile(t, dir, "pong.conf", "include ping.conf\n")
	if err := os.Mkdir(filepath.Join(dir, "adir"), 0o755); err != nil {
		t.Fatal(err)
	}
	// A chain deeper than MaxIncludeDepth, without a cycle.
	for i := 0; i <= MaxIncludeDepth+1; i++ {
		writeFile(t, dir, "deep"+strconv.Itoa(i)+".conf", "include deep"+strconv.Itoa(i+1)+".conf\n")
	}
	tests := []struct {
		name string
		src  string
		msg  []string
	}{
		{name: "syntax error inside", src: "x: 1\ninclude bad.conf", msg: []string{
			"main.conf:2:9: include \"bad.conf\": ", filepath.Join(dir, "bad.conf") + `:2:3: expected a value after key "b"`}},
		{name: "missing", src: "include nope.conf", msg: []string{"main.conf:1:9: include \"nope.conf\": ", "no such file"}},
		{name: "directory", src: "include adir", msg: []string{"is not a regular file"}},
		{name: "self", src: "include self.conf", msg: []string{"include cycle: ", "self.conf -> ", "self.conf"}},
		{name: "cycle", src: "include ping.conf", msg: []string{"include cycle: ", "ping.conf -> ", "pong.conf -> ", "ping.conf"}},
		{name: "main includes itself", src: "include main.conf", msg: []string{"include cycle"}},
		{name: "too deep", src: "include deep0.conf", msg: []string{"includes nest deeper than 16 levels"}},
		{name: "unterminated quote", src: "include \"x.conf\n", msg: []string{"main.conf:1:9: unterminated include path"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, dir, "main.conf", tc.src)
			_, err := ParseFile(path)
			if err == nil {
				t.Fatal("no error")
			}
			for _, s := range tc.msg {
				if !strings.Contains(err.Error(), s) {
					t.Fatalf("error %q lacks %q", err, s)
				}
			}
		})
	}
}

func TestIncludeKeywordOnlyBeforeSpace(t *testing.T) {
	assertEqual(t, mustParse(t, "include: 5\nINCLUDE = x"), m{"include": int64(5), "INCLUDE": "x"})
}
