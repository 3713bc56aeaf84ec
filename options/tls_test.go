package options

import (
	"crypto/tls"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/evnats/evnats/tlsengine"
)

// tlsBase is a tls block's certificate and key lines, relative to the repo root.
var tlsBase = `cert_file: "` + cert("server-cert.pem") + `"
  key_file: "` + cert("server-key.pem") + `"
`

const pin = "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00"

func TestTLSBlock(t *testing.T) {
	toRepoRoot(t, "server-cert.pem", "server-key.pem", "ca.pem")
	base := func(c *tlsengine.Config) {
		c.CertFile, c.KeyFile = cert("server-cert.pem"), cert("server-key.pem")
	}
	tests := []struct {
		name  string
		extra string
		want  func(c *tlsengine.Config)
	}{
		{name: "cert and key", extra: "", want: func(c *tlsengine.Config) {}},
		{name: "ca_file", extra: `ca_file: "` + cert("ca.pem") + `"`, want: func(c *tlsengine.Config) { c.CAFile = cert("ca.pem") }},
		{name: "verify true", extra: "verify: true", want: func(c *tlsengine.Config) { c.Verify = tlsengine.VerifyRequired }},
		{name: "verify false", extra: "verify: false", want: func(c *tlsengine.Config) {}},
		{name: "verify optional", extra: `verify: "optional"`, want: func(c *tlsengine.Config) { c.Verify = tlsengine.VerifyOptional }},
		{name: "verify_and_map", extra: "verify: false\nverify_and_map: true", want: func(c *tlsengine.Config) { c.Verify = tlsengine.VerifyAndMap }},
		{name: "verify_and_map false", extra: "verify: true\nverify_and_map: false", want: func(c *tlsengine.Config) { c.Verify = tlsengine.VerifyRequired }},
		{name: "insecure", extra: "insecure: true", want: func(c *tlsengine.Config) { c.Insecure = true }},
		{name: "cipher_suites", extra: `cipher_suites: ["TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"]`,
			want: func(c *tlsengine.Config) {
				c.CipherSuites = []uint16{tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384}
			}},
		{name: "insecure cipher allowed", extra: "allow_insecure_cipher_suites: true\ncipher_suites: [TLS_RSA_WITH_AES_128_GCM_SHA256]",
			want: func(c *tlsengine.Config) { c.CipherSuites = []uint16{tls.TLS_RSA_WITH_AES_128_GCM_SHA256} }},
		{name: "allow after the list", extra: "cipher_suites: [TLS_RSA_WITH_AES_128_GCM_SHA256]\nallow_insecure_cipher_suites: true",
			want: func(c *tlsengine.Config) { c.CipherSuites = []uint16{tls.TLS_RSA_WITH_AES_128_GCM_SHA256} }},
		{name: "curve_preferences", extra: "curve_preferences: [X25519MLKEM768, SecP256r1MLKEM768, SecP384r1MLKEM1024, X25519, CurveP256, CurveP384, CurveP521]",
			want: func(c *tlsengine.Config) {
				c.CurvePreferences = []tls.CurveID{tls.X25519MLKEM768, tls.SecP256r1MLKEM768, tls.SecP384r1MLKEM1024, tls.X25519, tls.CurveP256, tls.CurveP384, tls.CurveP521}
			}},
		{name: "timeout seconds", extra: "timeout: 2", want: func(c *tlsengine.Config) { c.Timeout = 2 * time.Second }},
		{name: "timeout float", extra: "timeout: 0.5", want: func(c *tlsengine.Config) { c.Timeout = 500 * time.Millisecond }},
		{name: "timeout duration", extra: `timeout: "3s"`, want: func(c *tlsengine.Config) { c.Timeout = 3 * time.Second }},
		{name: "connection_rate_limit", extra: "connection_rate_limit: 100", want: func(c *tlsengine.Config) { c.ConnectionRateLimit = 100 }},
		{name: "pinned_certs", extra: `pinned_certs: ["` + strings.ToUpper(pin) + `"]`, want: func(c *tlsengine.Config) { c.PinnedCerts = map[string]struct{}{pin: {}} }},
		{name: "handshake_first true", extra: "handshake_first: true", want: func(c *tlsengine.Config) { c.HandshakeFirst = true }},
		{name: "handshake_first off", extra: `handshake_first: "off"`, want: func(c *tlsengine.Config) {}},
		{name: "handshake_first on", extra: `handshake_first: "on"`, want: func(c *tlsengine.Config) { c.HandshakeFirst = true }},
		{name: "handshake_first auto", extra: "handshake_first: auto", want: func(c *tlsengine.Config) { c.HandshakeFirst, c.FallbackDelay = true, 50*time.Millisecond }},
		{name: "handshake_first auto_fallback", extra: "handshake_first: auto_fallback", want: func(c *tlsengine.Config) { c.HandshakeFirst, c.FallbackDelay = true, 50*time.Millisecond }},
		{name: "handshake_first delay", extra: `handshake_first: "300ms"`, want: func(c *tlsengine.Config) { c.HandshakeFirst, c.FallbackDelay = true, 300*time.Millisecond }},
		{name: "first", extra: "first: true", want: func(c *tlsengine.Config) { c.HandshakeFirst = true }},
		{name: "immediate", extra: "immediate: true", want: func(c *tlsengine.Config) { c.HandshakeFirst = true }},
		{name: "min_version 1.3", extra: `min_version: "1.3"`, want: func(c *tlsengine.Config) { c.MinVersion = tls.VersionTLS13 }},
		{name: "min_version unquoted", extra: "min_version: 1.3", want: func(c *tlsengine.Config) { c.MinVersion = tls.VersionTLS13 }},
		{name: "min_version 1.2", extra: `min_version: "1.2"`, want: func(c *tlsengine.Config) { c.MinVersion = tls.VersionTLS12 }},
		{name: "keys ignore case", extra: "VERIFY: true", want: func(c *tlsengine.Config) { c.Verify = tlsengine.VerifyRequired }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := load(t, "tls {\n  "+tlsBase+"  "+tc.extra+"\n}\n")
			want := &tlsengine.Config{}
			base(want)
			tc.want(want)
			if !reflect.DeepEqual(o.TLS, want) {
				t.Fatalf("got  %+v\nwant %+v", o.TLS, want)
			}
		})
	}
}

