package bench

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestScenariosNATSServer(t *testing.T) {
	srv := startNATSServer(t)
	runScenarios(t, srv.url)
}

func TestDurationModeNATSServer(t *testing.T) {
	srv := startNATSServer(t)
	cfg := testConfig(ScenarioFanout, 1, 3, srv.url)
	cfg.Duration = 100 * time.Millisecond
	rep := mustRun(t, cfg)
	if rep.Published == 0 || rep.Delivered != 3*rep.Published || rep.Lost != 0 {
		t.Errorf("published %d, delivered %d (lost %d), want 3 deliveries per message", rep.Published, rep.Delivered, rep.Lost)
	}
}

func TestRouteNATSServer(t *testing.T) {
	bin := natsServerBin(t)
	ports := make([]int, 2)
	for i := range ports {
		p, err := freePort()
		if err != nil {
			t.Fatal(err)
		}
		ports[i] = p
	}
	var urls []string
	for i := range 2 {
		p, err := startServer(context.Background(), "nats-server", bin, "--cluster_name", "t",
			"--cluster", "nats://127.0.0.1:"+strconv.Itoa(ports[i]), "--routes", "nats://127.0.0.1:"+strconv.Itoa(ports[1-i]))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(p.stop)
		urls = append(urls, p.url)
	}
	cfg := testConfig(ScenarioPubSub, 1, 2, urls[0])
	cfg.SubURLs = urls[1:]
	rep := mustRun(t, cfg)
	if rep.Delivered != 2*testMsgs || rep.Lost != 0 {
		t.Errorf("delivered %d across the route, want %d", rep.Delivered, 2*testMsgs)
	}
	if len(rep.SubServers) != 1 {
		t.Errorf("report sub servers %q, want the second node", rep.SubServers)
	}
}

func TestAuthNATSServer(t *testing.T) {
	srv := startNATSServer(t, "--user", "alice", "--pass", "s3cret")
	cfg := testConfig(ScenarioPubSub, 1, 1, srv.url)
	cfg.User, cfg.Password = "alice", "wrong"
	_, err := Run(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), "Authorization Violation") {
		t.Fatalf("wrong password: got %v, want an Authorization Violation", err)
	}
	cfg.Password = "s3cret"
	if rep := mustRun(t, cfg); rep.Delivered != testMsgs {
		t.Errorf("right password: delivered %d, want %d", rep.Delivered, testMsgs)
	}
}

func TestTLSNATSServer(t *testing.T) {
	dir := t.TempDir()
	_, certFile, keyFile := selfSignedCert(t, dir)
	srv := startNATSServer(t, "--tls", "--tlscert", certFile, "--tlskey", keyFile)
	cfg := testConfig(ScenarioPubSub, 1, 1, srv.url)
	cfg.CAFile = certFile
	if rep := mustRun(t, cfg); rep.Delivered != testMsgs {
		t.Errorf("over TLS: delivered %d, want %d", rep.Delivered, testMsgs)
	}
	cfg.CAFile = ""
	if _, err := Run(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("without the CA: got %v, want a certificate error", err)
	}
}

func TestClientCertNATSServer(t *testing.T) {
	_, certFile, keyFile := selfSignedCert(t, t.TempDir())
	srv := startNATSServer(t, "--tlsverify", "--tlscert", certFile, "--tlskey", keyFile, "--tlscacert", certFile)
	cfg := testConfig(ScenarioPubSub, 1, 1, srv.url)
	cfg.CAFile, cfg.CertFile, cfg.KeyFile = certFile, certFile, keyFile
	if rep := mustRun(t, cfg); rep.Delivered != testMsgs {
		t.Errorf("with a client certificate: delivered %d, want %d", rep.Delivered, testMsgs)
	}
	cfg.CertFile, cfg.KeyFile = "", ""
	if _, err := Run(context.Background(), cfg); err == nil {
		t.Error("a server that verifies clients accepted a client without a certificate")
	}
}

