package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"testing/iotest"

	"golang.org/x/crypto/bcrypt"
)

// field returns the value after "prefix" on one of the output lines.
func field(t *testing.T, out, prefix string) string {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if i := strings.Index(line, prefix); i >= 0 {
			return line[i+len(prefix):]
		}
	}
	t.Fatalf("no %q line in output %q", prefix, out)
	return ""
}

func runCmd(t *testing.T, args []string, e env) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	e.stdout, e.stderr = &out, &errOut
	if e.stdin == nil {
		e.stdin = strings.NewReader("")
	}
	code = run(args, e)
	return code, out.String(), errOut.String()
}

func TestGenerate(t *testing.T) {
	code, out, stderr := runCmd(t, []string{"-c", "4"}, env{})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.HasPrefix(out, "pass: ") {
		t.Fatalf("output %q does not start with the password", out)
	}
	pass, hash := field(t, out, "pass: "), field(t, out, "bcrypt hash: ")
	if len(pass) != passwordLength || strings.Trim(pass, passwordChars) != "" {
		t.Fatalf("password %q: want %d characters of %q", pass, passwordLength, passwordChars)
	}
	if !strings.HasPrefix(hash, "$2a$04$") {
		t.Fatalf("hash %q is not a cost-4 $2a$ hash", hash)
	}
	if err := bcrypt.CompareHashAndPassword([]byte(hash), []byte(pass)); err != nil {
		t.Fatalf("hash does not verify the password: %v", err)
	}
}

func TestPromptFromPipe(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	go func() {
		defer w.Close()
		io.WriteString(w, "correct horse\r\ncorrect horse\n")
	}()
	code, out, stderr := runCmd(t, []string{"-p", "-c", "4"}, env{stdin: r})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, "Enter Password: ") || !strings.Contains(out, "Reenter Password: ") {
		t.Fatalf("prompts missing from %q", out)
	}
	if strings.Contains(out, "pass: ") || strings.Contains(out, "correct horse") {
		t.Fatalf("output %q must not echo the password", out)
	}
	hash := field(t, out, "bcrypt hash: ")
	if err := bcrypt.CompareHashAndPassword([]byte(hash), []byte("correct horse")); err != nil {
		t.Fatalf("hash does not verify: %v", err)
	}
}

func TestPromptFromTerminal(t *testing.T) {
	answers := [][]byte{[]byte("s3cr3t"), []byte("s3cr3t")}
	read := func() ([]byte, error) {
		a := answers[0]
		answers = answers[1:]
		return a, nil
	}
	code, out, stderr := runCmd(t, []string{"-p", "-c", "4"}, env{readSecret: read})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if err := bcrypt.CompareHashAndPassword([]byte(field(t, out, "bcrypt hash: ")), []byte("s3cr3t")); err != nil {
		t.Fatal(err)
	}
}

func TestFailures(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		stdin string
		code  int
		want  string
	}{
		{name: "mismatch", args: []string{"-p", "-c", "4"}, stdin: "one\ntwo\n", code: 1, want: "passwords do not match"},
		{name: "empty", args: []string{"-p", "-c", "4"}, stdin: "\n\n", code: 1, want: "empty password"},
		{name: "one line only", args: []string{"-p", "-c", "4"}, stdin: "one\n", code: 1, want: "unexpected EOF"},
		{name: "no newline at the end", args: []string{"-p", "-c", "4"}, stdin: "pw\npw", code: 0},
		{name: "too long for bcrypt", args: []string{"-p", "-c", "4"}, stdin: strings.Repeat("x", 73) + "\n" + strings.Repeat("x", 73) + "\n", code: 1, want: "bcrypt"},
		{name: "cost too low", args: []string{"-c", "3"}, code: 2, want: "outside 4-31"},
		{name: "cost too high", args: []string{"-c", "32"}, code: 2, want: "outside 4-31"},
		{name: "bad flag", args: []string{"-x"}, code: 2, want: "flag provided but not defined"},
		{name: "extra argument", args: []string{"pw"}, code: 2, want: "unexpected argument"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCmd(t, tc.args, env{stdin: strings.NewReader(tc.stdin)})
			if code != tc.code || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q; want exit %d and %q", code, stderr, tc.code, tc.want)
			}
		})
	}
}

func TestGeneratePassword(t *testing.T) {
	// Bytes at or above the rejection limit are skipped, so all-0xff input
	// never yields a character and the reader runs dry.
	if _, err := generatePassword(bytes.NewReader(bytes.Repeat([]byte{0xff}, 256))); err == nil {
		t.Fatal("expected an error when randomness runs out")
	}
	if _, err := generatePassword(iotest.ErrReader(errors.New("boom"))); err == nil {
		t.Fatal("expected the reader's error")
	}
	in := make([]byte, 64)
	for i := range in {
		in[i] = byte(i)
	}
	pw, err := generatePassword(bytes.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if string(pw) != passwordChars[:passwordLength] {
		t.Fatalf("got %q", pw)
	}
}
