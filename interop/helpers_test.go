package interop

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/evnats/evnats/monitor"
	"github.com/evnats/evnats/options"
	"github.com/evnats/evnats/server"
)

// natsServerVersion is the reference release the tests are written against.
const natsServerVersion = "v2.15.3"

// clusterName is the cluster every node of these tests joins.
const clusterName = "C"

// natsServerBin is the nats-server binary, found by TestMain.
var natsServerBin string

func TestMain(m *testing.M) {
	bin, cleanup, err := findNatsServer()
	if err != nil {
		fmt.Fprintf(os.Stderr, "interop: no nats-server %s: %v\n", natsServerVersion, err)
		os.Exit(1)
	}
	natsServerBin = bin
	if out, err := exec.Command(bin, "--version").CombinedOutput(); err != nil || !strings.Contains(string(out), natsServerVersion) {
		fmt.Fprintf(os.Stderr, "interop: %s reports %q, the tests expect %s\n", bin, strings.TrimSpace(string(out)), natsServerVersion)
	}
	code := m.Run()
	cleanup()
	os.Exit(code)
}

// findNatsServer looks for the binary in $EVNATS_NATS_SERVER, PATH and
// $(go env GOPATH)/bin, and otherwise installs it into a temporary GOBIN
// (removed by the returned cleanup).
func findNatsServer() (string, func(), error) {
	none := func() {}
	if p := os.Getenv("EVNATS_NATS_SERVER"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", none, fmt.Errorf("EVNATS_NATS_SERVER: %w", err)
		}
		return p, none, nil
	}
	if p, err := exec.LookPath("nats-server"); err == nil {
		return p, none, nil
	}
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		for _, dir := range filepath.SplitList(strings.TrimSpace(string(out))) {
			p := filepath.Join(dir, "bin", "nats-server")
			if _, err := os.Stat(p); err == nil {
				return p, none, nil
			}
		}
	}
	gobin, err := os.MkdirTemp("", "evnats-interop-gobin")
	if err != nil {
		return "", none, err
	}
	cleanup := func() { _ = os.RemoveAll(gobin) }
	cmd := exec.Command("go", "install", "github.com/nats-io/nats-server/v2@"+natsServerVersion)
	cmd.Env = append(os.Environ(), "GOBIN="+gobin)
	if out, err := cmd.CombinedOutput(); err != nil {
		cleanup()
		return "", none, fmt.Errorf("go install: %w\n%s", err, out)
	}
	return filepath.Join(gobin, "nats-server"), cleanup, nil
}

// showLogs says whether to print the servers' logs when a test ends: when
// it failed, or always with EVNATS_INTEROP_LOGS=1.
func showLogs(t testing.TB) bool { return t.Failed() || os.Getenv("EVNATS_INTEROP_LOGS") != "" }

// certPath is a file of the repository's test certificates.
func certPath(t testing.TB, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "configs", "certs", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// waitFor polls fn until it returns nil or the timeout passes.
func waitFor(t testing.TB, timeout time.Duration, fn func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var err error
	for time.Now().Before(deadline) {
		if err = fn(); err == nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("timed out: %v", err)
}

// lockedBuffer collects a process's output.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// natsServer is a running nats-server process.
type natsServer struct {
	name                            string
	clientPort, routePort, httpPort int
	out                             *lockedBuffer
}

// startNatsServer runs nats-server as a member of cluster C that dials
// routes, and stops it when the test ends (printing its log if the test
// failed).
func startNatsServer(t testing.TB, name string, routes ...string) *natsServer {
	t.Helper()
	return startNatsServerWith(t, name, "", routes...)
}

// startNatsServerWith is startNatsServer with more lines for its cluster {}
// block.
func startNatsServerWith(t testing.TB, name, clusterExtra string, routes ...string) *natsServer {
	t.Helper()
	n := &natsServer{name: name, clientPort: freePort(t), routePort: freePort(t), httpPort: freePort(t), out: &lockedBuffer{}}
	var rs string
	for _, r := range routes {
		rs += "    " + r + "\n"
	}
	conf := filepath.Join(t.TempDir(), name+".conf")
	text := fmt.Sprintf("server_name: %s\nlisten: 127.0.0.1:%d\nhttp: 127.0.0.1:%d\ncluster {\n  name: %s\n  listen: 127.0.0.1:%d\n  routes: [\n%s  ]\n%s\n}\n",
		name, n.clientPort, n.httpPort, clusterName, n.routePort, rs, clusterExtra)
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(natsServerBin, "-c", conf)
	cmd.Stdout, cmd.Stderr = n.out, n.out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start nats-server: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if showLogs(t) {
			t.Logf("nats-server %s log:\n%s", name, n.out.String())
		}
	})
	waitFor(t, 20*time.Second, func() error {
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("nats-server %s exited: %v\n%s", name, err, n.out.String())
		default:
		}
		if !strings.Contains(n.out.String(), "Server is ready") {
			return fmt.Errorf("nats-server %s not ready", name)
		}
		return nil
	})
	return n
}

