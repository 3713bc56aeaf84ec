package options

import (
	"strings"
	"testing"
	"time"
)

func TestTopLevelKeys(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want func(o *Options)
	}{
		{name: "listen port", src: "listen: 4333", want: func(o *Options) { o.Port = 4333 }},
		{name: "listen host:port", src: "listen: 127.0.0.1:4443", want: func(o *Options) { o.Host, o.Port = "127.0.0.1", 4443 }},
		{name: "listen ipv6", src: `listen: "[::1]:4443"`, want: func(o *Options) { o.Host, o.Port = "::1", 4443 }},
		{name: "listen random port", src: "listen: localhost:-1", want: func(o *Options) { o.Host, o.Port = "localhost", RandomPort }},
		{name: "host", src: "host: 127.0.0.1", want: func(o *Options) { o.Host = "127.0.0.1" }},
		{name: "net", src: "net: 10.0.0.1", want: func(o *Options) { o.Host = "10.0.0.1" }},
		{name: "port", src: "port: 4333", want: func(o *Options) { o.Port = 4333 }},
		{name: "random port", src: "port: -1", want: func(o *Options) { o.Port = RandomPort }},
		{name: "keys ignore case", src: "PORT: 1\nMax_Payload: 2", want: func(o *Options) { o.Port, o.MaxPayload = 1, 2 }},
		{name: "client_advertise", src: `client_advertise: "nats.example.com:4222"`, want: func(o *Options) { o.ClientAdvertise = "nats.example.com:4222" }},
		{name: "server_name", src: "server_name: srv-a", want: func(o *Options) { o.ServerName = "srv-a" }},
		{name: "http", src: "http: 127.0.0.1:8000", want: func(o *Options) { o.HTTPHost, o.HTTPPort = "127.0.0.1", 8000 }},
		{name: "http port only", src: "http: 8000", want: func(o *Options) { o.HTTPPort = 8000 }},
		{name: "https", src: "https: 127.0.0.1:8443", want: func(o *Options) { o.HTTPHost, o.HTTPSPort = "127.0.0.1", 8443 }},
		{name: "http_port", src: "http_port: 8222", want: func(o *Options) { o.HTTPPort = 8222 }},
		{name: "monitor_port", src: "monitor_port: 8223", want: func(o *Options) { o.HTTPPort = 8223 }},
		{name: "https_port", src: "https_port: 8443", want: func(o *Options) { o.HTTPSPort = 8443 }},
		{name: "http_base_path", src: "http_base_path: /nats", want: func(o *Options) { o.HTTPBasePath = "/nats" }},
		{name: "max_payload", src: "max_payload: 2MB", want: func(o *Options) { o.MaxPayload = 2 << 20 }},
		{name: "max_payload 0 is default", src: "max_payload: 0", want: nil},
		{name: "max_connections", src: "max_connections: 100", want: func(o *Options) { o.MaxConnections = 100 }},
		{name: "max_conn", src: "max_conn: 5", want: func(o *Options) { o.MaxConnections = 5 }},
		{name: "max_connections 0 rejects all", src: "max_connections: 0", want: func(o *Options) { o.MaxConnections = -1 }},
		{name: "max_control_line", src: "max_control_line: 8KB", want: func(o *Options) { o.MaxControlLine = 8192 }},
		{name: "max_subscriptions", src: "max_subscriptions: 10", want: func(o *Options) { o.MaxSubscriptions = 10 }},
		{name: "max_subs", src: "max_subs: 11", want: func(o *Options) { o.MaxSubscriptions = 11 }},
		{name: "max_closed_clients", src: "max_closed_clients: 50", want: func(o *Options) { o.MaxClosedClients = 50 }},
		{name: "max_pending", src: "max_pending: 1GB", want: func(o *Options) { o.MaxPending = 1 << 30 }},
		{name: "ping_interval", src: `ping_interval: "30s"`, want: func(o *Options) { o.PingInterval = 30 * time.Second }},
		{name: "ping_interval seconds", src: "ping_interval: 60", want: func(o *Options) { o.PingInterval = time.Minute }},
		{name: "ping_max", src: "ping_max: 5", want: func(o *Options) { o.PingMax = 5 }},
		{name: "write_deadline", src: `write_deadline: "5s"`, want: func(o *Options) { o.WriteDeadline = 5 * time.Second }},
		{name: "write_deadline float seconds", src: "write_deadline: 2.5", want: func(o *Options) { o.WriteDeadline = 2500 * time.Millisecond }},
		{name: "lame_duck_duration", src: `lame_duck_duration: "1m"`, want: func(o *Options) { o.LameDuckDuration = time.Minute }},
		{name: "lame_duck_grace_period", src: `lame_duck_grace_period: "5s"`, want: func(o *Options) { o.LameDuckGracePeriod = 5 * time.Second }},
		{name: "debug", src: "debug: true", want: func(o *Options) { o.Debug = true }},
		{name: "trace", src: "trace: on", want: func(o *Options) { o.Trace = true }},
		{name: "trace_verbose", src: "trace_verbose: yes", want: func(o *Options) { o.Trace, o.TraceVerbose = true, true }},
		{name: "logtime", src: "logtime: false", want: func(o *Options) { o.Logtime = false }},
		{name: "logtime_utc", src: "logtime_utc: true", want: func(o *Options) { o.LogtimeUTC = true }},
		{name: "logfile", src: "logfile: /tmp/a.log", want: func(o *Options) { o.LogFile = "/tmp/a.log" }},
		{name: "log_file", src: "log_file: /tmp/b.log", want: func(o *Options) { o.LogFile = "/tmp/b.log" }},
		{name: "pidfile", src: "pidfile: /tmp/a.pid", want: func(o *Options) { o.PidFile = "/tmp/a.pid" }},
		{name: "pid_file", src: "pid_file: /tmp/b.pid", want: func(o *Options) { o.PidFile = "/tmp/b.pid" }},
		{name: "allow_non_tls", src: "allow_non_tls: true", want: func(o *Options) { o.AllowNonTLS = true }},
		{name: "no_header_support", src: "no_header_support: true", want: func(o *Options) { o.NoHeaderSupport = true }},
		{name: "loops", src: "loops: 4", want: func(o *Options) { o.Loops = 4 }},
		{name: "reuse_port", src: "reuse_port: true", want: func(o *Options) { o.ReusePort = true }},
		{name: "later key wins", src: "port: 1\nport: 2", want: func(o *Options) { o.Port = 2 }},
		{name: "variable", src: "P: 4333\nport: $P", want: func(o *Options) { o.Port = 4333 }},
		{name: "wrapped document", src: "{ port: 4333, debug: true }", want: func(o *Options) { o.Port, o.Debug = 4333, true }},
		{name: "ignored logging key", src: "log_size_limit: 10MB\nmax_traced_msg_len: 100", want: nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assertOptions(t, load(t, tc.src), tc.want)
		})
	}
}

func TestTopLevelErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{name: "unknown field", src: "port: 1\n\n  foo: 2", want: []string{`:3:3: unknown field "foo"`}},
		{name: "unsupported feature", src: "jetstream {}", want: []string{`:1:1: "jetstream" is not supported by evnats`}},
		{name: "unsupported leafnodes", src: "leafnodes { port: 7422 }", want: []string{`"leafnodes" is not supported by evnats`}},
		{name: "port type", src: "port: abc", want: []string{`:1:7: expected an integer for "port", got string "abc"`}},
		{name: "port range", src: "port: 70000", want: []string{`"port" must be between -1 and 65535, got 70000`}},
		{name: "listen garbage", src: "listen: abc", want: []string{`could not parse address string "abc"`}},
		{name: "listen bad port", src: "listen: host:x", want: []string{`could not parse port "x"`}},
		{name: "listen map", src: "listen {}", want: []string{`expected a port or "host:port" for "listen", got map`}},
		{name: "bool type", src: "debug: 1", want: []string{`expected a boolean for "debug", got integer 1`}},
		{name: "string type", src: "server_name: 5", want: []string{`expected a string for "server_name", got integer 5`}},
		{name: "bad duration", src: `ping_interval: "2x"`, want: []string{`invalid duration "2x" for "ping_interval"`}},
		{name: "negative duration", src: `write_deadline: "-1s"`, want: []string{`"write_deadline" must not be negative`}},
		{name: "duration type", src: "ping_interval: true", want: []string{`expected a duration for "ping_interval", got boolean true`}},
		{name: "negative count", src: "ping_max: -1", want: []string{`"ping_max" must be between 0 and`}},
		{name: "negative max_pending", src: "max_pending: -1", want: []string{`"max_pending" must not be negative`}},
		{name: "tls not a map", src: "tls: true", want: []string{`expected a map for "tls", got boolean true`}},
		{name: "syntax error", src: "port:\n", want: []string{`:1:6: expected a value after key "port"`}},
		{name: "several errors at once", src: "foo: 1\nbar: 2\nport: x", want: []string{
			`:1:1: unknown field "foo"`, `:2:1: unknown field "bar"`, `:3:7: expected an integer for "port"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantErr(t, loadErr(t, tc.src), tc.want...)
		})
	}
}

func TestErrorNamesTheFile(t *testing.T) {
	path := writeConf(t, "port: 1\nbogus: 2\n")
	_, err := ProcessConfigFile(path)
	wantErr(t, err, path+`:2:1: unknown field "bogus"`)
}

func TestVariablesAreNotUnknownFields(t *testing.T) {
	o := load(t, "PASS: s3cret\nNAME = srv\nserver_name: $NAME\nauthorization {\n  LOCAL: u\n  user: $LOCAL\n  password: $PASS\n}\n")
	if o.ServerName != "srv" || o.Auth.Username != "u" || o.Auth.Password != "s3cret" {
		t.Fatalf("got %+v", o)
	}
}

func TestWarnings(t *testing.T) {
	tests := []struct {
		src  string
		want string
	}{
		{src: "ping_interval: 60", want: `"ping_interval" was given as the number 60`},
		{src: "log_size_limit: 1000", want: `"log_size_limit" is accepted but ignored by evnats`},
		{src: "authorization { timeout: 1m }", want: `"timeout" of 277h46m40s is over a minute; if a duration was meant, quote it`},
	}
	for _, tc := range tests {
		o := load(t, tc.src)
		if len(o.Warnings) != 1 || !strings.Contains(o.Warnings[0], tc.want) || !strings.Contains(o.Warnings[0], ":1:") {
			t.Errorf("%q: warnings %q, want %q", tc.src, o.Warnings, tc.want)
		}
	}
}

func TestConfigFileRecorded(t *testing.T) {
	path := writeConf(t, "port: 1")
	o, err := ProcessConfigFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if o.ConfigFile != path {
		t.Fatalf("ConfigFile %q, want %q", o.ConfigFile, path)
	}
	if _, err := ProcessConfigFile(path + ".missing"); err == nil {
		t.Fatal("missing file accepted")
	}
}
