package main

import (
	"errors"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"
	"golang.org/x/crypto/bcrypt"
)

// mkpasswd runs the built cmd/mkpasswd with args and stdin, and returns the
// values of its "pass: " (if any) and "bcrypt hash: " lines.
func mkpasswd(t *testing.T, stdin string, args ...string) (pass, hash string) {
	t.Helper()
	cmd := exec.Command(buildBinary(t, "../mkpasswd"), args...)
	cmd.Stdin = strings.NewReader(stdin)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("mkpasswd %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(line, "pass: "); ok {
			pass = v
		}
		if _, v, ok := strings.Cut(line, "bcrypt hash: "); ok {
			hash = v
		}
	}
	if !regexp.MustCompile(`^\$2a\$04\$[./A-Za-z0-9]{53}$`).MatchString(hash) {
		t.Fatalf("mkpasswd %s printed no cost-4 hash:\n%s", strings.Join(args, " "), out)
	}
	return pass, hash
}

// TestMkpasswdHashInConfig: hashes printed by mkpasswd (generated password,
// and one read with -p) work as passwords of an authorization block, written
// unquoted as the spec shows them.
func TestMkpasswdHashInConfig(t *testing.T) {
	// bcrypt.MinCost keeps the hashing quick, also under the race detector.
	if bcrypt.MinCost != 4 {
		t.Fatalf("bcrypt.MinCost is %d: update the expected hash prefix", bcrypt.MinCost)
	}
	pass, hash := mkpasswd(t, "", "-c", "4")
	if len(pass) != 22 {
		t.Fatalf("generated password %q: want 22 characters", pass)
	}
	_, typedHash := mkpasswd(t, "typed secret\ntyped secret\n", "-p", "-c", "4")

	conf := filepath.Join(t.TempDir(), "mkpasswd.conf")
	writeFile(t, conf, "authorization {\n  users = [\n"+
		"    {user: derek, password: "+hash+"}\n"+
		"    {user: alice, password: "+typedHash+"}\n"+
		"  ]\n}\n")
	p := startEvnats(t, "-c", conf)

	checkTraffic(t, p, nats.UserInfo("derek", pass))
	checkTraffic(t, p, nats.UserInfo("alice", "typed secret"))
	for _, wrong := range []struct{ user, pass string }{
		{"derek", pass[:len(pass)-1]},
		{"derek", "typed secret"},
		{"alice", pass},
		{"alice", "Typed secret"},
		{"derek", hash}, // the hash itself is not the password
	} {
		nc, err := dial(p, nats.UserInfo(wrong.user, wrong.pass))
		if err == nil {
			nc.Close()
			t.Fatalf("user %s got in with password %q", wrong.user, wrong.pass)
		}
		if !errors.Is(err, nats.ErrAuthorization) {
			t.Fatalf("user %s, wrong password: %v, want an authorization violation", wrong.user, err)
		}
	}
	wrongLine := logLine(p, "ERR", `127\.0\.0\.1:\d+ - cid:\d+ - authentication error - User "(derek|alice)": wrong password$`)
	eventually(t, "5 wrong-password lines", func() bool { return p.count(wrongLine) >= 5 })
	for _, l := range p.log() {
		if strings.Contains(l, pass) || strings.Contains(l, "typed secret") {
			t.Fatalf("a password is in the log: %s", l)
		}
	}
}
