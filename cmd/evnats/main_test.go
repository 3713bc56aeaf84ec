package main

import (
	"crypto/tls"
	"errors"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// The spec's commands (tls-security.md, with evnats for nats-server) run
// through the built binary, from the repository root, as a user would type
// them; "-a 127.0.0.1 -p -1" is appended so that each server gets a free
// loopback port, which is read back from its log.

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
