package server

import (
	"fmt"
	"testing"
	"time"

	"github.com/evnats/evnats/options"
	"github.com/evnats/evnats/tlsengine"
)

// routeTLS sets the cluster tls {} block the spec shows: the node's route
// certificate and the CA that must have signed its peers'.
func routeTLS(cert, key, ca string) func(o *options.Options) {
	return func(o *options.Options) {
		o.Cluster.TLS = &tlsengine.Config{CertFile: certPath(cert), KeyFile: certPath(key), CAFile: certPath(ca),
			Verify: tlsengine.VerifyRequired, Timeout: 2 * time.Second}
	}
}

// TestClusterRouteTLS checks route TLS with verification both ways: nodes
// with certificates from the cluster CA form a route and carry messages; a
// node whose certificate comes from another CA is refused by the node it
// dials, which logs the refusal, and a node that does not trust the
// cluster's CA refuses the node it dials.
func TestClusterRouteTLS(t *testing.T) {
	oa := clusterOptions("A")
	routeTLS("srva-cert.pem", "srva-key.pem", "ca.pem")(oa)
	a, aLogs := startNode(t, oa)
	ob := clusterOptions("B", a)
	routeTLS("srvb-cert.pem", "srvb-key.pem", "ca.pem")(ob)
	b, _ := startNode(t, ob)
	waitForMesh(t, a, b)

	na, nb := connect(t, a), connect(t, b)
	sub := mustSub(t, nb, "secure", "")
	mustFlush(t, nb)
	waitPlainInterest(t, a, "secure", 1)
	publishN(t, na, "secure", 20)
	if n := countUntilEnd(t, sub); n != 20 {
		t.Fatalf("B got %d messages over the TLS route, want 20", n)
	}

	// C's certificate is signed by another CA: A refuses it.
	oc := clusterOptions("C", a)
	routeTLS("other-srv-cert.pem", "other-srv-key.pem", "ca.pem")(oc)
	c, _ := startNode(t, oc)
	aLogs.waitLine(t, `\[ERR\] .* - rid:\d+ - TLS route handshake error: .*certificate`)

	// D trusts only the other CA: it refuses A's certificate when dialing.
	od := clusterOptions("D", a)
	routeTLS("other-srv-cert.pem", "other-srv-key.pem", "other-ca.pem")(od)
	d, dLogs := startNode(t, od)
	dLogs.waitLine(t, `\[ERR\] .* - rid:\d+ - TLS route handshake error: .*certificate`)

	for _, s := range []*Server{c, d} {
		if n := s.NumRoutes(); n != 0 {
			t.Fatalf("%s has %d routes despite the untrusted certificate", s.Name(), n)
		}
	}
	waitFor(t, 5*time.Second, func() error {
		if n := a.NumRoutes(); n != 1 {
			return fmt.Errorf("A has %d routes, want only B", n)
		}
		return nil
	})
}
