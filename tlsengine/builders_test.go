package tlsengine

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

func serverFiles(c Config) *Config {
	c.CertFile = certPath("server-cert.pem")
	c.KeyFile = certPath("server-key.pem")
	return &c
}

func TestDefaults(t *testing.T) {
	wantSuites := []uint16{
		tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
		tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
		tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305,
		tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305,
		tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
		tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	}
	if got := DefaultCipherSuites(); !slices.Equal(got, wantSuites) {
		t.Errorf("DefaultCipherSuites = %v", got)
	}
	wantCurves := []tls.CurveID{
		tls.X25519MLKEM768, tls.SecP384r1MLKEM1024, tls.SecP256r1MLKEM768,
		tls.X25519, tls.CurveP256, tls.CurveP384, tls.CurveP521,
	}
	if got := DefaultCurvePreferences(); !slices.Equal(got, wantCurves) {
		t.Errorf("DefaultCurvePreferences = %v", got)
	}
	var zero Config
	if got := zero.HandshakeTimeout(); got != 2*time.Second {
		t.Errorf("default handshake timeout %v", got)
	}
	if got := (&Config{Timeout: time.Second}).HandshakeTimeout(); got != time.Second {
		t.Errorf("handshake timeout %v", got)
	}

	tc, err := serverFiles(Config{}).ServerConfig()
	if err != nil {
		t.Fatal(err)
	}
	if tc.MinVersion != tls.VersionTLS12 || !slices.Equal(tc.CipherSuites, wantSuites) ||
		!slices.Equal(tc.CurvePreferences, wantCurves) || !tc.DynamicRecordSizingDisabled ||
		tc.ClientAuth != tls.NoClientCert || len(tc.Certificates) != 1 || tc.VerifyConnection != nil {
		t.Errorf("server defaults: min %x suites %v curves %v dyn %v auth %v certs %d",
			tc.MinVersion, tc.CipherSuites, tc.CurvePreferences, tc.DynamicRecordSizingDisabled,
			tc.ClientAuth, len(tc.Certificates))
	}
}

func TestBuilders(t *testing.T) {
	ca := certPath("ca.pem")
	pins := map[string]struct{}{"00": {}}
	cases := []struct {
		name      string
		build     func(*Config) (*tls.Config, error)
		cfg       Config
		auth      tls.ClientAuthType
		clientCAs bool
		rootCAs   bool
		insecure  bool
		pinned    bool
	}{
		{name: "server/none", build: (*Config).ServerConfig, cfg: Config{CAFile: ca}, auth: tls.NoClientCert, clientCAs: true},
		{name: "server/optional", build: (*Config).ServerConfig, cfg: Config{CAFile: ca, Verify: VerifyOptional}, auth: tls.VerifyClientCertIfGiven, clientCAs: true},
		{name: "server/required", build: (*Config).ServerConfig, cfg: Config{CAFile: ca, Verify: VerifyRequired}, auth: tls.RequireAndVerifyClientCert, clientCAs: true},
		{name: "server/map", build: (*Config).ServerConfig, cfg: Config{CAFile: ca, Verify: VerifyAndMap, PinnedCerts: pins}, auth: tls.RequireAndVerifyClientCert, clientCAs: true, pinned: true},
		{name: "route", build: (*Config).RouteConfig, cfg: Config{CAFile: ca}, auth: tls.RequireAndVerifyClientCert, clientCAs: true, rootCAs: true},
		{name: "route/insecure", build: (*Config).RouteConfig, cfg: Config{CAFile: ca, Insecure: true}, auth: tls.RequireAndVerifyClientCert, clientCAs: true, rootCAs: true, insecure: true},
		{name: "monitor/map", build: (*Config).MonitorConfig, cfg: Config{CAFile: ca, Verify: VerifyAndMap, PinnedCerts: pins}, auth: tls.NoClientCert},
		{name: "client", build: func(c *Config) (*tls.Config, error) { return c.ClientConfig("localhost") }, cfg: Config{CAFile: ca, Insecure: true, PinnedCerts: pins}, rootCAs: true, insecure: true, pinned: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.build(serverFiles(tc.cfg))
			if err != nil {
				t.Fatal(err)
			}
			if got.ClientAuth != tc.auth {
				t.Errorf("ClientAuth %v, want %v", got.ClientAuth, tc.auth)
			}
			if (got.ClientCAs != nil) != tc.clientCAs || (got.RootCAs != nil) != tc.rootCAs {
				t.Errorf("ClientCAs %v RootCAs %v", got.ClientCAs != nil, got.RootCAs != nil)
			}
			if got.InsecureSkipVerify != tc.insecure || (got.VerifyConnection != nil) != tc.pinned {
				t.Errorf("insecure %v pinned %v", got.InsecureSkipVerify, got.VerifyConnection != nil)
			}
			if !got.DynamicRecordSizingDisabled || got.MinVersion != tls.VersionTLS12 {
				t.Error("record sizing or minimum version not set")
			}
		})
	}
	cc, err := (&Config{}).ClientConfig("example.com")
	if err != nil || cc.ServerName != "example.com" || len(cc.Certificates) != 0 || cc.RootCAs != nil {
		t.Errorf("bare client config: %+v, %v", cc, err)
	}
}