func (n *natsServer) clientURL() string { return "nats://127.0.0.1:" + strconv.Itoa(n.clientPort) }
func (n *natsServer) routeURL() string  { return "nats-route://127.0.0.1:" + strconv.Itoa(n.routePort) }

// natsRoutez is the part of nats-server's /routez the tests read.
type natsRoutez struct {
	Routes []struct {
		RemoteID string   `json:"remote_id"`
		Subs     []string `json:"subscriptions_list"`
	} `json:"routes"`
}

func (n *natsServer) routez(t testing.TB) natsRoutez {
	t.Helper()
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/routez?subs=1", n.httpPort))
	if err != nil {
		t.Fatalf("routez: %v", err)
	}
	defer resp.Body.Close()
	var rz natsRoutez
	if err := json.NewDecoder(resp.Body).Decode(&rz); err != nil {
		t.Fatalf("routez: %v", err)
	}
	return rz
}

// remotes returns the server ids nats-server has routes to (a pooled peer
// has several connections, an evnats peer one).
func (n *natsServer) remotes(t testing.TB) map[string]bool {
	t.Helper()
	ids := make(map[string]bool)
	for _, r := range n.routez(t).Routes {
		ids[r.RemoteID] = true
	}
	return ids
}

// hasRouteInterest reports whether nats-server's route to the server id
// carries interest in subject.
func (n *natsServer) hasRouteInterest(t testing.TB, id, subject string) bool {
	t.Helper()
	for _, r := range n.routez(t).Routes {
		if r.RemoteID != id {
			continue
		}
		for _, s := range r.Subs {
			if s == subject || strings.HasPrefix(s, subject+" ") {
				return true
			}
		}
	}
	return false
}

// startEvnats runs an evnats server in process, a member of cluster C that
// dials routes; its log goes to a file printed if the test fails.
func startEvnats(t testing.TB, name string, routes ...string) *server.Server {
	t.Helper()
	return startEvnatsWith(t, name, nil, routes...)
}

// startEvnatsWith is startEvnats with the options changed by mutate.
func startEvnatsWith(t testing.TB, name string, mutate func(*options.Options), routes ...string) *server.Server {
	t.Helper()
	o := options.Default()
	o.ServerName = name
	o.Host = "127.0.0.1"
	o.Port = options.RandomPort
	o.Loops = 2
	o.Logtime = false
	o.LogFile = filepath.Join(t.TempDir(), name+".log")
	o.Cluster.Name = clusterName
	o.Cluster.Host = "127.0.0.1"
	o.Cluster.Port = options.RandomPort
	for _, r := range routes {
		u, err := url.Parse(r)
		if err != nil {
			t.Fatal(err)
		}
		o.Cluster.Routes = append(o.Cluster.Routes, u)
	}
	if mutate != nil {
		mutate(o)
	}
	s, err := server.New(o)
	if err != nil {
		t.Fatalf("evnats New: %v", err)
	}
	if err := s.Start(); err != nil {
		t.Fatalf("evnats Start: %v", err)
	}
	t.Cleanup(func() {
		s.Shutdown()
		if showLogs(t) {
			b, _ := os.ReadFile(o.LogFile)
			t.Logf("evnats %s log:\n%s", name, b)
		}
	})
	return s
}

func evRouteURL(s *server.Server) string { return "nats-route://" + s.RouteAddr().String() }

// evHasRouteInterest reports whether any route of the evnats server s
// announced interest in subject.
func evHasRouteInterest(s *server.Server, subject string) bool {
	for _, r := range s.Routez(&monitor.RoutezOptions{SubscriptionsDetail: true}).Routes {
		for _, sd := range r.SubsDetail {
			if sd.Subject == subject {
				return true
			}
		}
	}
	return false
}

// connect opens a nats.go connection closed when the test ends.
func connect(t testing.TB, url string) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(url, nats.MaxReconnects(0), nats.Timeout(5*time.Second))
	if err != nil {
		t.Fatalf("connect %s: %v", url, err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// publishN publishes n numbered messages and then "end", and flushes.
func publishN(t testing.TB, nc *nats.Conn, subject string, n int) {
	t.Helper()
	for i := range n {
		if err := nc.Publish(subject, []byte(strconv.Itoa(i))); err != nil {
			t.Fatal(err)
		}
	}
	if err := nc.Publish(subject, []byte("end")); err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
}

// countUntilEnd reads sub until "end" and returns how many messages came
// before it.
func countUntilEnd(t testing.TB, sub *nats.Subscription) int {
	t.Helper()
	n := 0
	for {
		m, err := sub.NextMsg(10 * time.Second)
		if err != nil {
			t.Fatalf("%s: after %d messages: %v", sub.Subject, n, err)
		}
		if string(m.Data) == "end" {
			return n
		}
		n++
	}
}

func subscribeSync(t testing.TB, nc *nats.Conn, subject string) *nats.Subscription {
	t.Helper()
	sub, err := nc.SubscribeSync(subject)
	if err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	return sub
}
