package options

import (
	"flag"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/evnats/evnats/auth"
	"github.com/evnats/evnats/tlsengine"
)

// configure runs Configure on a fresh FlagSet that prints nothing.
func configure(t *testing.T, args ...string) (*Options, *Command, error) {
	t.Helper()
	fs := flag.NewFlagSet("evnats", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return Configure(fs, args)
}

func mustConfigure(t *testing.T, args ...string) (*Options, *Command) {
	t.Helper()
	o, cmd, err := configure(t, args...)
	if err != nil {
		t.Fatalf("Configure(%q): %v", args, err)
	}
	return o, cmd
}

func TestFlags(t *testing.T) {
	tests := []struct {
		args []string
		want func(o *Options)
	}{
		{args: nil, want: nil},
		{args: []string{"-a", "127.0.0.1"}, want: func(o *Options) { o.Host = "127.0.0.1" }},
		{args: []string{"--addr=127.0.0.2"}, want: func(o *Options) { o.Host = "127.0.0.2" }},
		{args: []string{"-net", "127.0.0.3"}, want: func(o *Options) { o.Host = "127.0.0.3" }},
		{args: []string{"-p", "4333"}, want: func(o *Options) { o.Port = 4333 }},
		{args: []string{"--port", "-1"}, want: func(o *Options) { o.Port = RandomPort }},
		{args: []string{"-n", "a"}, want: func(o *Options) { o.ServerName = "a" }},
		{args: []string{"--name", "b"}, want: func(o *Options) { o.ServerName = "b" }},
		{args: []string{"--server_name", "c"}, want: func(o *Options) { o.ServerName = "c" }},
		{args: []string{"-P", "/tmp/x.pid"}, want: func(o *Options) { o.PidFile = "/tmp/x.pid" }},
		{args: []string{"--pid", "/tmp/y.pid"}, want: func(o *Options) { o.PidFile = "/tmp/y.pid" }},
		{args: []string{"-m", "8222"}, want: func(o *Options) { o.HTTPPort = 8222 }},
		{args: []string{"--http_port", "8223"}, want: func(o *Options) { o.HTTPPort = 8223 }},
		{args: []string{"--client_advertise", "x:1"}, want: func(o *Options) { o.ClientAdvertise = "x:1" }},
		{args: []string{"-l", "/tmp/a.log"}, want: func(o *Options) { o.LogFile = "/tmp/a.log" }},
		{args: []string{"--log", "/tmp/b.log"}, want: func(o *Options) { o.LogFile = "/tmp/b.log" }},
		{args: []string{"-T=false"}, want: func(o *Options) { o.Logtime = false }},
		{args: []string{"--logtime=false"}, want: func(o *Options) { o.Logtime = false }},
		{args: []string{"--logtime_utc"}, want: func(o *Options) { o.LogtimeUTC = true }},
		{args: []string{"-D"}, want: func(o *Options) { o.Debug = true }},
		{args: []string{"--debug"}, want: func(o *Options) { o.Debug = true }},
		{args: []string{"-V"}, want: func(o *Options) { o.Trace = true }},
		{args: []string{"--trace"}, want: func(o *Options) { o.Trace = true }},
		{args: []string{"-VV"}, want: func(o *Options) { o.Trace, o.TraceVerbose = true, true }},
		{args: []string{"-DV"}, want: func(o *Options) { o.Debug, o.Trace = true, true }},
		{args: []string{"-DVV"}, want: func(o *Options) { o.Debug, o.Trace, o.TraceVerbose = true, true, true }},
		{args: []string{"--user", "u", "--pass", "p"}, want: func(o *Options) { o.Auth.Username, o.Auth.Password = "u", "p" }},
		{args: []string{"--auth", "tok"}, want: func(o *Options) { o.Auth.Token = "tok" }},
		{args: []string{"--cluster", "nats://127.0.0.1:6222"}, want: func(o *Options) { o.Cluster.Host, o.Cluster.Port = "127.0.0.1", 6222 }},
		{args: []string{"--cluster_listen", "nats://ruser:pw@127.0.0.1:-1"}, want: func(o *Options) {
			o.Cluster.Host, o.Cluster.Port = "127.0.0.1", RandomPort
			o.Cluster.Auth = auth.RouteConfig{Username: "ruser", Password: "pw"}
		}},
		{args: []string{"--cluster", "nats://127.0.0.1:6222", "--routes", "nats-route://127.0.0.1:6223, nats-route://127.0.0.1:6224"}, want: func(o *Options) {
			o.Cluster.Host, o.Cluster.Port = "127.0.0.1", 6222
			a, _ := url.Parse("nats-route://127.0.0.1:6223")
			b, _ := url.Parse("nats-route://127.0.0.1:6224")
			o.Cluster.Routes = []*url.URL{a, b}
		}},
		{args: []string{"--cluster_name", "east"}, want: func(o *Options) { o.Cluster.Name = "east" }},
		{args: []string{"--cluster_advertise", "10.0.0.1:6222"}, want: func(o *Options) { o.Cluster.Advertise = "10.0.0.1:6222" }},
		{args: []string{"--no_advertise"}, want: func(o *Options) { o.Cluster.NoAdvertise = true }},
		{args: []string{"--connect_retries", "5"}, want: func(o *Options) { o.Cluster.ConnectRetries = 5 }},
		{args: []string{"--loops", "3"}, want: func(o *Options) { o.Loops = 3 }},
		{args: []string{"--reuse_port"}, want: func(o *Options) { o.ReusePort = true }},
		{args: []string{"--tls=false"}, want: nil},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			o, cmd := mustConfigure(t, tc.args...)
			if cmd.Action != ActionRun {
				t.Fatalf("action %v", cmd.Action)
			}
			assertOptions(t, o, tc.want)
		})
	}
}

