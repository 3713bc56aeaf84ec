package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// These tests run the built binaries (evnats, and mkpasswd for one test) as a
// user would, from the repository root, and read back what the server logs on
// stderr. Servers listen on 127.0.0.1 only, on ports the OS picks or that
// freePort found free. A server's log is shown when its test fails, or always
// with EVNATS_TEST_LOG=1 (and -v).

// repoRoot is where the spec's relative paths (./configs/..., ./test/configs/...) resolve.
var repoRoot = func() string {
	d, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		panic(err)
	}
	return d
}()

// waitFor bounds every wait of these tests: generous, because the machine is
// shared and the race detector slows everything, but never unbounded.
const waitFor = 20 * time.Second

var (
	buildMu  sync.Mutex
	binDir   string
	binaries = map[string]string{} // package directory -> built binary
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// buildBinary builds the command in pkgDir (relative to this package) once
// per test run and returns the binary's path.
func buildBinary(t *testing.T, pkgDir string) string {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	if bin, ok := binaries[pkgDir]; ok {
		return bin
	}
	if binDir == "" {
		d, err := os.MkdirTemp("", "evnats-bin-")
		if err != nil {
			t.Fatal(err)
		}
		binDir = d
	}
	abs, err := filepath.Abs(pkgDir)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(binDir, filepath.Base(abs))
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	cmd := exec.Command(goTool, "build", "-o", bin, ".")
	cmd.Dir = abs
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkgDir, err, out)
	}
	binaries[pkgDir] = bin
	return bin
}

// evnatsBinary builds cmd/evnats once per test run.
func evnatsBinary(t *testing.T) string {
	t.Helper()
	return buildBinary(t, ".")
}

// runEvnats runs evnats to completion from the repository root and returns
// its exit status, stdout and stderr.
func runEvnats(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(evnatsBinary(t), args...)
	cmd.Dir = repoRoot
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(waitFor):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("evnats %s did not exit", strings.Join(args, " "))
	}
	return cmd.ProcessState.ExitCode(), out.String(), errOut.String()
}

// process is a running evnats and the lines it logged.
type process struct {
	t    *testing.T
	args []string
	cmd  *exec.Cmd
	port int

	mu    sync.Mutex
	lines []string
	ended chan struct{} // closed once the process has exited and been reaped
}

// startEvnats runs evnats with args from the repository root, on a free
// loopback client port, and waits for "Server is ready".
func startEvnats(t *testing.T, args ...string) *process {
	t.Helper()
	return startEvnatsExact(t, append(args, "-a", "127.0.0.1", "-p", "-1")...)
}

// startEvnatsExact is startEvnats without the added listen flags: args must
// choose the client address and port themselves.
func startEvnatsExact(t *testing.T, args ...string) *process {
	t.Helper()
	cmd := exec.Command(evnatsBinary(t), args...)
	cmd.Dir = repoRoot
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{t: t, args: args, cmd: cmd, ended: make(chan struct{})}
	go func() {
		defer close(p.ended)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.mu.Lock()
			p.lines = append(p.lines, sc.Text())
			p.mu.Unlock()
		}
		_ = cmd.Wait()
	}()
	t.Cleanup(func() {
		p.stop(syscall.SIGINT)
		if t.Failed() || os.Getenv("EVNATS_TEST_LOG") != "" {
			t.Logf("evnats %s (pid %d) logged:\n%s", strings.Join(args, " "), cmd.Process.Pid, strings.Join(p.log(), "\n"))
		}
	})
	if _, ready := p.waitLine(0, `\[INF\] Server is ready$`); ready == "" {
		t.Fatalf("evnats %s did not start:\n%s", strings.Join(args, " "), strings.Join(p.log(), "\n"))
	}
	listen := regexp.MustCompile(`Listening for client connections on 127\.0\.0\.1:(\d+)$`)
	for _, l := range p.log() {
		if m := listen.FindStringSubmatch(l); m != nil {
			p.port, _ = strconv.Atoi(m[1])
		}
	}
	if p.port == 0 {
		t.Fatalf("no client port in the log:\n%s", strings.Join(p.log(), "\n"))
	}
	return p
}

// stop sends sig and waits for the process to exit, killing it if it takes
// longer than waitFor. Stopping an exited process does nothing.
func (p *process) stop(sig syscall.Signal) {
	select {
	case <-p.ended:
		return
	default:
	}
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.ended:
	case <-time.After(waitFor):
		_ = p.cmd.Process.Kill()
		<-p.ended
	}
}

// exitCode is the exit status of an ended process (-1 if killed by a signal).
func (p *process) exitCode() int {
	<-p.ended
	return p.cmd.ProcessState.ExitCode()
}

func (p *process) pid() int { return p.cmd.Process.Pid }

func (p *process) log() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.lines...)
}

