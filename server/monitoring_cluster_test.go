package server

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/evnats/evnats/options"
)

// routezJSON spells out nats-server's /routez keys independently of the
// monitor package's types.
type routezJSON struct {
	ServerID   string `json:"server_id"`
	ServerName string `json:"server_name"`
	NumRoutes  int    `json:"num_routes"`
	Routes     []struct {
		Rid          uint64   `json:"rid"`
		RemoteID     string   `json:"remote_id"`
		RemoteName   string   `json:"remote_name"`
		DidSolicit   bool     `json:"did_solicit"`
		IsConfigured bool     `json:"is_configured"`
		IP           string   `json:"ip"`
		Port         int      `json:"port"`
		InMsgs       int64    `json:"in_msgs"`
		OutMsgs      int64    `json:"out_msgs"`
		InBytes      int64    `json:"in_bytes"`
		OutBytes     int64    `json:"out_bytes"`
		NumSubs      uint32   `json:"subscriptions"`
		Subs         []string `json:"subscriptions_list"`
	} `json:"routes"`
}

// varzClusterJSON is the part of /varz that describes routes and the
// cluster block.
type varzClusterJSON struct {
	ServerID    string   `json:"server_id"`
	Routes      int      `json:"routes"`
	InMsgs      int64    `json:"in_msgs"`
	OutMsgs     int64    `json:"out_msgs"`
	InBytes     int64    `json:"in_bytes"`
	OutBytes    int64    `json:"out_bytes"`
	ConnectURLs []string `json:"connect_urls"`
	Cluster     struct {
		Name string   `json:"name"`
		Addr string   `json:"addr"`
		Port int      `json:"cluster_port"`
		URLs []string `json:"urls"`
	} `json:"cluster"`
}

