package main

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// reloadConf is a config with max_payload and one user/password per name
// (the password is the name followed by "-pw").
func reloadConf(maxPayload int, users ...string) string {
	var b strings.Builder
	b.WriteString("max_payload: " + strconv.Itoa(maxPayload) + "\n")
	b.WriteString("authorization {\n  users = [\n")
	for _, u := range users {
		b.WriteString("    {user: " + u + ", password: " + u + "-pw}\n")
	}
	b.WriteString("  ]\n}\n")
	return b.String()
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// checkUsers connects once per user: those in good must get in, and see
// maxPayload in INFO; those in refused must get an Authorization Violation.
func checkUsers(t *testing.T, p *process, maxPayload int64, good, refused []string) {
	t.Helper()
	for _, u := range good {
		nc, err := dial(p, nats.UserInfo(u, u+"-pw"))
		if err != nil {
			t.Fatalf("user %s: %v", u, err)
		}
		got := nc.MaxPayload()
		nc.Close()
		if got != maxPayload {
			t.Fatalf("user %s: INFO max_payload %d, want %d", u, got, maxPayload)
		}
	}
	for _, u := range refused {
		nc, err := dial(p, nats.UserInfo(u, u+"-pw"))
		if err == nil {
			nc.Close()
			t.Fatalf("removed user %s connected", u)
		}
		if !errors.Is(err, nats.ErrAuthorization) {
			t.Fatalf("removed user %s: %v, want an authorization violation", u, err)
		}
	}
}

// checkBigMessage publishes size bytes on a new connection of user and
// requires that the subscriber sub (on the connection kept from the start)
// receives them.
func checkBigMessage(t *testing.T, p *process, user string, sub *nats.Subscription, size int) {
	t.Helper()
	nc := mustDial(t, p, nats.UserInfo(user, user+"-pw"))
	defer nc.Close()
	if err := nc.Publish(sub.Subject, make([]byte, size)); err != nil {
		t.Fatalf("publish %d bytes: %v", size, err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	m, err := sub.NextMsg(waitFor)
	if err != nil || len(m.Data) != size {
		t.Fatalf("kept subscriber: %v, %v; want %d bytes", m, err, size)
	}
}

// TestReloadBySignal: a reload by SIGHUP, and by "evnats --signal
// reload=PIDFILE", applies a new max_payload and new users while a client
// stays connected; a broken file is refused, logged once, and the server
// keeps serving its running configuration.
func TestReloadBySignal(t *testing.T) {
	dir := t.TempDir()
	conf, pidFile := filepath.Join(dir, "reload.conf"), filepath.Join(dir, "evnats.pid")
	writeFile(t, conf, reloadConf(1024, "alice", "bob"))
	p := startEvnats(t, "-c", conf, "-P", pidFile)
	if data, err := os.ReadFile(pidFile); err != nil || strings.TrimSpace(string(data)) != strconv.Itoa(p.pid()) {
		t.Fatalf("pid file: %q, %v; want %d", data, err, p.pid())
	}
	checkUsers(t, p, 1024, []string{"alice", "bob"}, []string{"carol"})

	var disconnects atomic.Int32
	kept := mustDial(t, p, nats.UserInfo("alice", "alice-pw"),
		nats.DisconnectErrHandler(func(*nats.Conn, error) { disconnects.Add(1) }))
	sub, err := kept.SubscribeSync("big")
	if err != nil {
		t.Fatal(err)
	}
	if err := kept.Flush(); err != nil {
		t.Fatal(err)
	}
	checkKept := func() {
		t.Helper()
		if !kept.IsConnected() || disconnects.Load() != 0 {
			t.Fatalf("the client connected before the reload was dropped: %v, %d disconnects", kept.Status(), disconnects.Load())
		}
		if _, err := kept.Request("nobody.home", nil, 5*time.Second); !errors.Is(err, nats.ErrNoResponders) {
			t.Fatalf("kept client request: %v, want no responders", err)
		}
	}
	reloaded := logLine(p, "INF", `Reloaded server configuration \(.*\)$`)

	// SIGHUP: bigger payloads, bob out, carol in.
	from := len(p.log())
	writeFile(t, conf, reloadConf(4096, "alice", "carol"))
	if err := syscall.Kill(p.pid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	p.mustLineFrom(t, from, reloaded)
	checkKept()
	checkUsers(t, p, 4096, []string{"alice", "carol"}, []string{"bob"})
	checkBigMessage(t, p, "carol", sub, 3000)

	// The same through "evnats --signal reload=PIDFILE".
	from = len(p.log())
	writeFile(t, conf, reloadConf(8192, "alice", "dave"))
	if code, stdout, stderr := runEvnats(t, "--signal", "reload="+pidFile); code != 0 {
		t.Fatalf("--signal reload: exit %d, %q %q", code, stdout, stderr)
	}
	p.mustLineFrom(t, from, reloaded)
	checkKept()
	checkUsers(t, p, 8192, []string{"alice", "dave"}, []string{"bob", "carol"})
	checkBigMessage(t, p, "dave", sub, 6000)

	// A syntax error: refused, logged with the file position, nothing changes.
	from = len(p.log())
	writeFile(t, conf, reloadConf(100, "eve")+"cluster {\n")
	if err := syscall.Kill(p.pid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	refused := logLine(p, "ERR", `Reload refused, keeping the running configuration: `)
	refusedAt := p.mustLineFrom(t, from, refused+regexp.QuoteMeta(conf)+`:\d+:\d+: .+$`)
	checkKept()
	checkUsers(t, p, 8192, []string{"alice", "dave"}, []string{"eve"})
	checkBigMessage(t, p, "dave", sub, 6000)

	// A good file again. Signals are handled one at a time, so once this
	// reload is logged, anything the refused one logged is in the log too.
	writeFile(t, conf, reloadConf(2048, "alice", "frank"))
	if err := syscall.Kill(p.pid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	p.mustLineFrom(t, refusedAt, reloaded)
	checkKept()
	checkUsers(t, p, 2048, []string{"alice", "frank"}, []string{"dave", "eve"})
	if n := p.count(`Reload refused`); n != 1 {
		t.Fatalf("the refused reload is logged %d times, want once", n)
	}
	if n := p.count(`(?i)failed to reload`); n != 0 {
		t.Fatalf("the refused reload is also logged by main (%d lines)", n)
	}
	errs := p.count(`\[(ERR|WRN|FTL)\]`) - p.count(`\[ERR\] 127\.0\.0\.1:\d+ - cid:\d+ - authentication error - User "\w+": unknown user$`)
	if errs != 1 {
		t.Fatalf("%d error or warning lines besides the refused users, want only the refused reload", errs)
	}

	// The pid file goes away with the server.
	p.stop(syscall.SIGTERM)
	if code := p.exitCode(); code != 0 {
		t.Fatalf("exit status %d after SIGTERM", code)
	}
	if _, err := os.Stat(pidFile); !os.IsNotExist(err) {
		t.Fatalf("pid file left behind: %v", err)
	}
}