func TestHTTPSFlag(t *testing.T) {
	toRepoRoot(t, "server-cert.pem", "server-key.pem")
	for _, name := range []string{"-ms", "--https_port"} {
		o, _ := mustConfigure(t, name, "8443", "--tls", "--tlscert", cert("server-cert.pem"), "--tlskey", cert("server-key.pem"))
		if o.HTTPSPort != 8443 {
			t.Errorf("%s: https port %d", name, o.HTTPSPort)
		}
	}
}

func TestFlagsOverrideFile(t *testing.T) {
	path := writeConf(t, "port: 4333\ndebug: true\nserver_name: file\nauthorization { user: a, password: b }\n")
	o, _ := mustConfigure(t, "-c", path, "-p", "4444", "-D=false")
	if o.Port != 4444 || o.Debug || o.ServerName != "file" || o.Auth.Username != "a" || o.ConfigFile != path {
		t.Fatalf("got port %d debug %v name %q user %q file %q", o.Port, o.Debug, o.ServerName, o.Auth.Username, o.ConfigFile)
	}
	// A flag left at its default does not override the file.
	o, _ = mustConfigure(t, "--config", path)
	if o.Port != 4333 || !o.Debug {
		t.Fatalf("file values lost: port %d debug %v", o.Port, o.Debug)
	}
	// --user with a file users list is the nats-server conflict.
	users := writeConf(t, "authorization { users: [{user: a}] }")
	_, _, err := configure(t, "-c", users, "--user", "x")
	wantErr(t, err, "Can not have a single user/pass and a users array")
}