// fakeINFO is a minimal INFO line for fake servers.
const fakeINFO = `INFO {"server_id":"FAKE","version":"0.0.0","proto":1,"max_payload":1048576%s} ` + "\r\n"

func TestBadInput(t *testing.T) {
	authFail := fakeServer(t, func(c net.Conn) {
		_, _ = c.Write([]byte(strings.Replace(fakeINFO, "%s", `,"auth_required":true`, 1)))
		_, _ = bufio.NewReader(c).ReadString('\n')
		_, _ = c.Write([]byte("-ERR 'Authorization Violation'\r\n"))
	})
	plain := fakeServer(t, func(c net.Conn) {
		_, _ = c.Write([]byte(strings.Replace(fakeINFO, "%s", "", 1)))
		_, _ = bufio.NewReader(c).ReadString('\n')
	})
	silent := fakeServer(t, func(c net.Conn) {
		_, _ = c.Read(make([]byte, 1)) // never sends INFO; returns when the client gives up
	})
	hangup := fakeServer(t, func(net.Conn) {})
	cert, _, _ := selfSignedCert(t, t.TempDir())
	tlsOnly := fakeServer(t, func(c net.Conn) {
		_, _ = c.Write([]byte(strings.Replace(fakeINFO, "%s", `,"tls_required":true`, 1)))
		_ = tls.Server(c, &tls.Config{Certificates: []tls.Certificate{cert}}).Handshake()
	})
	tests := []struct {
		name   string
		url    string
		mutate func(*Config)
		want   string
	}{
		{name: "unreachable", url: closedPort(t), want: "connection refused"},
		{name: "wrong password", url: authFail, mutate: func(c *Config) { c.User, c.Password = "u", "bad" }, want: "-ERR 'Authorization Violation'"},
		{name: "TLS asked, not offered", url: plain, mutate: func(c *Config) { c.TLSInsecure = true }, want: "does not offer"},
		{name: "TLS required, unknown CA", url: tlsOnly, want: "certificate"},
		{name: "no INFO", url: silent, mutate: func(c *Config) { c.Timeout = 300 * time.Millisecond }, want: "no answer within"},
		{name: "hang-up", url: hangup, want: "closed the connection"},
		{name: "bad scheme", url: "http://127.0.0.1:1", want: "scheme"},
		{name: "missing CA file", url: plain, mutate: func(c *Config) { c.CAFile = "/nonexistent/ca.pem" }, want: "--tlsca"},
		{name: "no messages", url: plain, mutate: func(c *Config) { c.Msgs = 0 }, want: "--msgs"},
		{name: "reqrep too small", url: plain, mutate: func(c *Config) { c.Scenario, c.Size = ScenarioReqRep, 4 }, want: "at least 8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(ScenarioPubSub, 1, 1, tc.url)
			if tc.mutate != nil {
				tc.mutate(cfg)
			}
			rep, err := Run(context.Background(), cfg)
			if err == nil {
				t.Fatalf("Run succeeded (%+v), want an error containing %q", rep, tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
			if strings.Contains(oneLine(err.Error()), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
		})
	}
}

func TestRunCancelled(t *testing.T) {
	silent := fakeServer(t, func(c net.Conn) { _, _ = c.Read(make([]byte, 1)) })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Run(ctx, testConfig(ScenarioPub, 1, 0, silent))
	if err == nil {
		t.Fatal("Run with a cancelled context succeeded")
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %q, want a cancellation", err)
	}
}

func TestSlowConsumerReportedNATSServer(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "nats.conf")
	if err := os.WriteFile(conf, []byte("max_pending: 262144\nmax_payload: 65536\nwrite_deadline: \"1s\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := startNATSServer(t, "-c", conf)
	checkSlowConsumerReport(t, mustRun(t, slowConsumerConfig(srv.url)))
}
