package interop

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/evnats/evnats/options"
	"github.com/evnats/evnats/tlsengine"
)

// TestRouteTLSWithNatsServer forms a TLS route between nats-server and
// evnats, each verifying the other's certificate against the cluster CA, in
// both dialing directions, and checks that a certificate from another CA is
// refused by nats-server.
func TestRouteTLSWithNatsServer(t *testing.T) {
	nsTLS := fmt.Sprintf("  tls {\n    cert_file: %q\n    key_file: %q\n    ca_file: %q\n    timeout: 2\n  }",
		certPath(t, "srva-cert.pem"), certPath(t, "srva-key.pem"), certPath(t, "ca.pem"))
	evTLS := func(cert, key, ca string) func(o *options.Options) {
		return func(o *options.Options) {
			o.Cluster.TLS = &tlsengine.Config{CertFile: certPath(t, cert), KeyFile: certPath(t, key), CAFile: certPath(t, ca),
				Verify: tlsengine.VerifyRequired, Timeout: 2 * time.Second}
		}
	}

	t.Run("evnats dials", func(t *testing.T) {
		ns := startNatsServerWith(t, "N1", nsTLS)
		ev := startEvnatsWith(t, "E1", evTLS("srvb-cert.pem", "srvb-key.pem", "ca.pem"), ns.routeURL())
		waitForPair(t, ev, ns)
		checkMessagesBothWays(t, ev.ClientURL(), ns.clientURL())
	})
	t.Run("nats-server dials", func(t *testing.T) {
		ev := startEvnatsWith(t, "E1", evTLS("srvb-cert.pem", "srvb-key.pem", "ca.pem"))
		ns := startNatsServerWith(t, "N1", nsTLS, evRouteURL(ev))
		waitForPair(t, ev, ns)
		checkMessagesBothWays(t, ev.ClientURL(), ns.clientURL())
	})
	t.Run("untrusted certificate refused", func(t *testing.T) {
		ns := startNatsServerWith(t, "N1", nsTLS)
		ev := startEvnatsWith(t, "E1", evTLS("other-srv-cert.pem", "other-srv-key.pem", "ca.pem"), ns.routeURL())
		waitFor(t, 10*time.Second, func() error {
			if !strings.Contains(ns.out.String(), "TLS route handshake error") {
				return fmt.Errorf("nats-server did not log the refusal")
			}
			return nil
		})
		if ev.NumRoutes() != 0 || len(ns.remotes(t)) != 0 {
			t.Fatalf("a route formed with an untrusted certificate")
		}
	})
}

// checkMessagesBothWays sends messages from each side to a subscriber on
// the other, once interest has crossed.
func checkMessagesBothWays(t *testing.T, a, b string) {
	t.Helper()
	ca, cb := connect(t, a), connect(t, b)
	for _, dir := range []struct{ pub, sub string }{{pub: a, sub: b}, {pub: b, sub: a}} {
		pub, subc := ca, cb
		if dir.pub == b {
			pub, subc = cb, ca
		}
		subject := "tls." + strings.NewReplacer(":", "_", "/", "_", ".", "_").Replace(dir.sub)
		sub := subscribeSync(t, subc, subject)
		// Publish until the first message crosses: the interest is then known.
		waitFor(t, 10*time.Second, func() error {
			if err := pub.Publish(subject, []byte("probe")); err != nil {
				return err
			}
			if err := pub.Flush(); err != nil {
				return err
			}
			if _, err := sub.NextMsg(50 * time.Millisecond); err != nil {
				return fmt.Errorf("nothing crossed to %s yet", dir.sub)
			}
			return nil
		})
		publishN(t, pub, subject, 20)
		n := 0
		for {
			m, err := sub.NextMsg(10 * time.Second)
			if err != nil {
				t.Fatalf("after %d: %v", n, err)
			}
			if string(m.Data) == "end" {
				break
			}
			if string(m.Data) != "probe" {
				n++
			}
		}
		if n != 20 {
			t.Fatalf("%s got %d messages, want 20", dir.sub, n)
		}
	}
}