func TestTLSFlags(t *testing.T) {
	toRepoRoot(t, "server-cert.pem", "server-key.pem", "ca.pem", "server.pem", "key.pem")
	fileTLS := writeConf(t, "tls {\n cert_file: \""+cert("server.pem")+"\"\n key_file: \""+cert("key.pem")+"\"\n handshake_first: true\n timeout: 5\n}\n")
	certFlags := []string{"--tlscert", cert("server-cert.pem"), "--tlskey", cert("server-key.pem")}
	tests := []struct {
		name string
		args []string
		want *tlsengine.Config
		err  string
	}{
		{name: "tls", args: append([]string{"--tls"}, certFlags...),
			want: &tlsengine.Config{CertFile: cert("server-cert.pem"), KeyFile: cert("server-key.pem")}},
		{name: "tlsverify", args: append([]string{"--tlsverify", "--tlscacert", cert("ca.pem")}, certFlags...),
			want: &tlsengine.Config{CertFile: cert("server-cert.pem"), KeyFile: cert("server-key.pem"), CAFile: cert("ca.pem"), Verify: tlsengine.VerifyRequired}},
		{name: "tlsverify optional", args: append([]string{"--tlsverify=optional"}, certFlags...),
			want: &tlsengine.Config{CertFile: cert("server-cert.pem"), KeyFile: cert("server-key.pem"), Verify: tlsengine.VerifyOptional}},
		{name: "flags replace the file block", args: append([]string{"-c", fileTLS, "--tls"}, certFlags...),
			want: &tlsengine.Config{CertFile: cert("server-cert.pem"), KeyFile: cert("server-key.pem")}},
		{name: "file block kept without tls flags", args: []string{"-c", fileTLS},
			want: &tlsengine.Config{CertFile: cert("server.pem"), KeyFile: cert("key.pem"), HandshakeFirst: true, Timeout: 5 * time.Second}},
		{name: "tls=false disables the file block", args: []string{"-c", fileTLS, "--tls=false"}, want: nil},
		{name: "no certificate", args: []string{"--tls"}, err: "TLS Server certificate must be present and valid"},
		{name: "no key", args: []string{"--tlsverify", "--tlscert", cert("server-cert.pem")}, err: "TLS Server private key must be present and valid"},
		{name: "bad certificate", args: []string{"--tls", "--tlscert", "./nope.pem", "--tlskey", "./nope.pem"}, err: "error parsing X509 certificate/key pair"},
		{name: "bad tlsverify", args: []string{"--tlsverify=maybe"}, err: "expected true, false or optional"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o, _, err := configure(t, tc.args...)
			if tc.err != "" {
				wantErr(t, err, tc.err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (o.TLS == nil) != (tc.want == nil) || (o.TLS != nil && !equalTLS(o.TLS, tc.want)) {
				t.Fatalf("got %+v\nwant %+v", o.TLS, tc.want)
			}
		})
	}
}

func equalTLS(a, b *tlsengine.Config) bool {
	return a.CertFile == b.CertFile && a.KeyFile == b.KeyFile && a.CAFile == b.CAFile && a.Verify == b.Verify &&
		a.HandshakeFirst == b.HandshakeFirst && a.Timeout == b.Timeout && a.CipherSuites == nil && a.CurvePreferences == nil
}

func TestCommands(t *testing.T) {
	pidFile := writeConf(t, "pid_file: /tmp/evnats-test.pid")
	bad := writeConf(t, "bogus: 1")
	tests := []struct {
		args []string
		want Command
	}{
		{args: nil, want: Command{Action: ActionRun}},
		{args: []string{"-h"}, want: Command{Action: ActionShowHelp}},
		{args: []string{"--help"}, want: Command{Action: ActionShowHelp}},
		{args: []string{"-h", "-c", bad}, want: Command{Action: ActionShowHelp}},
		{args: []string{"-v"}, want: Command{Action: ActionShowVersion}},
		{args: []string{"--version"}, want: Command{Action: ActionShowVersion}},
		{args: []string{"--help_tls"}, want: Command{Action: ActionShowHelpTLS}},
		{args: []string{"-t"}, want: Command{Action: ActionCheckConfig}},
		{args: []string{"-sl", "reload=123"}, want: Command{Action: ActionSignal, Signal: syscall.SIGHUP, SignalName: "reload", SignalTarget: "123"}},
		{args: []string{"--signal", "stop=/var/run/x.pid"}, want: Command{Action: ActionSignal, Signal: syscall.SIGKILL, SignalName: "stop", SignalTarget: "/var/run/x.pid"}},
		{args: []string{"-sl", "quit"}, want: Command{Action: ActionSignal, Signal: syscall.SIGINT, SignalName: "quit"}},
		{args: []string{"-sl", "term"}, want: Command{Action: ActionSignal, Signal: syscall.SIGTERM, SignalName: "term"}},
		{args: []string{"-sl", "reopen"}, want: Command{Action: ActionSignal, Signal: syscall.SIGUSR1, SignalName: "reopen"}},
		{args: []string{"-sl", "ldm", "-c", pidFile}, want: Command{Action: ActionSignal, Signal: syscall.SIGUSR2, SignalName: "ldm", SignalTarget: "/tmp/evnats-test.pid"}},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			o, cmd := mustConfigure(t, tc.args...)
			if o == nil || *cmd != tc.want {
				t.Fatalf("got %+v, want %+v", cmd, tc.want)
			}
		})
	}
}

