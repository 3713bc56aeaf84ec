package options

import (
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/evnats/evnats/auth"
	"github.com/evnats/evnats/tlsengine"
)

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestClusterBlock(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want func(c *ClusterOptions)
	}{
		{name: "name", src: "name: east", want: func(c *ClusterOptions) { c.Name = "east" }},
		{name: "listen", src: "listen: 127.0.0.1:6222", want: func(c *ClusterOptions) { c.Host, c.Port = "127.0.0.1", 6222 }},
		{name: "listen port", src: "listen: 6222", want: func(c *ClusterOptions) { c.Port = 6222 }},
		{name: "host and port", src: "host: 127.0.0.1\nport: -1", want: func(c *ClusterOptions) { c.Host, c.Port = "127.0.0.1", RandomPort }},
		{name: "net", src: "net: 10.0.0.1", want: func(c *ClusterOptions) { c.Host = "10.0.0.1" }},
		{name: "advertise", src: "advertise: 10.0.0.1:6222", want: func(c *ClusterOptions) { c.Advertise = "10.0.0.1:6222" }},
		{name: "cluster_advertise", src: "cluster_advertise: 10.0.0.2:6222", want: func(c *ClusterOptions) { c.Advertise = "10.0.0.2:6222" }},
		{name: "no_advertise", src: "no_advertise: true", want: func(c *ClusterOptions) { c.NoAdvertise = true }},
		{name: "routes", src: "routes = [\n  nats-route://127.0.0.1:6223\n  nats-route://ruser:pw@127.0.0.1:6224\n]",
			want: func(c *ClusterOptions) {
				c.Routes = []*url.URL{mustURL(t, "nats-route://127.0.0.1:6223"), mustURL(t, "nats-route://ruser:pw@127.0.0.1:6224")}
			}},
		{name: "one route as a string", src: "routes: nats://127.0.0.1:6223", want: func(c *ClusterOptions) { c.Routes = []*url.URL{mustURL(t, "nats://127.0.0.1:6223")} }},
		{name: "connect_retries", src: "connect_retries: 3", want: func(c *ClusterOptions) { c.ConnectRetries = 3 }},
		{name: "authorization", src: "authorization { user: ruser, password: pw, timeout: 0.5 }",
			want: func(c *ClusterOptions) {
				c.Auth = auth.RouteConfig{Username: "ruser", Password: "pw", Timeout: 500 * time.Millisecond}
			}},
		{name: "authorization aliases", src: "authorization { username: ruser, pass: pw }",
			want: func(c *ClusterOptions) { c.Auth = auth.RouteConfig{Username: "ruser", Password: "pw"} }},
		{name: "pool_size", src: "pool_size: -1", want: func(c *ClusterOptions) { c.PoolSize = -1 }},
		{name: "compression true", src: "compression: true", want: func(c *ClusterOptions) { c.Compression = CompressionS2Auto }},
		{name: "compression false", src: "compression: false", want: func(c *ClusterOptions) { c.Compression = CompressionOff }},
		{name: "compression mode", src: "compression: s2_fast", want: func(c *ClusterOptions) { c.Compression = CompressionS2Fast }},
		{name: "compression alias", src: "compression: best", want: func(c *ClusterOptions) { c.Compression = CompressionS2Best }},
		{name: "compression map", src: "compression: {mode: accept, rtt_thresholds: [10ms, 50ms]}", want: func(c *ClusterOptions) { c.Compression = CompressionAccept }},
		{name: "ping_interval", src: `ping_interval: "10s"`, want: func(c *ClusterOptions) { c.PingInterval = 10 * time.Second }},
		{name: "ping_max", src: "ping_max: 3", want: func(c *ClusterOptions) { c.PingMax = 3 }},
		{name: "write_deadline", src: `write_deadline: "1s"`, want: func(c *ClusterOptions) { c.WriteDeadline = time.Second }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := load(t, "cluster {\n"+tc.src+"\n}\n")
			want := Default().Cluster
			tc.want(&want)
			if !reflect.DeepEqual(o.Cluster, want) {
				t.Fatalf("got  %+v\nwant %+v", o.Cluster, want)
			}
		})
	}
}

func TestClusterTLSAlwaysVerifies(t *testing.T) {
	toRepoRoot(t, "srva-cert.pem", "srva-key.pem", "ca.pem")
	block := `cert_file: "` + cert("srva-cert.pem") + `", key_file: "` + cert("srva-key.pem") + `", ca_file: "` + cert("ca.pem") + `"`
	tests := []struct {
		extra string
		want  tlsengine.VerifyMode
	}{
		{extra: "", want: tlsengine.VerifyRequired},
		{extra: ", verify: false", want: tlsengine.VerifyRequired},
		{extra: `, verify: "optional"`, want: tlsengine.VerifyRequired},
		{extra: ", verify_and_map: true", want: tlsengine.VerifyAndMap},
	}
	for _, tc := range tests {
		o := load(t, "cluster { listen: 127.0.0.1:-1, tls { "+block+tc.extra+" } }")
		if o.Cluster.TLS == nil || o.Cluster.TLS.Verify != tc.want {
			t.Errorf("%q: got %+v, want verify %v", tc.extra, o.Cluster.TLS, tc.want)
		}
	}
	wantErr(t, loadErr(t, "cluster { tls { "+block+", bogus: 1 } }"), `unknown field "bogus" in cluster tls {}`)
}

func TestClusterErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string
	}{
		{name: "route without port", src: "routes: [nats-route://127.0.0.1]", want: `error parsing route url ["nats-route://127.0.0.1"]: missing or invalid port`},
		{name: "route without scheme", src: "routes: [127.0.0.1:6222]", want: `error parsing route url ["127.0.0.1:6222"]`},
		{name: "route not a string", src: "routes: [1]", want: `expected strings in "routes", got integer 1`},
		{name: "users", src: "authorization { users: [] }", want: "Cluster authorization does not allow multiple users"},
		{name: "token", src: "authorization { token: x }", want: "Cluster authorization does not support tokens"},
		{name: "unknown in authorization", src: "authorization { bogus: x }", want: `unknown field "bogus" in cluster authorization {}`},
		{name: "unknown", src: "bogus: 1", want: `unknown field "bogus" in cluster {}`},
		{name: "unsupported", src: "permissions {}", want: `"permissions" is not supported by evnats`},
		{name: "compression mode", src: "compression: zstd", want: `unknown compression mode "zstd"`},
		{name: "compression map key", src: "compression: {bogus: 1}", want: `unknown field "bogus" in compression`},
		{name: "pool_size", src: "pool_size: -2", want: `"pool_size" must be between -1 and 1024`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantErr(t, loadErr(t, "cluster {\n"+tc.src+"\n}\n"), tc.want)
		})
	}
	wantErr(t, loadErr(t, "cluster: 1"), `expected a map for "cluster", got integer 1`)
}