// TestMonitoringRoutezTwoNodes decodes /routez and the route parts of /varz
// over HTTP from a real two-node cluster (B dials A) after known traffic in
// both directions.
func TestMonitoringRoutezTwoNodes(t *testing.T) {
	withHTTP := func(o *options.Options) *options.Options { o.HTTPPort = options.RandomPort; return o }
	a, _ := startNode(t, withHTTP(clusterOptions("A")))
	b, _ := startNode(t, withHTTP(clusterOptions("B", a)))
	waitForMesh(t, a, b)

	na, nb := connect(t, a), connect(t, b)
	toB := mustSub(t, nb, "rz.to.b", "")
	mustFlush(t, nb)
	toA := mustSub(t, na, "rz.to.a", "")
	mustFlush(t, na)
	waitPlainInterest(t, a, "rz.to.b", 1)
	waitPlainInterest(t, b, "rz.to.a", 1)

	const nAB, sizeAB = 30, 7 // A -> B
	const nBA, sizeBA = 12, 5 // B -> A
	for range nAB {
		if err := na.Publish("rz.to.b", make([]byte, sizeAB)); err != nil {
			t.Fatal(err)
		}
	}
	mustFlush(t, na)
	for range nBA {
		if err := nb.Publish("rz.to.a", make([]byte, sizeBA)); err != nil {
			t.Fatal(err)
		}
	}
	mustFlush(t, nb)
	for _, c := range []struct {
		sub *nats.Subscription
		n   int
	}{{toB, nAB}, {toA, nBA}} {
		for i := range c.n {
			if _, err := c.sub.NextMsg(5 * time.Second); err != nil {
				t.Fatalf("%s: message %d: %v", c.sub.Subject, i, err)
			}
		}
	}

	type side struct {
		name                       string
		s, peer                    *Server
		solicit                    bool
		in, out, inBytes, outBytes int64
		subs                       []string // the peer's interest, as the route holds it
	}
	sides := []side{
		{name: "A", s: a, peer: b, solicit: false, in: nBA, out: nAB, inBytes: nBA * sizeBA, outBytes: nAB * sizeAB, subs: []string{"rz.to.b"}},
		{name: "B", s: b, peer: a, solicit: true, in: nAB, out: nBA, inBytes: nAB * sizeAB, outBytes: nBA * sizeBA, subs: []string{"rz.to.a"}},
	}
	for _, sd := range sides {
		t.Run(sd.name, func(t *testing.T) {
			base := monitorURL(sd.s)
			var rz routezJSON
			waitFor(t, 5*time.Second, func() error {
				getJSON(t, http.DefaultClient, base+"/routez?subs=1", &rz)
				if rz.NumRoutes != 1 || len(rz.Routes) != 1 {
					return fmt.Errorf("num_routes %d, %d routes", rz.NumRoutes, len(rz.Routes))
				}
				if r := rz.Routes[0]; r.InMsgs != sd.in || r.OutMsgs != sd.out {
					return fmt.Errorf("route in_msgs %d out_msgs %d, want %d and %d", r.InMsgs, r.OutMsgs, sd.in, sd.out)
				}
				return nil
			})
			if rz.ServerID != sd.s.ID() || rz.ServerName != sd.name {
				t.Errorf("routez identity %q %q, want %q %q", rz.ServerID, rz.ServerName, sd.s.ID(), sd.name)
			}
			r := rz.Routes[0]
			if r.RemoteID != sd.peer.ID() || r.RemoteName != sd.peer.Name() {
				t.Errorf("remote_id %q remote_name %q, want %q %q", r.RemoteID, r.RemoteName, sd.peer.ID(), sd.peer.Name())
			}
			if r.DidSolicit != sd.solicit || r.IsConfigured != sd.solicit {
				t.Errorf("did_solicit %v is_configured %v, want both %v", r.DidSolicit, r.IsConfigured, sd.solicit)
			}
			if r.InBytes != sd.inBytes || r.OutBytes != sd.outBytes {
				t.Errorf("route in_bytes %d out_bytes %d, want %d and %d", r.InBytes, r.OutBytes, sd.inBytes, sd.outBytes)
			}
			if r.IP != "127.0.0.1" || r.Rid == 0 {
				t.Errorf("route ip %q rid %d", r.IP, r.Rid)
			}
			if sd.solicit && r.Port != sd.peer.RouteAddr().Port {
				t.Errorf("solicited route port %d, want the peer's route port %d", r.Port, sd.peer.RouteAddr().Port)
			}
			got := slices.Clone(r.Subs)
			slices.Sort(got)
			if !slices.Equal(got, sd.subs) || r.NumSubs != uint32(len(sd.subs)) {
				t.Errorf("subscriptions %d, subscriptions_list %q; want %q", r.NumSubs, r.Subs, sd.subs)
			}

			// Without subs=1 the list is left out.
			var plain routezJSON
			getJSON(t, http.DefaultClient, base+"/routez", &plain)
			if len(plain.Routes) != 1 || plain.Routes[0].Subs != nil {
				t.Errorf("routez without subs: %+v", plain.Routes)
			}

			var v varzClusterJSON
			getJSON(t, http.DefaultClient, base+"/varz", &v)
			if v.Routes != 1 {
				t.Errorf("varz routes %d, want 1", v.Routes)
			}
			// Server totals count route traffic too: every message this
			// node received (from its client or the route) and sent.
			if wantIn := sd.out + sd.in; v.InMsgs != wantIn || v.OutMsgs != wantIn {
				t.Errorf("varz in_msgs %d out_msgs %d, want %d each", v.InMsgs, v.OutMsgs, wantIn)
			}
			if wantB := sd.outBytes + sd.inBytes; v.InBytes != wantB || v.OutBytes != wantB {
				t.Errorf("varz in_bytes %d out_bytes %d, want %d each", v.InBytes, v.OutBytes, wantB)
			}
			if v.Cluster.Name != clusterName || v.Cluster.Addr != "127.0.0.1" || v.Cluster.Port != sd.s.RouteAddr().Port {
				t.Errorf("varz cluster %+v, want name %q addr 127.0.0.1 port %d", v.Cluster, clusterName, sd.s.RouteAddr().Port)
			}
			var wantURLs []string
			if sd.solicit {
				wantURLs = []string{sd.peer.RouteAddr().String()}
			}
			if !slices.Equal(v.Cluster.URLs, wantURLs) {
				t.Errorf("varz cluster urls %q, want %q", v.Cluster.URLs, wantURLs)
			}
			wantConnect := []string{strings.TrimPrefix(sd.s.ClientURL(), "nats://"), strings.TrimPrefix(sd.peer.ClientURL(), "nats://")}
			if !slices.Equal(v.ConnectURLs, wantConnect) {
				t.Errorf("varz connect_urls %q, want %q", v.ConnectURLs, wantConnect)
			}
		})
	}
}
