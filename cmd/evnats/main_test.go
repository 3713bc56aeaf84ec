package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
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

// The spec's commands (tls-security.md, with evnats for nats-server) run
// through the built binary, from the repository root, as a user would type
// them; "-a 127.0.0.1 -p -1" is appended so that each server gets a free
// loopback port, which is read back from its log.

// repoRoot is where the spec's relative paths (./configs/..., ./test/configs/...) resolve.
var repoRoot = func() string {
	d, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		panic(err)
	}
	return d
}()

var (
	buildOnce sync.Once
	binPath   string
	binDir    string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// evnatsBinary builds cmd/evnats once per test run.
func evnatsBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "evnats-bin-")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "evnats")
		goTool, err := exec.LookPath("go")
		if err != nil {
			goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
		}
		out, err := exec.Command(goTool, "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// process is a running evnats and the lines it logged.
type process struct {
	cmd  *exec.Cmd
	port int

	mu    sync.Mutex
	lines []string
	ended chan struct{}
}

// startEvnats runs evnats with args from the repository root and waits for
// "Server is ready".
func startEvnats(t *testing.T, args ...string) *process {
	t.Helper()
	args = append(args, "-a", "127.0.0.1", "-p", "-1")
	cmd := exec.Command(evnatsBinary(t), args...)
	cmd.Dir = repoRoot
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, ended: make(chan struct{})}
	go func() {
		defer close(p.ended)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.mu.Lock()
			p.lines = append(p.lines, sc.Text())
			p.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-p.ended:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-p.ended
		}
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("evnats %s logged:\n%s", strings.Join(args, " "), strings.Join(p.log(), "\n"))
		}
	})
	ready := p.waitLine(t, `\[INF\] Server is ready$`)
	if ready == "" {
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

func (p *process) log() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.lines...)
}

// waitLine waits for a line matching re and returns it ("" if the process
// ended or 10 s passed first).
func (p *process) waitLine(t *testing.T, re string) string {
	t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, l := range p.log() {
			if rx.MatchString(l) {
				return l
			}
		}
		select {
		case <-p.ended:
			return ""
		case <-time.After(10 * time.Millisecond):
		}
	}
	return ""
}

func (p *process) mustLine(t *testing.T, re string) string {
	t.Helper()
	l := p.waitLine(t, re)
	if l == "" {
		t.Fatalf("no log line matches %q", re)
	}
	return l
}

func (p *process) url() string { return fmt.Sprintf("nats://127.0.0.1:%d", p.port) }

