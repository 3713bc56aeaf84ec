package options

import (
	"crypto/tls"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/evnats/evnats/tlsengine"
)

// certsPresent reports whether the generated test certificates exist yet.
func certsPresent() bool {
	pems, _ := filepath.Glob(filepath.Join(certsDir, "*.pem"))
	return len(pems) > 0
}

// TestConfigsLoad is `evnats -t` on every configs/*.conf: each must load and
// validate, certificates included. Before the certificates are generated, files
// that use them are skipped.
func TestConfigsLoad(t *testing.T) {
	toRepoRoot(t)
	files, err := filepath.Glob("configs/*.conf")
	if err != nil || len(files) == 0 {
		t.Fatalf("no configuration files: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			o, err := ProcessConfigFile(f)
			if err == nil {
				err = o.Validate()
			}
			if err != nil && !certsPresent() {
				t.Skipf("certificates not generated yet: %v", err)
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(o.Warnings) > 0 {
				t.Errorf("warnings: %q", o.Warnings)
			}
		})
	}
}

// TestSpecConfigs checks that the spec's examples mean what the spec says.
func TestSpecConfigs(t *testing.T) {
	toRepoRoot(t, "server-cert.pem", "server-key.pem", "server.pem", "key.pem", "ca.pem", "srva-cert.pem", "srva-key.pem")
	load := func(t *testing.T, name string) *Options {
		t.Helper()
		o, err := ProcessConfigFile(filepath.Join("configs", name))
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	t.Run("tls.conf", func(t *testing.T) {
		o := load(t, "tls.conf")
		if o.Host != "127.0.0.1" || o.Port != 4443 || o.TLS == nil || o.TLS.Timeout != 2*time.Second || o.TLS.Verify != tlsengine.VerifyNone {
			t.Fatalf("listen %s:%d tls %+v", o.Host, o.Port, o.TLS)
		}
		if o.Auth.Username != "derek" || o.Auth.Password != "$2a$11$W2zko751KUvVy59mUTWmpOdWjpEm5qhcCZRd05GjI/sSOT.xtiHyG" || o.Auth.Timeout != time.Second {
			t.Fatalf("auth %+v", o.Auth)
		}
	})
	t.Run("tls-ciphers.conf", func(t *testing.T) {
		o := load(t, "tls-ciphers.conf")
		want := []uint16{tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384}
		if o.TLS == nil || !slices.Equal(o.TLS.CipherSuites, want) || o.TLS.CertFile != "./configs/certs/server.pem" {
			t.Fatalf("tls %+v", o.TLS)
		}
	})
	for file, mode := range map[string]tlsengine.VerifyMode{
		"tls-verify.conf": tlsengine.VerifyRequired, "tls-verify-and-map.conf": tlsengine.VerifyAndMap,
		"tls-map-email.conf": tlsengine.VerifyAndMap, "tls-map-dn.conf": tlsengine.VerifyAndMap,
	} {
		t.Run(file, func(t *testing.T) {
			o := load(t, file)
			if o.TLS == nil || o.TLS.Verify != mode || o.TLS.CAFile != "./configs/certs/ca.pem" {
				t.Fatalf("tls %+v", o.TLS)
			}
		})
	}
	t.Run("tls-map-email.conf users", func(t *testing.T) {
		o := load(t, "tls-map-email.conf")
		if len(o.Auth.Users) != 1 || o.Auth.Users[0].Username != "derek@nats.io" || o.Auth.Users[0].Permissions.Publish.Allow[0] != "foo" {
			t.Fatalf("users %+v", o.Auth.Users)
		}
	})
	t.Run("tls-map-dn.conf users", func(t *testing.T) {
		o := load(t, "tls-map-dn.conf")
		if len(o.Auth.Users) != 1 || o.Auth.Users[0].Username != "CN=example.com,OU=CNCF" {
			t.Fatalf("users %+v", o.Auth.Users)
		}
	})
	t.Run("cluster-tls.conf", func(t *testing.T) {
		o := load(t, "cluster-tls.conf")
		c := o.Cluster
		if c.Host != "127.0.0.1" || c.Port != 4244 || c.TLS == nil || c.TLS.Verify != tlsengine.VerifyRequired ||
			len(c.Routes) != 1 || c.Routes[0].String() != "nats-route://127.0.0.1:4246" {
			t.Fatalf("cluster %+v", c)
		}
	})
	t.Run("bcrypt.conf", func(t *testing.T) {
		o := load(t, "bcrypt.conf")
		if o.Auth.Username != "derek" || o.Auth.Password != "$2a$11$3kIDaCxw.Glsl1.u5nKa6eUnNDLV5HV9tIuUp7EHhMt6Nm9myW1aS" {
			t.Fatalf("auth %+v", o.Auth)
		}
	})
}

// TestReferenceConfigIsComplete checks that configs/evnats.conf mentions every
// top-level key evnats implements, aliases included.
func TestReferenceConfigIsComplete(t *testing.T) {
	data, err := os.ReadFile("../configs/evnats.conf")
	if err != nil {
		t.Fatal(err)
	}
	for key := range topLevel {
		if !regexp.MustCompile(`\b` + key + `\b`).Match(data) {
			t.Errorf("configs/evnats.conf does not mention %q", key)
		}
	}
	for _, key := range ignoredTopLevel {
		if !regexp.MustCompile(`\b` + key + `\b`).Match(data) {
			t.Errorf("configs/evnats.conf does not mention the ignored key %q", key)
		}
	}
}
