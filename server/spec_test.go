package server

import (
	"crypto/tls"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/nats-io/nats.go"
)

// The examples of tls-security.md, run as written (evnats for nats-server)
// from the repository root, with -a 127.0.0.1 -p -1 added. cmd/evnats's
// tests run the same commands through the built binary.

func TestSpecTLSFlags(t *testing.T) {
	s, log := runSpecCommand(t, "--tls", "--tlscert=./test/configs/certs/server-cert.pem", "--tlskey=./test/configs/certs/server-key.pem")
	// The start-up lines, in the spec's order.
	want := []string{
		`\[INF\] Starting evnats version ` + regexp.QuoteMeta(Version) + `$`,
		`\[INF\] Listening for client connections on 127\.0\.0\.1:\d+$`,
		`\[INF\] TLS required for client connections$`,
		`\[INF\] Server is ready$`,
	}
	last := -1
	for _, re := range want {
		line := log.waitLine(t, re)
		i := log.index(line)
		if i < last {
			t.Fatalf("%q logged out of order", line)
		}
		last = i
	}
	info := readInfo(t, s)
	if info["tls_required"] != true || info["tls_verify"] != nil {
		t.Fatalf("INFO: %v", info)
	}
	cfg := clientTLS(t, nil)
	checkTraffic(t, connectTLS(t, s, cfg), connectTLS(t, s, cfg))
}

func TestSpecTLSConfigBlock(t *testing.T) {
	// tls.conf's blocks with a plain password: its bcrypt hash (cost 11) takes
	// longer than its 1 s auth timeout under the race detector. cmd/evnats's
	// tests run configs/tls.conf itself.
	conf := filepath.Join(t.TempDir(), "tls.conf")
	text := `
listen: 127.0.0.1:4443
tls {
  cert_file:  "./configs/certs/server-cert.pem"
  key_file:   "./configs/certs/server-key.pem"
  timeout:    2
}
authorization {
  user:     derek
  password: T0pS3cr3t
  timeout:  1
}
`
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	s, _ := runSpecCommand(t, "-c", conf)
	info := readInfo(t, s)
	if info["tls_required"] != true || info["auth_required"] != true {
		t.Fatalf("INFO: %v", info)
	}
	cfg := clientTLS(t, nil)
	a := connectTLS(t, s, cfg, nats.UserInfo("derek", "T0pS3cr3t"))
	b := connectTLS(t, s, cfg, nats.UserInfo("derek", "T0pS3cr3t"))
	checkTraffic(t, a, b)
	if _, err := tryConnectTLS(s, cfg, nats.UserInfo("derek", "wrong")); !errors.Is(err, nats.ErrAuthorization) {
		t.Fatalf("wrong password: %v", err)
	}
}

func TestSpecTLSVerifyFlags(t *testing.T) {
	s, log := runSpecCommand(t, "--tlsverify", "--tlscert=./test/configs/certs/server-cert.pem",
		"--tlskey=./test/configs/certs/server-key.pem", "--tlscacert=./test/configs/certs/ca.pem")
	info := readInfo(t, s)
	if info["tls_required"] != true || info["tls_verify"] != true {
		t.Fatalf("INFO: %v", info)
	}
	refused := []struct {
		name   string
		mutate func(*tls.Config)
		log    string
	}{
		{"no certificate", nil, `client didn't provide a certificate`},
		{"untrusted certificate", withCert(t, "other-client-cert.pem", "other-client-key.pem"), `certificate signed by unknown authority`},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			nc, err := tryConnectTLS(s, clientTLS(t, tc.mutate))
			if err == nil {
				nc.Close()
				t.Fatal("connected")
			}
			log.waitLine(t, `\[ERR\] 127\.0\.0\.1:\d+ - cid:\d+ - TLS handshake error: .*`+tc.log)
		})
	}
	good := clientTLS(t, withCert(t, "client-cert.pem", "client-key.pem"))
	checkTraffic(t, connectTLS(t, s, good), connectTLS(t, s, good))
}

func TestSpecTLSVerifyConfig(t *testing.T) {
	s, _ := runSpecCommand(t, "-c", "configs/tls-verify.conf")
	if info := readInfo(t, s); info["tls_verify"] != true {
		t.Fatalf("INFO: %v", info)
	}
	if nc, err := tryConnectTLS(s, clientTLS(t, nil)); err == nil {
		nc.Close()
		t.Fatal("connected without a certificate")
	}
	good := clientTLS(t, withCert(t, "client-cert.pem", "client-key.pem"))
	checkTraffic(t, connectTLS(t, s, good), connectTLS(t, s, good))
}

func TestSpecCipherSuites(t *testing.T) {
	// configs/tls-ciphers.conf allows only the two AES-256-GCM suites for TLS 1.2.
	s, log := runSpecCommand(t, "-DV", "-c", "configs/tls-ciphers.conf")
	tls12 := func(suites ...uint16) *tls.Config {
		return clientTLS(t, func(c *tls.Config) { c.MaxVersion = tls.VersionTLS12; c.CipherSuites = suites })
	}
	nc, err := tryConnectTLS(s, tls12(tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256))
	if err == nil {
		nc.Close()
		t.Fatal("a TLS 1.2 client with a suite the server does not allow connected")
	}
	log.waitLine(t, `\[ERR\] .* - TLS handshake error: tls: no cipher suite supported by both client and server`)

	a := connectTLS(t, s, tls12(tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384))
	log.waitLine(t, `\[DBG\] .* - TLS version 1\.2, cipher suite TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384$`)
	// TLS 1.3 suites are not configurable: a default client is unaffected.
	b := connectTLS(t, s, clientTLS(t, nil))
	log.waitLine(t, `\[DBG\] .* - TLS version 1\.3, cipher suite TLS_AES_128_GCM_SHA256$`)
	checkTraffic(t, a, b)
}

func TestSpecVerifyAndMapWithoutUsers(t *testing.T) {
	// configs/tls-verify-and-map.conf has no users: any verified certificate
	// gets in, and a client without one does not.
	s, _ := runSpecCommand(t, "-c", "configs/tls-verify-and-map.conf")
	if info := readInfo(t, s); info["tls_verify"] != true {
		t.Fatalf("INFO: %v", info)
	}
	if nc, err := tryConnectTLS(s, clientTLS(t, nil)); err == nil {
		nc.Close()
		t.Fatal("connected without a certificate")
	}
	good := clientTLS(t, withCert(t, "client-id-auth-cert.pem", "client-id-auth-key.pem"))
	checkTraffic(t, connectTLS(t, s, good), connectTLS(t, s, good))
}

// index returns the position of line in the log, or -1.
func (l *logSink) index(line string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, x := range l.lines {
		if x == line {
			return i
		}
	}
	return -1
}