func TestTLSBlockErrors(t *testing.T) {
	toRepoRoot(t, "server-cert.pem", "server-key.pem")
	tests := []struct {
		name  string
		block string
		want  string
	}{
		{name: "unknown cipher", block: tlsBase + "cipher_suites: [TLS_NOPE]", want: "unrecognized cipher TLS_NOPE"},
		{name: "insecure cipher", block: tlsBase + "cipher_suites: [TLS_RSA_WITH_AES_128_GCM_SHA256]",
			want: "insecure cipher suite TLS_RSA_WITH_AES_128_GCM_SHA256 is not allowed without allow_insecure_cipher_suites: true"},
		{name: "empty ciphers", block: tlsBase + "cipher_suites: []", want: `"cipher_suites" cannot be empty`},
		{name: "unknown curve", block: tlsBase + "curve_preferences: [P999]", want: "unrecognized curve preference P999"},
		{name: "empty curves", block: tlsBase + "curve_preferences: []", want: `"curve_preferences" cannot be empty`},
		{name: "bad verify", block: tlsBase + `verify: "sometimes"`, want: `expected true, false or "optional" for "verify"`},
		{name: "old min_version", block: tlsBase + `min_version: "1.1"`, want: `unsupported minimum TLS version "1.1"`},
		{name: "bad handshake_first", block: tlsBase + `handshake_first: "bogus"`, want: `field "handshake_first" value "bogus" is invalid`},
		{name: "bad pin", block: tlsBase + `pinned_certs: ["abc"]`, want: `pinned certificate "abc" is not a hex SHA-256 digest`},
		{name: "unknown field", block: tlsBase + "bogus: 1", want: `unknown field "bogus" in tls {}`},
		{name: "unsupported field", block: tlsBase + "cert_store: WindowsCurrentUser", want: `"cert_store" is not supported by evnats`},
		{name: "missing key", block: `cert_file: "` + cert("server-cert.pem") + `"`, want: "tls {}: missing 'key_file'"},
		{name: "missing cert", block: `key_file: "` + cert("server-key.pem") + `"`, want: "tls {}: missing 'cert_file'"},
		{name: "empty block", block: "", want: "tls {}: missing 'cert_file' and 'key_file'"},
		{name: "missing cert file", block: `cert_file: "./nope.pem"` + "\nkey_file: x", want: "error parsing X509 certificate/key pair"},
		{name: "mismatched key", block: `cert_file: "` + cert("server-cert.pem") + `"` + "\nkey_file: \"" + cert("ca.pem") + `"`,
			want: "error parsing X509 certificate/key pair"},
		{name: "bad ca", block: tlsBase + `ca_file: "` + cert("server-key.pem") + `"`, want: "failed to parse root ca certificate"},
		{name: "missing ca", block: tlsBase + `ca_file: "./nope.pem"`, want: "error reading ca_file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantErr(t, loadErr(t, "tls {\n"+tc.block+"\n}\n"), tc.want)
		})
	}
}

func TestCipherAndCurveNames(t *testing.T) {
	for _, cs := range tls.CipherSuites() {
		if id, err := parseCipher(cs.Name, false); err != nil || id != cs.ID {
			t.Errorf("%s: %v %v", cs.Name, id, err)
		}
	}
	for _, cs := range tls.InsecureCipherSuites() {
		if _, err := parseCipher(cs.Name, false); err == nil {
			t.Errorf("%s accepted without allow_insecure_cipher_suites", cs.Name)
		}
		if id, err := parseCipher(cs.Name, true); err != nil || id != cs.ID {
			t.Errorf("%s: %v %v", cs.Name, id, err)
		}
	}
	help := HelpTLS()
	for name := range cipherSuites {
		if !strings.Contains(help, name) {
			t.Errorf("HelpTLS lacks %s", name)
		}
	}
	for _, c := range curves {
		if !strings.Contains(help, c.name) {
			t.Errorf("HelpTLS lacks %s", c.name)
		}
		if id, err := parseCurve(c.name); err != nil || id != c.id {
			t.Errorf("%s: %v %v", c.name, id, err)
		}
	}
}