func TestConfigureErrors(t *testing.T) {
	bad := writeConf(t, "port: 1\nbogus: 2\n")
	tests := []struct {
		args []string
		want string
	}{
		{args: []string{"--nope"}, want: "flag provided but not defined: -nope"},
		{args: []string{"-p", "x"}, want: `invalid value "x" for flag -p`},
		{args: []string{"extra"}, want: `unexpected argument "extra"`},
		{args: []string{"-c", bad}, want: bad + `:2:1: unknown field "bogus"`},
		{args: []string{"-c", bad + ".missing"}, want: "error opening config file"},
		{args: []string{"--routes", "nats-route://127.0.0.1:6223"}, want: "solicited routes require cluster capabilities, e.g. --cluster"},
		{args: []string{"--routes", "127.0.0.1"}, want: `error parsing route url ["127.0.0.1"]`},
		{args: []string{"--cluster", "not a url"}, want: `could not parse cluster URL "not a url"`},
		{args: []string{"--cluster", "nats://127.0.0.1:x"}, want: "could not parse cluster URL"},
		{args: []string{"-sl", "bogus"}, want: `unknown signal "bogus": expected one of stop, quit, term, reopen, reload, ldm`},
		{args: []string{"-m", "8222", "-ms", "8223"}, want: "can't specify both HTTP (8222) and HTTPs (8223) ports"},
		{args: []string{"-n", "a b"}, want: "server name cannot contain spaces"},
		{args: []string{"--cluster_name", "a b"}, want: "cluster name cannot contain spaces or new lines"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			_, _, err := configure(t, tc.args...)
			wantErr(t, err, tc.want)
		})
	}
}

func TestRoutesFlagWithClusterFromFile(t *testing.T) {
	path := writeConf(t, "cluster { listen: 127.0.0.1:-1 }")
	o, _ := mustConfigure(t, "-c", path, "--routes", "nats-route://127.0.0.1:6223")
	if len(o.Cluster.Routes) != 1 || o.Cluster.Routes[0].Host != "127.0.0.1:6223" {
		t.Fatalf("routes %v", o.Cluster.Routes)
	}
}

func TestReloadConfigKeepsFlags(t *testing.T) {
	path := writeConf(t, "port: 4333\nmax_payload: 1000\n")
	o, _ := mustConfigure(t, "-c", path, "-p", "4444", "-D")
	if err := os.WriteFile(path, []byte("port: 4555\nmax_payload: 2000\ndebug: false\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	next, err := o.ReloadConfig()
	if err != nil {
		t.Fatal(err)
	}
	if next.Port != 4444 || !next.Debug || next.MaxPayload != 2000 || next.ConfigFile != path {
		t.Fatalf("reloaded port %d debug %v max_payload %d file %q", next.Port, next.Debug, next.MaxPayload, next.ConfigFile)
	}
	changed, err := Diff(o, next)
	if err != nil || len(changed) != 1 || changed[0] != "max_payload" {
		t.Fatalf("Diff: %q %v", changed, err)
	}
	if err := os.WriteFile(path, []byte("bogus: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = o.ReloadConfig()
	wantErr(t, err, filepath.Base(path)+`:1:1: unknown field "bogus"`)
}

func TestUsage(t *testing.T) {
	fs := flag.NewFlagSet("evnats", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if _, _, err := Configure(fs, []string{"-h"}); err != nil {
		t.Fatal(err)
	}
	fs.Bool("extra", false, "an extra flag")
	u := Usage(fs)
	last := -1
	for _, g := range append(flagGroups, "Other Options") {
		i := strings.Index(u, "\n"+g+":\n")
		if i < 0 || i < last {
			t.Fatalf("group %q missing or out of order in:\n%s", g, u)
		}
		last = i
	}
	fs.VisitAll(func(f *flag.Flag) {
		if !strings.Contains(u, "-"+f.Name+" ") && !strings.Contains(u, "-"+f.Name+",") && !strings.Contains(u, "-"+f.Name+"\n") {
			t.Errorf("flag %s is not in the usage", f.Name)
		}
	})
	for _, line := range []string{
		"-a, --addr, --net <host>", "(default: 0.0.0.0)", "-p, --port <port>", "(default: 4222)",
		"-T, --logtime", "(default: true)", "--cluster, --cluster_listen <cluster-url>", "-sl, --signal <signal>[=<pid>]",
		"--extra", "an extra flag", "--loops <n>", "--reuse_port",
	} {
		if !strings.Contains(u, line) {
			t.Errorf("usage lacks %q", line)
		}
	}
	if strings.Contains(u, "(default: false)") || strings.Contains(u, "(default: 0)") {
		t.Error("zero defaults are shown")
	}
}

func TestActionString(t *testing.T) {
	for a, want := range map[Action]string{ActionRun: "run", ActionShowVersion: "version", ActionShowHelp: "help",
		ActionShowHelpTLS: "help_tls", ActionCheckConfig: "check_config", ActionSignal: "signal", Action(42): "Action(42)"} {
		if a.String() != want {
			t.Errorf("%d: %q", a, a.String())
		}
	}
}
