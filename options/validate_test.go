package options

import (
	"net/url"
	"reflect"
	"testing"

	"github.com/evnats/evnats/auth"
	"github.com/evnats/evnats/tlsengine"
)

func TestValidate(t *testing.T) {
	route, _ := url.Parse("nats-route://127.0.0.1:6223")
	tests := []struct {
		name   string
		mutate func(o *Options)
		want   string // empty: valid
	}{
		{name: "defaults", mutate: func(o *Options) {}},
		{name: "zero limits are defaults", mutate: func(o *Options) { o.MaxPayload, o.MaxPending, o.PingInterval, o.LameDuckDuration = 0, 0, 0, 0 }},
		{name: "server name with space", mutate: func(o *Options) { o.ServerName = "a b" }, want: "server name cannot contain spaces"},
		{name: "bad port", mutate: func(o *Options) { o.Port = 70000 }, want: "port 70000 is not a valid port"},
		{name: "bad cluster port", mutate: func(o *Options) { o.Cluster.Port = -2 }, want: "cluster port -2 is not a valid port"},
		{name: "http and https", mutate: func(o *Options) {
			o.HTTPPort, o.HTTPSPort, o.TLS = 8222, 8223, &tlsengine.Config{CertFile: "c", KeyFile: "k"}
		}, want: "can't specify both HTTP (8222) and HTTPs (8223) ports"},
		{name: "https without tls", mutate: func(o *Options) { o.HTTPSPort = 8223 }, want: "https_port 8223 needs a tls {} block"},
		{name: "max_payload over max_pending", mutate: func(o *Options) { o.MaxPayload, o.MaxPending = 2048, 1024 },
			want: "max_payload (2048) cannot be higher than max_pending (1024)"},
		{name: "negative max_payload", mutate: func(o *Options) { o.MaxPayload = -1 }, want: "max_payload must be positive"},
		{name: "negative max_control_line", mutate: func(o *Options) { o.MaxControlLine = -1 }, want: "max_control_line must be positive"},
		{name: "negative loops", mutate: func(o *Options) { o.Loops = -1 }, want: "loops must not be negative"},
		{name: "negative ping_interval", mutate: func(o *Options) { o.PingInterval = -1 }, want: "ping_interval must be positive"},
		{name: "short lame duck", mutate: func(o *Options) { o.LameDuckDuration = 1e9 }, want: "invalid lame_duck_duration of 1s, minimum is 30s"},
		{name: "long grace", mutate: func(o *Options) { o.LameDuckGracePeriod = o.LameDuckDuration }, want: "invalid lame_duck_grace_period"},
		{name: "tls without cert", mutate: func(o *Options) { o.TLS = &tlsengine.Config{KeyFile: "k"} },
			want: "tls: TLS Server certificate must be present and valid"},
		{name: "tls without key", mutate: func(o *Options) { o.TLS = &tlsengine.Config{CertFile: "c"} },
			want: "tls: TLS Server private key must be present and valid"},
		{name: "tls min version", mutate: func(o *Options) { o.TLS = &tlsengine.Config{CertFile: "c", KeyFile: "k", MinVersion: 0x0301} },
			want: "unsupported minimum TLS version 0x0301"},
		{name: "user and token", mutate: func(o *Options) { o.Auth = auth.Config{Username: "a", Token: "t"} }, want: "Cannot have a user/pass and token"},
		{name: "user and users", mutate: func(o *Options) { o.Auth = auth.Config{Username: "a", Users: []*auth.User{{Username: "b"}}} },
			want: "Can not have a single user/pass and a users array"},
		{name: "token and users", mutate: func(o *Options) { o.Auth = auth.Config{Token: "a", Users: []*auth.User{{Username: "b"}}} },
			want: "Can not have a token and a users array"},
		{name: "duplicate users", mutate: func(o *Options) { o.Auth.Users = []*auth.User{{Username: "b"}, {Username: "b"}} }, want: `Duplicate user "b" detected`},
		{name: "nameless user", mutate: func(o *Options) { o.Auth.Users = []*auth.User{{Password: "b"}} }, want: "User entry requires a user"},
		{name: "cluster name with space", mutate: func(o *Options) { o.Cluster.Name = "a b" }, want: "cluster name cannot contain spaces or new lines"},
		{name: "reserved cluster name", mutate: func(o *Options) { o.Cluster.Name = "_" }, want: `cluster name "_" is reserved`},
		{name: "routes without listener", mutate: func(o *Options) { o.Cluster.Routes = []*url.URL{route} },
			want: "solicited routes require cluster capabilities, e.g. --cluster"},
		{name: "routes with listener", mutate: func(o *Options) { o.Cluster.Routes, o.Cluster.Port = []*url.URL{route}, -1 }},
		{name: "cluster tls without key", mutate: func(o *Options) { o.Cluster.TLS = &tlsengine.Config{CertFile: "c"} },
			want: "cluster tls: TLS Server private key must be present and valid"},
		{name: "bad compression", mutate: func(o *Options) { o.Cluster.Compression = "zip" }, want: `unknown compression mode "zip"`},
		{name: "bad pool size", mutate: func(o *Options) { o.Cluster.PoolSize = -5 }, want: "cluster pool_size must be -1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := Default()
			tc.mutate(o)
			before := o.Clone()
			err := o.Validate()
			if !reflect.DeepEqual(o, before) {
				t.Fatal("Validate modified the options")
			}
			if tc.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			wantErr(t, err, tc.want)
		})
	}
}