func TestBuilderErrors(t *testing.T) {
	bogus := certPath("README.md")
	cases := []struct {
		name  string
		cfg   Config
		build func(*Config) (*tls.Config, error)
		want  string
	}{
		{name: "server without cert", cfg: Config{}, build: (*Config).ServerConfig, want: "required"},
		{name: "route without cert", cfg: Config{}, build: (*Config).RouteConfig, want: "required"},
		{name: "key without cert", cfg: Config{KeyFile: certPath("server-key.pem")}, build: (*Config).ServerConfig, want: "together"},
		{name: "missing cert file", cfg: Config{CertFile: certPath("nope.pem"), KeyFile: certPath("server-key.pem")}, build: (*Config).ServerConfig, want: "no such file"},
		{name: "mismatched key", cfg: Config{CertFile: certPath("server-cert.pem"), KeyFile: certPath("client-key.pem")}, build: (*Config).ServerConfig, want: "key"},
		{name: "missing ca", cfg: *serverFiles(Config{CAFile: certPath("nope.pem")}), build: (*Config).ServerConfig, want: "ca_file"},
		{name: "bad ca", cfg: *serverFiles(Config{CAFile: bogus}), build: (*Config).ServerConfig, want: "root ca"},
		{name: "TLS 1.1", cfg: *serverFiles(Config{MinVersion: tls.VersionTLS11}), build: (*Config).ServerConfig, want: "1.1"},
		{name: "client bad ca", cfg: Config{CAFile: bogus}, build: func(c *Config) (*tls.Config, error) { return c.ClientConfig("x") }, want: "root ca"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.build(&tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
	if _, err := (&Config{CertFile: certPath("nope.pem"), KeyFile: certPath("x.pem")}).ServerConfig(); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file error does not wrap os.ErrNotExist: %v", err)
	}
}

// TestCipherRestriction: a TLS 1.2 client that offers only suites outside the server's list
// cannot connect.
func TestCipherRestriction(t *testing.T) {
	cases := []struct {
		name    string
		server  []uint16 // nil: defaults
		offered []uint16
		wantErr bool
	}{
		{name: "default/CBC only", offered: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA}, wantErr: true},
		{name: "default/GCM", offered: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}},
		{name: "restricted/other", server: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384}, offered: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}, wantErr: true},
		{name: "restricted/allowed", server: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384}, offered: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			serverCfg, err := serverFiles(Config{CipherSuites: tc.server}).ServerConfig()
			if err != nil {
				t.Fatal(err)
			}
			clientCfg := stockClientConfig(t, tls.VersionTLS12)
			clientCfg.CipherSuites = tc.offered
			s, serverErr, clientErr := acceptStockClient(t, serverCfg, clientCfg)
			if tc.wantErr {
				if serverErr == nil || clientErr == nil || !strings.Contains(serverErr.Error(), "no cipher suite") {
					t.Fatalf("server %v, client %v; want a cipher suite mismatch", serverErr, clientErr)
				}
				return
			}
			if serverErr != nil || clientErr != nil {
				t.Fatalf("server %v, client %v", serverErr, clientErr)
			}
			if got := s.ConnectionState().CipherSuite; !slices.Contains(tc.offered, got) || tc.server != nil && got != tc.server[0] {
				t.Fatalf("negotiated %s", tls.CipherSuiteName(got))
			}
		})
	}
}

