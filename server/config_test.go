package server

import (
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"

	"github.com/evnats/evnats/options"
)

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func writeConf(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// startFromArgs starts a server the way cmd/evnats does.
func startFromArgs(t *testing.T, args ...string) *Server {
	t.Helper()
	fs := flag.NewFlagSet("evnats", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	args = append(args, "--loops", fmt.Sprint(testLoops()))
	opts, _, err := options.Configure(fs, args)
	if err != nil {
		t.Fatalf("Configure: %v", err)
	}
	s, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	s.log = NewLogger(&testLogWriter{t: t}, false, false)
	s.log.SetLevels(opts.Debug, opts.Trace)
	if err := s.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(s.Shutdown)
	return s
}

func TestConfigFileOptionsReachTheServer(t *testing.T) {
	port := freePort(t)
	conf := filepath.Join(t.TempDir(), "server.conf")
	writeConf(t, conf, fmt.Sprintf("listen: 127.0.0.1:%d\nmax_payload: 512kb\ndebug: true\n", port))
	s := startFromArgs(t, "-c", conf)
	if s.ClientAddr().Port != port {
		t.Fatalf("listening on %d, want %d", s.ClientAddr().Port, port)
	}
	if !s.log.DebugEnabled() {
		t.Fatal("debug from the file is not on")
	}
	nc := connect(t, s)
	if got := nc.MaxPayload(); got != 512*1024 {
		t.Fatalf("INFO max_payload %d, want %d", got, 512*1024)
	}
}

func TestFlagsOverrideTheFile(t *testing.T) {
	filePort, flagPort := freePort(t), freePort(t)
	conf := filepath.Join(t.TempDir(), "server.conf")
	writeConf(t, conf, fmt.Sprintf("listen: 127.0.0.1:%d\ndebug: false\nmax_payload: 2048\n", filePort))
	s := startFromArgs(t, "-c", conf, "-p", fmt.Sprint(flagPort), "-D")
	if s.ClientAddr().Port != flagPort {
		t.Fatalf("listening on %d, want the flag's %d", s.ClientAddr().Port, flagPort)
	}
	if !s.log.DebugEnabled() {
		t.Fatal("-D did not win over the file")
	}
	if got := connect(t, s).MaxPayload(); got != 2048 {
		t.Fatalf("max_payload %d", got)
	}
}

func TestReloadAppliesLimitsAndUsersWithoutDropping(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "server.conf")
	port := freePort(t)
	base := fmt.Sprintf("listen: 127.0.0.1:%d\n", port)
	writeConf(t, conf, base+`max_payload: 1mb
authorization { users: [ {user: alice, password: apw} ] }
`)
	s := startFromArgs(t, "-c", conf)
	alice := connect(t, s, nats.UserInfo("alice", "apw"))
	if _, err := nats.Connect(s.ClientURL(), nats.UserInfo("bob", "bpw"), nats.MaxReconnects(0)); err == nil {
		t.Fatal("bob got in before the reload")
	}
	raw := dialRaw(t, s)
	raw.connectRaw(`{"verbose":false,"user":"alice","pass":"apw"}`)
	raw.send("PING\r\n")
	raw.expect(`^PONG$`)

	writeConf(t, conf, base+`max_payload: 512kb
authorization { users: [ {user: alice, password: apw}, {user: bob, password: bpw} ] }
`)
	if err := s.Reload(); err != nil {
		t.Fatalf("reload: %v", err)
	}
	// The old connection stays up.
	if err := alice.Flush(); err != nil || !alice.IsConnected() {
		t.Fatalf("alice lost her connection: %v", err)
	}
	// New users and limits apply to new connections...
	bob := connect(t, s, nats.UserInfo("bob", "bpw"))
	if got := bob.MaxPayload(); got != 512*1024 {
		t.Fatalf("new INFO max_payload %d", got)
	}
	// ...and to new operations on old ones.
	raw.send(fmt.Sprintf("PUB big %d\r\n", 600*1024))
	raw.expect(`^-ERR 'Maximum Payload Violation'$`)

	// A broken file is refused and the server keeps serving.
	writeConf(t, conf, base+"max_payload: {{{\n")
	if err := s.Reload(); err == nil {
		t.Fatal("reload of a broken file succeeded")
	}
	if err := bob.Flush(); err != nil {
		t.Fatalf("server stopped serving after a refused reload: %v", err)
	}
	if got := connect(t, s, nats.UserInfo("bob", "bpw")).MaxPayload(); got != 512*1024 {
		t.Fatalf("refused reload changed max_payload to %d", got)
	}
	// A port change cannot be applied at run time.
	writeConf(t, conf, fmt.Sprintf("listen: 127.0.0.1:%d\n", freePort(t)))
	if err := s.Reload(); err == nil || !strings.Contains(err.Error(), "port") {
		t.Fatalf("port change: %v", err)
	}
}
