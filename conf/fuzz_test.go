package conf

import (
	"errors"
	"io/fs"
	"path/filepath"
	"reflect"
	"testing"
)

// fuzzFiles is the only file system the fuzz target can include from, so that no
// input can make it read real files (or block on /dev/stdin).
var fuzzFiles = map[string]string{
	"/fuzz/a.conf":    "x: 1\ny: [a, {b: 2}]\n",
	"/fuzz/self.conf": "include self.conf\n",
	"/fuzz/bad.conf":  "x:\n",
	"/fuzz/vars.conf": "v: $A\n",
}

// fuzzEnv is the only environment the fuzz target sees.
var fuzzEnv = map[string]string{
	"A": "1", "B": "$A", "C": "$C", "D": "$E", "E": "$D", "M": "{x: [1, 2]}", "S": "a b",
}

func fuzzSession() *session {
	return &session{
		readFile: func(path string) ([]byte, error) {
			if s, ok := fuzzFiles[filepath.Clean(path)]; ok {
				return []byte(s), nil
			}
			return nil, fs.ErrNotExist
		},
		lookupEnv: func(name string) (string, bool) {
			v, ok := fuzzEnv[name]
			return v, ok
		},
	}
}

// FuzzConf checks that no input panics or hangs the parser, that every error is a
// positioned *Error, that every parsed value has a valid position, and that
// parsing is deterministic.
func FuzzConf(f *testing.F) {
	for _, s := range []string{
		"port: 4222\nhost = 0.0.0.0\n",
		"{ a: 1, b: [1, 2, 3,], c { d: \"x\\ty\\x41\" } }",
		"tls {\n  cert_file: './c.pem'\n  cipher_suites: [\n    TLS_A, TLS_B\n  ]\n  timeout: 2.5\n}\n",
		"authorization { user: derek, password: $2a$11$W2zko751KUvVy59mUTWmpOdWjpEm5qhcCZRd05GjI/sSOT.xtiHyG }",
		"x: 5\ny { z: $x, w: [$x] }\nq: $A\nr: $B\nm: $M\n",
		"c: $C\n", "d: $D\n", "s: $S\n", "u: $UNSET\n",
		"include a.conf\ninclude 'self.conf'\n", "include \"bad.conf\"\n", "include vars.conf\n", "include nope.conf\n",
		"b (\nblock\n)\n", "b (\nnever closed\n",
		"sizes: [1k, 1kb, 1KiB, 1m, 1mb, 1g, 1t, 1p, 1e, -2k]\nt: 2020-01-02T03:04:05Z\nf: -1.5\nd: 2s\n",
		"a: [[[[[[[[[[1]]]]]]]]]]", "a: \"unterminated", "a: 'x", "\"k", "a: \\q", ": 1", "a 1 2", "{ a: 1 } x",
		"a: 99999999999999999999", "a: .5", "a: -", "tls\n{\n}\n", "a: 1\r\nb: 2\r\n", "# c\n// d\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 1<<14 {
			t.Skip("inputs are bounded so each run stays fast")
		}
		root, err := parseText(fuzzSession(), src, "/fuzz/main.conf", "/fuzz/main.conf")
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) || !ce.Pos.IsValid() {
				t.Fatalf("error without a position: %v", err)
			}
			return
		}
		checkPositions(t, root, &visited{maps: map[*Map]bool{}, lists: map[*Value]bool{}})
		again, err := parseText(fuzzSession(), src, "/fuzz/main.conf", "/fuzz/main.conf")
		if err != nil {
			t.Fatalf("second parse failed: %v", err)
		}
		if !reflect.DeepEqual(root.Plain(), again.Plain()) {
			t.Fatal("parsing is not deterministic")
		}
	})
}

// visited records the maps and arrays already checked: variables share them, so
// a walk without it could take exponential time.
type visited struct {
	maps  map[*Map]bool
	lists map[*Value]bool
}

// checkPositions walks every map and array once and checks that keys and values
// have valid positions.
func checkPositions(t *testing.T, m *Map, seen *visited) {
	t.Helper()
	if seen.maps[m] {
		return
	}
	seen.maps[m] = true
	for _, e := range m.Entries() {
		if !e.KeyPos.IsValid() || !e.Value.Pos.IsValid() {
			t.Fatalf("key %q: invalid position %v / %v", e.Key, e.KeyPos, e.Value.Pos)
		}
		checkValue(t, e.Value, seen)
	}
}

func checkValue(t *testing.T, v *Value, seen *visited) {
	t.Helper()
	switch x := v.V.(type) {
	case *Map:
		checkPositions(t, x, seen)
	case []*Value:
		if len(x) == 0 || seen.lists[x[0]] {
			return
		}
		seen.lists[x[0]] = true
		for _, el := range x {
			if !el.Pos.IsValid() {
				t.Fatalf("array element with invalid position %v", el.Pos)
			}
			checkValue(t, el, seen)
		}
	}
}