func TestMinVersion(t *testing.T) {
	serverCfg, err := serverFiles(Config{MinVersion: tls.VersionTLS13}).ServerConfig()
	if err != nil {
		t.Fatal(err)
	}
	_, serverErr, clientErr := acceptStockClient(t, serverCfg, stockClientConfig(t, tls.VersionTLS12))
	if serverErr == nil || clientErr == nil || !strings.Contains(serverErr.Error(), "version") {
		t.Fatalf("TLS 1.2 client against min_version 1.3: server %v, client %v", serverErr, clientErr)
	}
	s, serverErr, clientErr := acceptStockClient(t, serverCfg, stockClientConfig(t, tls.VersionTLS13))
	if serverErr != nil || clientErr != nil || s.ConnectionState().Version != tls.VersionTLS13 {
		t.Fatalf("TLS 1.3 client: server %v, client %v", serverErr, clientErr)
	}
}

func TestPinnedCerts(t *testing.T) {
	clientPin := SPKIDigest(loadLeaf(t, "client-cert.pem"))
	serverPin := SPKIDigest(loadLeaf(t, "server-cert.pem"))
	if len(clientPin) != 64 || strings.ToLower(clientPin) != clientPin {
		t.Fatalf("digest %q is not lower-case hex SHA-256", clientPin)
	}

	t.Run("server", func(t *testing.T) {
		cases := []struct {
			name    string
			cert    string
			wantErr bool
		}{
			{name: "pinned", cert: "client-cert.pem"},
			{name: "other", cert: "client-id-auth-cert.pem", wantErr: true},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				serverCfg, err := serverFiles(Config{
					CAFile:      certPath("ca.pem"),
					Verify:      VerifyRequired,
					PinnedCerts: map[string]struct{}{clientPin: {}},
				}).ServerConfig()
				if err != nil {
					t.Fatal(err)
				}
				clientCfg := stockClientConfig(t, tls.VersionTLS13)
				clientCfg.Certificates = []tls.Certificate{loadPair(t, tc.cert, keyFileFor(tc.cert))}
				_, serverErr, clientErr := acceptStockClient(t, serverCfg, clientCfg)
				if tc.wantErr != errors.Is(serverErr, ErrCertNotPinned) || tc.wantErr != (clientErr != nil) {
					t.Fatalf("server %v, client %v", serverErr, clientErr)
				}
			})
		}
	})

	t.Run("client", func(t *testing.T) {
		for _, pin := range []string{serverPin, clientPin} {
			clientCfg, err := (&Config{
				CAFile:      certPath("ca.pem"),
				PinnedCerts: map[string]struct{}{pin: {}},
			}).ClientConfig("localhost")
			if err != nil {
				t.Fatal(err)
			}
			err = dialStockServer(t, clientCfg, stockServerConfig(t, rsaKey, tls.VersionTLS13))
			if want := pin != serverPin; want != errors.Is(err, ErrCertNotPinned) {
				t.Fatalf("pin %s…: %v", pin[:8], err)
			}
		}
	})
}