// count is the number of logged lines matching re.
func (p *process) count(re string) int {
	rx := regexp.MustCompile(re)
	n := 0
	for _, l := range p.log() {
		if rx.MatchString(l) {
			n++
		}
	}
	return n
}

// waitLine waits for a line matching re at index from or later of the log
// and returns its index and text ("" if the process ended or waitFor passed
// first).
func (p *process) waitLine(from int, re string) (int, string) {
	rx := regexp.MustCompile(re)
	deadline := time.Now().Add(waitFor)
	for time.Now().Before(deadline) {
		lines := p.log()
		for i := from; i < len(lines); i++ {
			if rx.MatchString(lines[i]) {
				return i, lines[i]
			}
		}
		select {
		case <-p.ended:
			return -1, ""
		case <-time.After(10 * time.Millisecond):
		}
	}
	return -1, ""
}

func (p *process) mustLine(t *testing.T, re string) string {
	t.Helper()
	_, l := p.waitLine(0, re)
	if l == "" {
		t.Fatalf("no log line matches %q", re)
	}
	return l
}

// mustLineFrom is mustLine for lines at index from or later; it returns the
// line's index.
func (p *process) mustLineFrom(t *testing.T, from int, re string) int {
	t.Helper()
	i, l := p.waitLine(from, re)
	if l == "" {
		t.Fatalf("no log line from line %d matches %q", from, re)
	}
	return i
}

func (p *process) url() string { return fmt.Sprintf("nats://127.0.0.1:%d", p.port) }

// logLine is the form of every line: "[pid] date time.micros [LVL] text".
func logLine(p *process, level, text string) string {
	return `^\[` + strconv.Itoa(p.pid()) + `\] \d{4}/\d\d/\d\d \d\d:\d\d:\d\d\.\d{6} \[` + level + `\] ` + text
}

// freePort returns a loopback TCP port that was free a moment ago, for the
// servers whose port another server's flags must name in advance.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// waitPortsFree waits until nothing listens on the given loopback ports (a
// fixed port of a spec file may be in use by another test for a moment) and
// skips the test if one stays taken.
func waitPortsFree(t *testing.T, ports ...int) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for _, port := range ports {
		for {
			l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
			if err == nil {
				l.Close()
				break
			}
			if time.Now().After(deadline) {
				t.Skipf("port %d stays in use: %v", port, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// eventually polls cond every 10 ms until it holds, failing the test with
// what after waitFor.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func certPath(name string) string { return filepath.Join(repoRoot, "configs", "certs", name) }

// clientTLS trusts the test CA; with cert set, it presents that client
// certificate (even to a server whose CA list does not name its issuer).
func clientTLS(t *testing.T, cert string, mutate func(*tls.Config)) *tls.Config {
	t.Helper()
	pem, err := os.ReadFile(certPath("ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	cfg := &tls.Config{RootCAs: pool}
	if cert != "" {
		key := strings.Replace(cert, "-cert.pem", "-key.pem", 1)
		if strings.HasSuffix(cert, "client2.pem") {
			key = strings.Replace(cert, ".pem", "-key.pem", 1)
		}
		pair, err := tls.LoadX509KeyPair(certPath(cert), certPath(key))
		if err != nil {
			t.Fatal(err)
		}
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &pair, nil }
	}
	if mutate != nil {
		mutate(cfg)
	}
	return cfg
}

func dial(p *process, opts ...nats.Option) (*nats.Conn, error) {
	opts = append([]nats.Option{nats.MaxReconnects(0), nats.Timeout(5 * time.Second)}, opts...)
	return nats.Connect(p.url(), opts...)
}

// mustDial connects to p and closes the connection when the test ends.
func mustDial(t *testing.T, p *process, opts ...nats.Option) *nats.Conn {
	t.Helper()
	nc, err := dial(p, opts...)
	if err != nil {
		t.Fatalf("connect to %s: %v", p.url(), err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// checkTraffic connects two clients with opts and runs a publish/subscribe and
// a request/reply between them.
func checkTraffic(t *testing.T, p *process, opts ...nats.Option) {
	t.Helper()
	a, err := dial(p, opts...)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer a.Close()
	b, err := dial(p, opts...)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer b.Close()
	sub, err := b.SubscribeSync("foo")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Subscribe("svc", func(m *nats.Msg) { _ = m.Respond(append([]byte("re:"), m.Data...)) }); err != nil {
		t.Fatal(err)
	}
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := a.Publish("foo", []byte("hello")); err != nil {
		t.Fatal(err)
	}
	if m, err := sub.NextMsg(5 * time.Second); err != nil || string(m.Data) != "hello" {
		t.Fatalf("pub/sub: %v %v", m, err)
	}
	if m, err := a.Request("svc", []byte("ping"), 5*time.Second); err != nil || string(m.Data) != "re:ping" {
		t.Fatalf("request/reply: %v %v", m, err)
	}
}
