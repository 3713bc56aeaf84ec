package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Versions of the reference tools, installed with `go install` into the cache.
const (
	NATSServerModule  = "github.com/nats-io/nats-server/v2"
	NATSServerVersion = "v2.15.3"
	NATSCLIModule     = "github.com/nats-io/natscli/nats"
	NATSCLIVersion    = "v0.5.0"
)

// startTimeout bounds how long a server may take to accept clients.
const startTimeout = 15 * time.Second

// cacheDir returns $XDG_CACHE_HOME/evnats-bench or ~/.cache/evnats-bench.
func cacheDir() (string, error) {
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "evnats-bench"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory: %w", err)
	}
	return filepath.Join(home, ".cache", "evnats-bench"), nil
}

// installedTool returns the path a tool is cached at, and whether it exists.
func installedTool(bin, version string) (string, bool) {
	dir, err := cacheDir()
	if err != nil {
		return "", false
	}
	p := filepath.Join(dir, bin+"-"+version, bin)
	_, err = os.Stat(p)
	return p, err == nil
}

// installTool runs `GOBIN=<cache>/<bin>-<version> go install module@version`
// unless the binary is already there, and returns its path.
func installTool(ctx context.Context, module, bin, version string, log func(string)) (string, error) {
	p, ok := installedTool(bin, version)
	if ok {
		return p, nil
	}
	if p == "" {
		return "", errors.New("no cache directory (set XDG_CACHE_HOME or HOME)")
	}
	log(fmt.Sprintf("installing %s@%s into %s", module, version, filepath.Dir(p)))
	cmd := exec.CommandContext(ctx, "go", "install", module+"@"+version)
	cmd.Env = append(os.Environ(), "GOBIN="+filepath.Dir(p))
	cmd.Dir = os.TempDir() // outside any module, so the main go.mod is not touched
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go install %s@%s: %w: %s", module, version, err, lastLine(out))
	}
	return p, nil
}

// findNATSServer returns nats-server NATSServerVersion: the cached one, else
// SRC/.cache/bin/nats-server (where .ci/run installs it) if it reports that
// version, else one installed into the cache.
func findNATSServer(ctx context.Context, src string, log func(string)) (string, error) {
	if p, ok := installedTool("nats-server", NATSServerVersion); ok {
		return p, nil
	}
	local, err := filepath.Abs(filepath.Join(src, ".cache", "bin", "nats-server"))
	if err != nil {
		return "", err
	}
	if out, err := exec.CommandContext(ctx, local, "--version").Output(); err == nil &&
		strings.TrimSpace(string(out)) == "nats-server: "+NATSServerVersion {
		return local, nil
	}
	return installTool(ctx, NATSServerModule, "nats-server", NATSServerVersion, log)
}

// buildEvnats builds ./cmd/evnats of the module at src into dir.
func buildEvnats(ctx context.Context, src, dir string) (string, error) {
	out := filepath.Join(dir, "evnats")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "./cmd/evnats")
	cmd.Dir = src
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/evnats: %w: %s", err, lastLine(b))
	}
	return out, nil
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// freePort asks the OS for a free loopback port. Another process could take it
// before the server binds it; startServer then fails and says so.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// serverProc is a broker running as a child process.
type serverProc struct {
	name string
	cmd  *exec.Cmd
	port int
	url  string
	log  *tailBuffer
	done chan struct{} // closed when the process has exited
	err  error         // Wait's result, valid after done
}

// startServer starts bin with the nats-server style arguments -a 127.0.0.1 -p
// <free port> plus extra, and returns once it accepts clients.
func startServer(ctx context.Context, name, bin string, extra ...string) (*serverProc, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	args := append([]string{"-a", "127.0.0.1", "-p", strconv.Itoa(port)}, extra...)
	s := &serverProc{name: name, port: port, url: "nats://127.0.0.1:" + strconv.Itoa(port),
		log: &tailBuffer{max: 8 << 10}, done: make(chan struct{})}
	s.cmd = exec.Command(bin, args...)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	go func() {
		s.err = s.cmd.Wait()
		close(s.done)
	}()
	if err := s.waitReady(ctx); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

func (s *serverProc) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(startTimeout)
	for {
		select {
		case <-s.done:
			return fmt.Errorf("%s exited at start (%s): %s", s.name, s.cmd.ProcessState, s.log.summary())
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		if infoReady(s.port) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not accept clients on port %d within %v: %s", s.name, s.port, startTimeout, s.log.summary())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// infoReady reports whether something on port sends an INFO line.
func infoReady(port int) bool {
	c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "INFO ")
}

func (s *serverProc) pid() int { return s.cmd.Process.Pid }

// cpu returns the server's CPU time so far, or -1 if it cannot be read.
func (s *serverProc) cpu() time.Duration {
	d, err := procCPU(s.pid())
	if err != nil {
		return -1
	}
	return d
}

// stop sends SIGINT, then SIGKILL if the server has not exited within 5 s.
func (s *serverProc) stop() {
	if s == nil {
		return
	}
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
		return
	case <-time.After(5 * time.Second):
	}
	_ = s.cmd.Process.Kill()
	<-s.done
}

// alive reports whether the process is still running.
func (s *serverProc) alive() bool {
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}

// tailBuffer keeps the last max bytes written to it. Safe for concurrent use.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if over := len(t.b) - t.max; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	return len(p), nil
}

// summary returns the first line that looks like an error, or the last line.
func (t *tailBuffer) summary() string {
	t.mu.Lock()
	text := string(t.b)
	t.mu.Unlock()
	for line := range strings.SplitSeq(text, "\n") {
		l := strings.ToLower(line)
		for _, w := range []string{"error", "fatal", "flag provided", "invalid", "unknown", "not defined"} {
			if strings.Contains(l, w) {
				return strings.TrimSpace(line)
			}
		}
	}
	return t.lastLine()
}

func (t *tailBuffer) lastLine() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := bytes.TrimSpace(t.b)
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		b = b[i+1:]
	}
	if len(b) == 0 {
		return "(no output)"
	}
	return string(b)
}
