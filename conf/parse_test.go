package conf

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

type m = map[string]any
type a = []any

func TestParseSyntax(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want m
	}{
		{name: "colon", src: "port: 4222", want: m{"port": int64(4222)}},
		{name: "equals", src: "port = 4222", want: m{"port": int64(4222)}},
		{name: "whitespace", src: "port \t 4222", want: m{"port": int64(4222)}},
		{name: "no space around separator", src: "port:4222\nhost=localhost", want: m{"port": int64(4222), "host": "localhost"}},
		{name: "hash comment", src: "# c\nport: 1 # trailing\n#last", want: m{"port": int64(1)}},
		{name: "slash comment", src: "// c\nport: 1 // trailing\n", want: m{"port": int64(1)}},
		{name: "semicolons and commas", src: "a: 1; b: 2, c: 3", want: m{"a": int64(1), "b": int64(2), "c": int64(3)}},
		{name: "wrapped document", src: "{\n  a: 1,\n  b: \"x\"\n}\n", want: m{"a": int64(1), "b": "x"}},
		{name: "wrapped one line", src: "{a: 1, b: {c: 2}}", want: m{"a": int64(1), "b": m{"c": int64(2)}}},
		{name: "empty", src: "", want: m{}},
		{name: "only comments", src: "# nothing\n// here\n", want: m{}},
		{name: "map without separator", src: "tls {\n  timeout: 2\n}", want: m{"tls": m{"timeout": int64(2)}}},
		{name: "map with separator", src: "tls: { timeout: 2 }", want: m{"tls": m{"timeout": int64(2)}}},
		{name: "map on the next line", src: "tls\n{\n  timeout: 2\n}", want: m{"tls": m{"timeout": int64(2)}}},
		{name: "map glued to key", src: "tls{timeout: 2}", want: m{"tls": m{"timeout": int64(2)}}},
		{name: "map entries by comma and semicolon", src: "x {a: 1, b: 2; c: 3}", want: m{"x": m{"a": int64(1), "b": int64(2), "c": int64(3)}}},
		{name: "empty map", src: "x {}", want: m{"x": m{}}},
		{name: "nested maps", src: "a { b { c { d: true } } }", want: m{"a": m{"b": m{"c": m{"d": true}}}}},
		{name: "map comments", src: "a {\n # c\n b: 1 // d\n}", want: m{"a": m{"b": int64(1)}}},
		{name: "array commas", src: "r: [1, 2, 3]", want: m{"r": a{int64(1), int64(2), int64(3)}}},
		{name: "array newlines", src: "r: [\n  a\n  b\n]", want: m{"r": a{"a", "b"}}},
		{name: "array trailing comma", src: "r: [\n  a,\n  b,\n]", want: m{"r": a{"a", "b"}}},
		{name: "array comments", src: "r: [ # c\n  a # d\n  // e\n  b\n]", want: m{"r": a{"a", "b"}}},
		{name: "empty array", src: "r: []", want: m{"r": a{}}},
		{name: "nested arrays and maps", src: "r: [[1], {x: 2}]", want: m{"r": a{a{int64(1)}, m{"x": int64(2)}}}},
		{name: "route urls", src: "routes = [\n  nats-route://127.0.0.1:4246\n  nats-route://u:p@h:1\n]", want: m{"routes": a{"nats-route://127.0.0.1:4246", "nats-route://u:p@h:1"}}},
		{name: "double-quoted key", src: `"a b": 1`, want: m{"a b": int64(1)}},
		{name: "single-quoted key", src: `'a:b' = 1`, want: m{"a:b": int64(1)}},
		{name: "quoted key with dots", src: `x {"bar-1.2.3" = {port: 4242}}`, want: m{"x": m{"bar-1.2.3": m{"port": int64(4242)}}}},
		{name: "double-quoted escapes", src: `s: "a\tb\nc\rd\"e\\f\x41\x7a"`, want: m{"s": "a\tb\nc\rd\"e\\fAz"}},
		{name: "double-quoted comment chars", src: `s: "# not // a comment"`, want: m{"s": "# not // a comment"}},
		{name: "double-quoted multiline", src: "s: \"a\nb\"", want: m{"s": "a\nb"}},
		{name: "double-quoted dollar is literal", src: `s: "$HOME"`, want: m{"s": "$HOME"}},
		{name: "double-quoted number is string", src: `s: "42"`, want: m{"s": "42"}},
		{name: "single-quoted raw", src: `s: 'a\tb"c'`, want: m{"s": `a\tb"c`}},
		{name: "single-quoted dollar is literal", src: `s: '$X'`, want: m{"s": "$X"}},
		{name: "unquoted string", src: "s: hello", want: m{"s": "hello"}},
		{name: "unquoted path", src: "s: ./configs/certs/server-cert.pem", want: m{"s": "./configs/certs/server-cert.pem"}},
		{name: "unquoted with hash inside", src: "s: abc#1", want: m{"s": "abc#1"}},
		{name: "unquoted escape", src: `s: a\x41`, want: m{"s": "aA"}},
		{name: "unquoted utf8", src: "s: héllo", want: m{"s": "héllo"}},
		{name: "ip and port", src: "listen: 127.0.0.1:4443", want: m{"listen": "127.0.0.1:4443"}},
		{name: "host and port", src: "listen: localhost:4443", want: m{"listen": "localhost:4443"}},
		{name: "block string", src: "b (\nline 1\n  (x)\n)\nc: 1", want: m{"b": "\nline 1\n  (x)\n", "c": int64(1)}},
		{name: "block string at eof", src: "b (\nx\n)", want: m{"b": "\nx\n"}},
		{name: "booleans", src: "a: true, b: FALSE, c: yes, d: No, e: on, f: OFF", want: m{"a": true, "b": false, "c": true, "d": false, "e": true, "f": false}},
		{name: "quoted boolean is string", src: `a: "true"`, want: m{"a": "true"}},
		{name: "integers", src: "a: 0, b: 123456789, c: -42", want: m{"a": int64(0), "b": int64(123456789), "c": int64(-42)}},
		{name: "decimal sizes", src: "a: 1k, b: 1m, c: 1g, d: 1t, e: 1p, f: 1e", want: m{"a": int64(1e3), "b": int64(1e6), "c": int64(1e9), "d": int64(1e12), "e": int64(1e15), "f": int64(1e18)}},
		{name: "upper-case sizes", src: "a: 2K, b: 2M, c: 2G", want: m{"a": int64(2e3), "b": int64(2e6), "c": int64(2e9)}},
		{name: "binary sizes", src: "a: 1kb, b: 1KiB, c: 1ki, d: 1MB, e: 1mi, f: 1mib, g: 1GB, h: 1tb, i: 1pb, j: 1eb",
			want: m{"a": int64(1 << 10), "b": int64(1 << 10), "c": int64(1 << 10), "d": int64(1 << 20), "e": int64(1 << 20), "f": int64(1 << 20), "g": int64(1 << 30), "h": int64(1 << 40), "i": int64(1 << 50), "j": int64(1 << 60)}},
		{name: "negative size", src: "a: -2k", want: m{"a": int64(-2000)}},
		{name: "unquoted 1m is a million", src: "timeout: 1m", want: m{"timeout": int64(1000000)}},
		{name: "2s is a string", src: "d: 2s", want: m{"d": "2s"}},
		{name: "10ms is a string", src: "d: 10ms", want: m{"d": "10ms"}},
		{name: "floats", src: "a: 1.5, b: -0.25, c: 0.0", want: m{"a": 1.5, "b": -0.25, "c": 0.0}},
		{name: "datetime", src: "t: 1979-05-27T07:32:00Z", want: m{"t": time.Date(1979, 5, 27, 7, 32, 0, 0, time.UTC)}},
		{name: "later key wins", src: "a: 1\na: 2", want: m{"a": int64(2)}},
		{name: "byte order mark", src: "\ufeffport: 1", want: m{"port": int64(1)}},
		{name: "crlf line endings", src: "a: 1\r\nb {\r\n  c: x\r\n}\r\n", want: m{"a": int64(1), "b": m{"c": "x"}}},
		{name: "tabs", src: "a\t=\t1\t#c", want: m{"a": int64(1)}},
		{name: "variable", src: "x: 5\ny: $x", want: m{"x": int64(5), "y": int64(5)}},
		{name: "variable from outer scope", src: "x: 5\ny { z: $x }", want: m{"x": int64(5), "y": m{"z": int64(5)}}},
		{name: "variable inner scope first", src: "x: 5\ny { x: 6, z: $x }", want: m{"x": int64(5), "y": m{"x": int64(6), "z": int64(6)}}},
		{name: "variable in array", src: "x: a\ny: [$x, b]", want: m{"x": "a", "y": a{"a", "b"}}},
		{name: "variable holding a map", src: "p { pub: foo }\nu { permissions: $p }", want: m{"p": m{"pub": "foo"}, "u": m{"permissions": m{"pub": "foo"}}}},
		{name: "bcrypt is literal", src: "pass: $2a$11$W2zko751KUvVy59mUTWmpOdWjpEm5qhcCZRd05GjI/sSOT.xtiHyG", want: m{"pass": "$2a$11$W2zko751KUvVy59mUTWmpOdWjpEm5qhcCZRd05GjI/sSOT.xtiHyG"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assertEqual(t, mustParse(t, tc.src), tc.want)
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		pos  string // line:col
		msg  string
	}{
		{name: "missing value", src: "a: 1\nport:\n", pos: "2:6", msg: `expected a value after key "port"`},
		{name: "missing value at eof", src: "port =", pos: "1:7", msg: `expected a value after key "port"`},
		{name: "missing value before comment", src: "port: # c", pos: "1:7", msg: `expected a value after key "port"`},
		{name: "key alone", src: "port\n", pos: "1:5", msg: `expected a value after key "port"`},
		{name: "value is a comma", src: "port: ,", pos: "1:7", msg: `expected a value after key "port", found ','`},
		{name: "separator without key", src: ": 1", pos: "1:1", msg: "expected a key, found ':'"},
		{name: "stray bracket", src: "]", pos: "1:1", msg: "expected a key, found ']'"},
		{name: "stray closing brace", src: "a: 1\n}", pos: "2:1", msg: "expected a key, found '}'"},
		{name: "two values", src: "a: 1 2", pos: "1:6", msg: `expected a newline, ',' or ';' after the value of "a", found '2'`},
		{name: "two values in map", src: "x { a: 1 2 }", pos: "1:10", msg: `expected a newline, ',', ';' or '}' after the value of "a", found '2'`},
		{name: "unterminated map", src: "x {\n a: 1\n", pos: "3:1", msg: "expected '}' to close the map opened at 1:3, found end of file"},
		{name: "unterminated wrapped document", src: "{ a: 1", pos: "1:7", msg: "expected '}' to close the map opened at 1:1"},
		{name: "junk after wrapped document", src: "{ a: 1 } b", pos: "1:10", msg: "expected end of file after the '}' that closes the document, found 'b'"},
		{name: "unterminated array", src: "r: [1, 2", pos: "1:9", msg: "expected ']' to close the array opened at 1:4, found end of file"},
		{name: "double comma in array", src: "r: [1,,2]", pos: "1:7", msg: "expected an array element or ']', found ','"},
		{name: "leading comma in array", src: "r: [,1]", pos: "1:5", msg: "expected an array element or ']', found ','"},
		{name: "array elements without separator", src: "r: [1 2]", pos: "1:7", msg: "expected ',' or ']' after an array element, found '2'"},
		{name: "array closed by brace", src: "r: [1 }", pos: "1:7", msg: "expected ',' or ']' after an array element, found '}'"},
		{name: "array element is a brace", src: "r: [1, }", pos: "1:8", msg: "expected an array element, found '}'"},
		{name: "unterminated double quote", src: "a: 1\ns: \"abc", pos: "2:4", msg: `unterminated string: missing closing '"'`},
		{name: "unterminated single quote", src: "s: 'abc", pos: "1:4", msg: `unterminated string: missing closing "'"`},
		{name: "unterminated quoted key", src: `"abc: 1`, pos: "1:1", msg: "unterminated quoted key"},
		{name: "invalid escape", src: `s: "a\qb"`, pos: "1:6", msg: `invalid escape 'q': only \t, \n, \r, \", \\ and \xHH are allowed`},
		{name: "invalid escape unquoted", src: `s: C:\certs`, pos: "1:6", msg: "invalid escape 'c'"},
		{name: "bad hex escape", src: `s: "\xZZ"`, pos: "1:5", msg: `expected two hexadecimal digits after \x`},
		{name: "short hex escape", src: `s: "\x4"`, pos: "1:5", msg: `expected two hexadecimal digits after \x`},
		{name: "escape at eof", src: `s: "\`, pos: "1:5", msg: "found end of file"},
		{name: "unterminated block", src: "b (\nabc\n", pos: "1:3", msg: "unterminated block string"},
		{name: "float without leading digit", src: "f: .5", pos: "1:4", msg: "floats must start with a digit"},
		{name: "bare minus", src: "n: -", pos: "1:4", msg: `invalid number "-": expected a digit after '-'`},
		{name: "minus word", src: "n: -abc", pos: "1:4", msg: `invalid number "-abc"`},
		{name: "negative junk", src: "n: -1x", pos: "1:4", msg: `invalid number "-1x"`},
		{name: "integer overflow", src: "n: 99999999999999999999", pos: "1:4", msg: `integer "99999999999999999999" is out of range`},
		{name: "size overflow", src: "n: 9999999999eb", pos: "1:4", msg: `size "9999999999eb" is out of range`},
		{name: "partial datetime", src: "t: 2020-01-01", pos: "1:4", msg: "invalid datetime"},
		{name: "bad datetime month", src: "t: 2020-13-01T00:00:00Z", pos: "1:4", msg: "invalid datetime"},
		{name: "undefined variable", src: "a: 1\nb: $EVNATS_CONF_TEST_UNSET", pos: "2:4", msg: "undefined variable $EVNATS_CONF_TEST_UNSET"},
		{name: "variable defined later", src: "b: $later\nlater: 1", pos: "1:4", msg: "undefined variable $later"},
		{name: "variable in sibling scope", src: "x { v: 1 }\ny { z: $v }", pos: "2:8", msg: "undefined variable $v"},
		{name: "empty variable name", src: "a: $", pos: "1:4", msg: "expected a variable name after '$'"},
		{name: "include without path", src: "include \n", pos: "1:9", msg: "expected a file name after include"},
		{name: "include a map", src: "include {a: 1}", pos: "1:9", msg: "expected a file name after include, found '{'"},
		{name: "include missing file", src: "include ./evnats-no-such-file.conf", pos: "1:9", msg: `include "./evnats-no-such-file.conf"`},
		{name: "too deep", src: "a: " + strings.Repeat("[", MaxDepth+1), pos: "1:" + strconv.Itoa(4+MaxDepth), msg: "nest deeper than"},
	}
	dir := t.TempDir()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.src)
			checkError(t, err, tc.pos+": ", tc.msg)
			path := writeFile(t, dir, "x.conf", tc.src)
			_, err = ParseFile(path)
			checkError(t, err, path+":"+tc.pos+": ", tc.msg)
		})
	}
}

// checkError fails unless err starts with prefix and contains msg.
func checkError(t *testing.T, err error, prefix, msg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %q", msg)
	}
	if !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), msg) {
		t.Fatalf("error %q\nwant prefix %q and %q", err, prefix, msg)
	}
}

// TestParseFileErrorsNameTheFile checks that errors from a file carry
// "path:line:col:".
func TestParseFileErrorsNameTheFile(t *testing.T) {
	path := writeFile(t, t.TempDir(), "x.conf", "a: 1\n\nport:  \n")
	_, err := ParseFile(path)
	want := path + `:3:8: expected a value after key "port"`
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
	if _, err := ParseFile(path + ".missing"); err == nil || !strings.Contains(err.Error(), "error opening config file") {
		t.Fatalf("missing file: got %v", err)
	}
}

func TestPositions(t *testing.T) {
	src := "port: 4222\n" +
		"tls {\n" +
		"  cert_file: \"x.pem\"\n" +
		"  ciphers: [\n" +
		"    A,\n" +
		"    B\n" +
		"  ]\n" +
		"}\n"
	d, err := ParseWithPositions(src)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path    []string
		wantPos Pos
	}{
		{path: []string{"port"}, wantPos: Pos{Line: 1, Col: 7}},
		{path: []string{"tls"}, wantPos: Pos{Line: 2, Col: 5}},
		{path: []string{"tls", "cert_file"}, wantPos: Pos{Line: 3, Col: 14}},
		{path: []string{"tls", "ciphers"}, wantPos: Pos{Line: 4, Col: 12}},
	}
	for _, tc := range tests {
		v, ok := d.Lookup(tc.path...)
		if !ok {
			t.Fatalf("Lookup(%v) failed", tc.path)
		}
		if v.Pos != tc.wantPos {
			t.Errorf("Lookup(%v).Pos = %v, want %v", tc.path, v.Pos, tc.wantPos)
		}
	}
	tlsMap := d.Root.Get("tls").Value.V.(*Map)
	e := tlsMap.Get("cert_file")
	if e.KeyPos != (Pos{Line: 3, Col: 3}) {
		t.Errorf("cert_file key at %v", e.KeyPos)
	}
	list := tlsMap.Get("ciphers").Value.V.([]*Value)
	if list[1].Pos != (Pos{Line: 6, Col: 5}) || list[1].V != "B" {
		t.Errorf("second cipher %v at %v", list[1].V, list[1].Pos)
	}
	if _, ok := d.Lookup("port", "x"); ok {
		t.Error("Lookup through a scalar succeeded")
	}
	if _, ok := d.Lookup("nope"); ok {
		t.Error("Lookup of a missing key succeeded")
	}
	keys := []string{}
	for _, e := range d.Root.Entries() {
		keys = append(keys, e.Key)
	}
	assertEqual(t, keys, []string{"port", "tls"})
}

func TestUsedAsVariable(t *testing.T) {
	d, err := ParseWithPositions("PASS: s3cret\nUNUSED: 1\nauthorization { user: a, password: $PASS }")
	if err != nil {
		t.Fatal(err)
	}
	if !d.Root.Get("PASS").UsedAsVariable {
		t.Error("PASS not marked as used")
	}
	if d.Root.Get("UNUSED").UsedAsVariable {
		t.Error("UNUSED marked as used")
	}
	v, _ := d.Lookup("authorization", "password")
	if v.V != "s3cret" || v.Pos != (Pos{Line: 3, Col: 36}) {
		t.Errorf("password %v at %v", v.V, v.Pos)
	}
}

func TestEnvironmentVariables(t *testing.T) {
	t.Setenv("EVNATS_T_PORT", "8")
	t.Setenv("EVNATS_T_NAME", "srv-a")
	t.Setenv("EVNATS_T_LIST", "[a, b]")
	t.Setenv("EVNATS_T_REF", "$EVNATS_T_PORT")
	t.Setenv("EVNATS_T_EMPTY", "")
	t.Setenv("EVNATS_T_SIZE", "2KB")
	got := mustParse(t, "a: $EVNATS_T_PORT\nb: $EVNATS_T_NAME\nc: $EVNATS_T_LIST\nd: $EVNATS_T_REF\ne: $EVNATS_T_EMPTY\nf: $EVNATS_T_SIZE")
	assertEqual(t, got, m{"a": int64(8), "b": "srv-a", "c": a{"a", "b"}, "d": int64(8), "e": "", "f": int64(2048)})

	t.Run("key wins over environment", func(t *testing.T) {
		assertEqual(t, mustParse(t, "EVNATS_T_PORT: 9\nx: $EVNATS_T_PORT"), m{"EVNATS_T_PORT": int64(9), "x": int64(9)})
	})

	errTests := []struct {
		name string
		env  map[string]string
		src  string
		msg  string
	}{
		{name: "cycle", env: map[string]string{"EVNATS_T_A": "$EVNATS_T_B", "EVNATS_T_B": "$EVNATS_T_A"}, src: "x: $EVNATS_T_A",
			msg: "variable cycle: $EVNATS_T_A -> $EVNATS_T_B -> $EVNATS_T_A"},
		{name: "self", env: map[string]string{"EVNATS_T_SELF": "$EVNATS_T_SELF"}, src: "x: $EVNATS_T_SELF", msg: "variable cycle"},
		{name: "two values", env: map[string]string{"EVNATS_T_BAD": "a b"}, src: "x: $EVNATS_T_BAD",
			msg: "1:4: in the value of environment variable $EVNATS_T_BAD: $EVNATS_T_BAD:1:3: expected a single value, found 'b'"},
		{name: "syntax", env: map[string]string{"EVNATS_T_BAD2": `"open`}, src: "x: $EVNATS_T_BAD2", msg: "unterminated string"},
	}
	for _, tc := range errTests {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			_, err := Parse(tc.src)
			if err == nil || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("got %v, want %q", err, tc.msg)
			}
		})
	}
}

func TestTypeName(t *testing.T) {
	d, err := ParseWithPositions("a: s, b: 1, c: 1.5, d: true, e: 2020-01-01T00:00:00Z, f: {}, g: []")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"string", "integer", "float", "boolean", "datetime", "map", "array"}
	for i, e := range d.Root.Entries() {
		if got := TypeName(e.Value.V); got != want[i] {
			t.Errorf("%s: %s, want %s", e.Key, got, want[i])
		}
	}
	if TypeName(struct{}{}) != "unknown" {
		t.Error("unknown type")
	}
}

// TestSharedValuesConvertOnce makes sure that maps copied through variables are
// converted once: 40 doublings would never finish otherwise.
func TestSharedValuesConvertOnce(t *testing.T) {
	var b strings.Builder
	b.WriteString("v0: {x: 1}\n")
	for i := 1; i <= 40; i++ {
		b.WriteString("v" + strconv.Itoa(i) + ": {a: $v" + strconv.Itoa(i-1) + ", b: [$v" + strconv.Itoa(i-1) + ", $v" + strconv.Itoa(i-1) + "]}\n")
	}
	got := mustParse(t, b.String())
	if len(got) != 41 {
		t.Fatalf("%d keys", len(got))
	}
}
