package options

import (
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/evnats/evnats/auth"
	"github.com/evnats/evnats/tlsengine"
)

func TestDiff(t *testing.T) {
	route, _ := url.Parse("nats-route://127.0.0.1:6223")
	tests := []struct {
		name    string
		mutate  func(o *Options)
		changed []string
		err     string // empty: reloadable
	}{
		{name: "nothing", mutate: func(o *Options) {}},
		{name: "file name and warnings are not options", mutate: func(o *Options) { o.ConfigFile, o.Warnings = "x.conf", []string{"w"} }},
		{name: "max_payload", mutate: func(o *Options) { o.MaxPayload = 10 }, changed: []string{"max_payload"}},
		{name: "logging", mutate: func(o *Options) { o.Debug, o.Trace, o.LogFile = true, true, "x.log" }, changed: []string{"debug", "trace", "logfile"}},
		{name: "tls", mutate: func(o *Options) { o.TLS = &tlsengine.Config{CertFile: "c", KeyFile: "k"} }, changed: []string{"tls"}},
		{name: "authorization", mutate: func(o *Options) { o.Auth = auth.Config{Users: []*auth.User{{Username: "a"}}} }, changed: []string{"authorization"}},
		{name: "auth timeout", mutate: func(o *Options) { o.Auth.Timeout = time.Second }, changed: []string{"authorization"}},
		{name: "routes", mutate: func(o *Options) { o.Cluster.Routes = []*url.URL{route} }, changed: []string{"cluster.routes"}},
		{name: "cluster auth", mutate: func(o *Options) { o.Cluster.Auth.Password = "x" }, changed: []string{"cluster.authorization"}},
		{name: "port", mutate: func(o *Options) { o.Port = 4223 }, changed: []string{"port"}, err: "config reload not supported for port: old=4222, new=4223"},
		{name: "host", mutate: func(o *Options) { o.Host = "127.0.0.1" }, changed: []string{"host"},
			err: `config reload not supported for host: old="0.0.0.0", new="127.0.0.1"`},
		{name: "cluster host", mutate: func(o *Options) { o.Cluster.Host = "127.0.0.1" }, changed: []string{"cluster.host"}, err: "config reload not supported for cluster.host"},
		{name: "cluster port", mutate: func(o *Options) { o.Cluster.Port = 6222 }, changed: []string{"cluster.port"}, err: "config reload not supported for cluster.port: old=0, new=6222"},
		{name: "http port", mutate: func(o *Options) { o.HTTPPort = 8222 }, changed: []string{"http_port"}, err: "config reload not supported for http_port"},
		{name: "https port", mutate: func(o *Options) { o.HTTPSPort = 8222 }, changed: []string{"https_port"}, err: "config reload not supported for https_port"},
		{name: "loops", mutate: func(o *Options) { o.Loops = 3 }, changed: []string{"loops"}, err: "config reload not supported for loops"},
		{name: "first non-reloadable is named, all changes listed", mutate: func(o *Options) { o.MaxPayload, o.Port, o.Loops = 1, 1, 1 },
			changed: []string{"port", "loops", "max_payload"}, err: "config reload not supported for port"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			old := Default()
			next := Default()
			tc.mutate(next)
			changed, err := Diff(old, next)
			if !reflect.DeepEqual(changed, tc.changed) {
				t.Errorf("changed %q, want %q", changed, tc.changed)
			}
			if tc.err == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			wantErr(t, err, tc.err)
		})
	}
}

// TestDiffCoversEveryField fails when a field is added to Options without a
// line in reloadOptions: changing it alone must show up in Diff.
func TestDiffCoversEveryField(t *testing.T) {
	skip := map[string]bool{"ConfigFile": true, "Warnings": true, "flags": true, "Cluster": true, "Auth": true, "TLS": true}
	check := func(prefix string, typ reflect.Type, set func(o *Options) reflect.Value) {
		for i := range typ.NumField() {
			f := typ.Field(i)
			if prefix == "" && skip[f.Name] {
				continue
			}
			o := Default()
			v := set(o).Field(i)
			switch v.Kind() {
			case reflect.String:
				v.SetString("changed")
			case reflect.Int, reflect.Int64:
				v.SetInt(v.Int() + 7)
			case reflect.Bool:
				v.SetBool(!v.Bool())
			case reflect.Slice, reflect.Pointer, reflect.Struct:
				continue
			default:
				t.Fatalf("field %s%s of kind %v: extend this test", prefix, f.Name, v.Kind())
			}
			if changed, _ := Diff(Default(), o); len(changed) != 1 {
				t.Errorf("changing %s%s alone: Diff reports %q", prefix, f.Name, changed)
			}
		}
	}
	check("", reflect.TypeFor[Options](), func(o *Options) reflect.Value { return reflect.ValueOf(o).Elem() })
	check("Cluster.", reflect.TypeFor[ClusterOptions](), func(o *Options) reflect.Value { return reflect.ValueOf(&o.Cluster).Elem() })
}