// logLine is the form of every line: "[pid] date time.micros [LVL] text".
func logLine(p *process, level, text string) string {
	return `^\[` + strconv.Itoa(p.cmd.Process.Pid) + `\] \d{4}/\d\d/\d\d \d\d:\d\d:\d\d\.\d{6} \[` + level + `\] ` + text
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

func TestSpecTLSFlagsStartupLog(t *testing.T) {
	p := startEvnats(t, "--tls", "--tlscert=./test/configs/certs/server-cert.pem", "--tlskey=./test/configs/certs/server-key.pem")
	want := []string{
		logLine(p, "INF", `Starting evnats version \d+\.\d+\.\d+\S*$`),
		logLine(p, "INF", `Listening for client connections on 127\.0\.0\.1:\d+$`),
		logLine(p, "INF", `TLS required for client connections$`),
		logLine(p, "INF", `Server is ready$`),
	}
	next := 0
	for _, l := range p.log() {
		if next < len(want) && regexp.MustCompile(want[next]).MatchString(l) {
			next++
		}
	}
	if next != len(want) {
		t.Fatalf("missing or out of order: %q in\n%s", want[next], strings.Join(p.log(), "\n"))
	}
	checkTraffic(t, p, nats.Secure(clientTLS(t, "", nil)))
}

func TestSpecDebugLogShowsHandshake(t *testing.T) {
	p := startEvnats(t, "-DV", "--tls", "--tlscert=./test/configs/certs/server-cert.pem", "--tlskey=./test/configs/certs/server-key.pem")
	nc, err := dial(p, nats.Secure(clientTLS(t, "", func(c *tls.Config) { c.MaxVersion = tls.VersionTLS12 })))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	who := `127\.0\.0\.1:\d+ - cid:\d+`
	start := p.mustLine(t, logLine(p, "DBG", who+` - Starting TLS client connection handshake$`))
	who = regexp.QuoteMeta(regexp.MustCompile(`127\.0\.0\.1:\d+ - cid:\d+`).FindString(start))
	p.mustLine(t, logLine(p, "DBG", who+` - TLS handshake complete$`))
	p.mustLine(t, logLine(p, "DBG", who+` - TLS version 1\.2, cipher suite TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256$`))
}

func TestSpecTLSConf(t *testing.T) {
	// The spec's first configuration: TLS and a bcrypt password (T0pS3cr3t).
	p := startEvnats(t, "-c", "configs/tls.conf")
	tlsOpt := nats.Secure(clientTLS(t, "", nil))
	checkTraffic(t, p, tlsOpt, nats.UserInfo("derek", "T0pS3cr3t"))
	if _, err := dial(p, tlsOpt, nats.UserInfo("derek", "wrong")); !errors.Is(err, nats.ErrAuthorization) {
		t.Fatalf("wrong password: %v", err)
	}
	p.mustLine(t, logLine(p, "ERR", `127\.0\.0\.1:\d+ - cid:\d+ - authentication error - User "derek": wrong password$`))
}

func TestSpecTLSVerifyFlags(t *testing.T) {
	p := startEvnats(t, "--tlsverify", "--tlscert=./test/configs/certs/server-cert.pem",
		"--tlskey=./test/configs/certs/server-key.pem", "--tlscacert=./test/configs/certs/ca.pem")
	for _, cert := range []string{"", "other-client-cert.pem", "client-expired-cert.pem"} {
		if nc, err := dial(p, nats.Secure(clientTLS(t, cert, nil))); err == nil {
			nc.Close()
			t.Fatalf("client certificate %q accepted", cert)
		}
	}
	checkTraffic(t, p, nats.Secure(clientTLS(t, "client-cert.pem", nil)))
}

func TestSpecConfigFiles(t *testing.T) {
	tls12 := func(suite uint16) func(*tls.Config) {
		return func(c *tls.Config) { c.MaxVersion = tls.VersionTLS12; c.CipherSuites = []uint16{suite} }
	}
	tests := []struct {
		conf    string
		good    []nats.Option
		refused []nats.Option
	}{
		{conf: "configs/tls-verify.conf",
			good:    []nats.Option{nats.Secure(clientTLS(t, "client-cert.pem", nil))},
			refused: []nats.Option{nats.Secure(clientTLS(t, "", nil))}},
		{conf: "configs/tls-ciphers.conf",
			good:    []nats.Option{nats.Secure(clientTLS(t, "", tls12(tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384)))},
			refused: []nats.Option{nats.Secure(clientTLS(t, "", tls12(tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)))}},
		{conf: "configs/tls-verify-and-map.conf",
			good:    []nats.Option{nats.Secure(clientTLS(t, "client-id-auth-cert.pem", nil))},
			refused: []nats.Option{nats.Secure(clientTLS(t, "", nil))}},
		{conf: "configs/tls-map-email.conf",
			good:    []nats.Option{nats.Secure(clientTLS(t, "client-id-auth-cert.pem", nil))},
			refused: []nats.Option{nats.Secure(clientTLS(t, "client-cert.pem", nil))}},
		{conf: "configs/tls-map-dn.conf",
			good:    []nats.Option{nats.Secure(clientTLS(t, "tlsauth/client2.pem", nil))},
			refused: []nats.Option{nats.Secure(clientTLS(t, "client-id-auth-cert.pem", nil))}},
		{conf: "configs/bcrypt.conf",
			good:    []nats.Option{nats.UserInfo("derek", "#IclkRPHUpsTmACWzmIGXr")},
			refused: []nats.Option{nats.UserInfo("derek", "#IclkRPHUpsTmACWzmIGXR")}},
	}
	for _, tc := range tests {
		t.Run(filepath.Base(tc.conf), func(t *testing.T) {
			p := startEvnats(t, "-c", tc.conf)
			p.mustLine(t, logLine(p, "INF", `Using configuration file: `+regexp.QuoteMeta(tc.conf)+`$`))
			if strings.HasPrefix(filepath.Base(tc.conf), "tls") {
				p.mustLine(t, logLine(p, "INF", `TLS required for client connections$`))
			}
			if strings.HasPrefix(filepath.Base(tc.conf), "tls-map") {
				// The mapped users may publish to "foo" only: no request/reply.
				nc, err := dial(p, tc.good...)
				if err != nil {
					t.Fatal(err)
				}
				defer nc.Close()
				sub, err := nc.SubscribeSync("foo")
				if err != nil {
					t.Fatal(err)
				}
				if err := nc.Publish("foo", []byte("x")); err != nil {
					t.Fatal(err)
				}
				if _, err := sub.NextMsg(5 * time.Second); err != nil {
					t.Fatal(err)
				}
			} else {
				checkTraffic(t, p, tc.good...)
			}
			if nc, err := dial(p, tc.refused...); err == nil {
				nc.Close()
				t.Fatal("refused client connected")
			}
		})
	}
}

func TestHelpTLS(t *testing.T) {
	cmd := exec.Command(evnatsBinary(t), "--help_tls")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("--help_tls: %v", err)
	}
	for _, name := range []string{"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "X25519", "CurveP256"} {
		if !strings.Contains(string(out), name) {
			t.Errorf("--help_tls does not list %s:\n%s", name, out)
		}
	}
}

func TestCheckConfigOfSpecFiles(t *testing.T) {
	for _, conf := range []string{"configs/tls.conf", "configs/tls-ciphers.conf", "configs/tls-verify.conf",
		"configs/tls-verify-and-map.conf", "configs/tls-map-email.conf", "configs/tls-map-dn.conf", "configs/bcrypt.conf"} {
		cmd := exec.Command(evnatsBinary(t), "-c", conf, "-t")
		cmd.Dir = repoRoot
		if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "test is successful") {
			t.Errorf("%s: %v\n%s", conf, err, out)
		}
	}
}