// TestRouteConfig: routes verify in both directions, with one config per server used to
// accept and to dial.
func TestRouteConfig(t *testing.T) {
	route := func(cert string) *tls.Config {
		tc, err := (&Config{
			CertFile: certPath(cert),
			KeyFile:  certPath(keyFileFor(cert)),
			CAFile:   certPath("ca.pem"),
		}).RouteConfig()
		if err != nil {
			t.Fatal(err)
		}
		return tc
	}
	dial := func(cfg *tls.Config) *Session {
		cfg = cfg.Clone()
		cfg.ServerName = "127.0.0.1"
		return NewClientSession(cfg)
	}
	cases := []struct {
		name           string
		accept, dialer string
		wantErr        bool
	}{
		{name: "a accepts b", accept: "srva-cert.pem", dialer: "srvb-cert.pem"},
		{name: "b accepts a", accept: "srvb-cert.pem", dialer: "srva-cert.pem"},
		{name: "untrusted dialer", accept: "srva-cert.pem", dialer: "other-srv-cert.pem", wantErr: true},
		{name: "untrusted acceptor", accept: "other-srv-cert.pem", dialer: "srva-cert.pem", wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			server := NewServerSession(route(tc.accept))
			client := dial(route(tc.dialer))
			defer server.Close()
			defer client.Close()
			cErr, sErr := pairHandshake(client, server)
			if tc.wantErr {
				if cErr == nil && sErr == nil {
					t.Fatal("handshake with an untrusted route certificate succeeded")
				}
				return
			}
			if cErr != nil || sErr != nil {
				t.Fatalf("client %v, server %v", cErr, sErr)
			}
			if len(server.VerifiedChains()) == 0 || len(client.VerifiedChains()) == 0 {
				t.Fatal("a side did not verify its peer")
			}
		})
	}
}

func TestMonitorConfigIgnoresVerify(t *testing.T) {
	mc, err := serverFiles(Config{CAFile: certPath("ca.pem"), Verify: VerifyAndMap}).MonitorConfig()
	if err != nil {
		t.Fatal(err)
	}
	_, serverErr, clientErr := acceptStockClient(t, mc, stockClientConfig(t, tls.VersionTLS13))
	if serverErr != nil || clientErr != nil {
		t.Fatalf("a client without a certificate must reach the monitor: server %v, client %v", serverErr, clientErr)
	}
}

func TestVersionName(t *testing.T) {
	cases := map[uint16]string{
		tls.VersionTLS10: "1.0",
		tls.VersionTLS11: "1.1",
		tls.VersionTLS12: "1.2",
		tls.VersionTLS13: "1.3",
		0x0300:           "Unknown [0x300]",
	}
	for v, want := range cases {
		if got := VersionName(v); got != want {
			t.Errorf("VersionName(%#x) = %q, want %q", v, got, want)
		}
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestIsProbeError(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want bool
	}{
		{name: "nil", err: nil},
		{name: "EOF", err: io.EOF, want: true},
		{name: "wrapped EOF", err: &net.OpError{Op: "read", Err: io.EOF}, want: true},
		{name: "unexpected EOF", err: io.ErrUnexpectedEOF, want: true},
		{name: "deadline", err: os.ErrDeadlineExceeded, want: true},
		{name: "net timeout", err: &net.OpError{Op: "read", Err: timeoutErr{}}, want: true},
		{name: "not TLS", err: tls.RecordHeaderError{Msg: firstRecordMsg}, want: true},
		{name: "oversized record", err: tls.RecordHeaderError{Msg: "oversized record received with length 20000"}},
		{name: "no client cert", err: errors.New("tls: client didn't provide a certificate")},
		{name: "closed", err: ErrSessionClosed},
	}
	for _, tc := range cases {
		if got := IsProbeError(tc.err); got != tc.want {
			t.Errorf("%s: IsProbeError(%v) = %v", tc.name, tc.err, got)
		}
	}
}
