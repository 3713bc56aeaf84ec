package options

import (
	"errors"
	"flag"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/evnats/evnats/tlsengine"
)

// cliValues receives the raw flag values; Configure applies the flags that were
// given on top of the configuration file.
type cliValues struct {
	host, name, pidFile, config, signal, clientAdvertise string
	port, httpPort, httpsPort                            int
	checkConfig                                          bool

	logFile                                        string
	logtime, logtimeUTC, debug, trace, vv, dv, dvv bool

	user, pass, token string

	tls                        bool
	tlsCert, tlsKey, tlsCACert string
	tlsVerify                  verifyFlag
	helpTLS                    bool

	routes, clusterListen, clusterName, clusterAdvertise string
	noAdvertise                                          bool
	connectRetries                                       int

	help, version bool

	loops     int
	reusePort bool
}

// Flag groups, in the order Usage prints them.
const (
	groupServer  = "Server Options"
	groupLogging = "Logging Options"
	groupAuth    = "Authorization Options"
	groupTLS     = "TLS Options"
	groupCluster = "Cluster Options"
	groupCommon  = "Common Options"
	groupEvnats  = "evnats Options"
)

var flagGroups = []string{groupServer, groupLogging, groupAuth, groupTLS, groupCluster, groupCommon, groupEvnats}

// flagDef is one flag and its aliases: the single source from which Configure
// defines flags and Usage prints help.
type flagDef struct {
	names []string // as shown in help, with their dashes; all bound to one value
	group string
	arg   string // placeholder of the value in help; empty for booleans
	usage string
	bind  func(fs *flag.FlagSet, name, usage string, v *cliValues)
	// apply copies the value into the options when the flag was given; nil for
	// flags that select a command or are handled as a group (TLS, -c).
	apply func(o *Options, v *cliValues) error
}

func bindString(field func(*cliValues) *string, def string) func(*flag.FlagSet, string, string, *cliValues) {
	return func(fs *flag.FlagSet, name, usage string, v *cliValues) { fs.StringVar(field(v), name, def, usage) }
}

func bindInt(field func(*cliValues) *int, def int) func(*flag.FlagSet, string, string, *cliValues) {
	return func(fs *flag.FlagSet, name, usage string, v *cliValues) { fs.IntVar(field(v), name, def, usage) }
}

func bindBool(field func(*cliValues) *bool, def bool) func(*flag.FlagSet, string, string, *cliValues) {
	return func(fs *flag.FlagSet, name, usage string, v *cliValues) { fs.BoolVar(field(v), name, def, usage) }
}

// flagDefs lists every flag, in help order within its group.
var flagDefs = []flagDef{
	{names: []string{"-a", "--addr", "--net"}, group: groupServer, arg: "<host>", usage: "Bind to host address",
		bind:  bindString(func(v *cliValues) *string { return &v.host }, DefaultHost),
		apply: func(o *Options, v *cliValues) error { o.Host = v.host; return nil }},
	{names: []string{"-p", "--port"}, group: groupServer, arg: "<port>", usage: "Use port for clients",
		bind:  bindInt(func(v *cliValues) *int { return &v.port }, DefaultPort),
		apply: func(o *Options, v *cliValues) error { o.Port = v.port; return nil }},
	{names: []string{"-n", "--name", "--server_name"}, group: groupServer, arg: "<server_name>", usage: "Server name (default: the server ID)",
		bind:  bindString(func(v *cliValues) *string { return &v.name }, ""),
		apply: func(o *Options, v *cliValues) error { o.ServerName = v.name; return nil }},
	{names: []string{"-P", "--pid"}, group: groupServer, arg: "<file>", usage: "File to store the process ID",
		bind:  bindString(func(v *cliValues) *string { return &v.pidFile }, ""),
		apply: func(o *Options, v *cliValues) error { o.PidFile = v.pidFile; return nil }},
	{names: []string{"-m", "--http_port"}, group: groupServer, arg: "<port>", usage: "Use port for http monitoring",
		bind:  bindInt(func(v *cliValues) *int { return &v.httpPort }, 0),
		apply: func(o *Options, v *cliValues) error { o.HTTPPort = v.httpPort; return nil }},
	{names: []string{"-ms", "--https_port"}, group: groupServer, arg: "<port>", usage: "Use port for https monitoring",
		bind:  bindInt(func(v *cliValues) *int { return &v.httpsPort }, 0),
		apply: func(o *Options, v *cliValues) error { o.HTTPSPort = v.httpsPort; return nil }},
	{names: []string{"-c", "--config"}, group: groupServer, arg: "<file>", usage: "Configuration file",
		bind: bindString(func(v *cliValues) *string { return &v.config }, "")},
	{names: []string{"-t"}, group: groupServer, usage: "Test configuration and exit",
		bind: bindBool(func(v *cliValues) *bool { return &v.checkConfig }, false)},
	{names: []string{"-sl", "--signal"}, group: groupServer, arg: "<signal>[=<pid>]",
		usage: "Send signal to evnats process (ldm, stop, quit, term, reopen, reload); <pid> is a process ID or the path to a PID file",
		bind:  bindString(func(v *cliValues) *string { return &v.signal }, "")},
	{names: []string{"--client_advertise"}, group: groupServer, arg: "<string>", usage: "Client URL to advertise to other servers",
		bind:  bindString(func(v *cliValues) *string { return &v.clientAdvertise }, ""),
		apply: func(o *Options, v *cliValues) error { o.ClientAdvertise = v.clientAdvertise; return nil }},

	{names: []string{"-l", "--log"}, group: groupLogging, arg: "<file>", usage: "File to redirect log output",
		bind:  bindString(func(v *cliValues) *string { return &v.logFile }, ""),
		apply: func(o *Options, v *cliValues) error { o.LogFile = v.logFile; return nil }},
	{names: []string{"-T", "--logtime"}, group: groupLogging, usage: "Timestamp log entries",
		bind:  bindBool(func(v *cliValues) *bool { return &v.logtime }, true),
		apply: func(o *Options, v *cliValues) error { o.Logtime = v.logtime; return nil }},
	{names: []string{"--logtime_utc"}, group: groupLogging, usage: "Timestamps in UTC instead of the local timezone",
		bind:  bindBool(func(v *cliValues) *bool { return &v.logtimeUTC }, false),
		apply: func(o *Options, v *cliValues) error { o.LogtimeUTC = v.logtimeUTC; return nil }},
	{names: []string{"-D", "--debug"}, group: groupLogging, usage: "Enable debugging output",
		bind:  bindBool(func(v *cliValues) *bool { return &v.debug }, false),
		apply: func(o *Options, v *cliValues) error { o.Debug = v.debug; return nil }},
	{names: []string{"-V", "--trace"}, group: groupLogging, usage: "Trace the raw protocol",
		bind:  bindBool(func(v *cliValues) *bool { return &v.trace }, false),
		apply: func(o *Options, v *cliValues) error { o.Trace = v.trace; return nil }},
	{names: []string{"-VV"}, group: groupLogging, usage: "Verbose trace (message payloads too)",
		bind: bindBool(func(v *cliValues) *bool { return &v.vv }, false),
		apply: func(o *Options, v *cliValues) error {
			o.Trace, o.TraceVerbose = v.vv, v.vv
			return nil
		}},
	{names: []string{"-DV"}, group: groupLogging, usage: "Debug and trace",
		bind: bindBool(func(v *cliValues) *bool { return &v.dv }, false),
		apply: func(o *Options, v *cliValues) error {
			o.Debug, o.Trace = v.dv, v.dv
			return nil
		}},
	{names: []string{"-DVV"}, group: groupLogging, usage: "Debug and verbose trace",
		bind: bindBool(func(v *cliValues) *bool { return &v.dvv }, false),
		apply: func(o *Options, v *cliValues) error {
			o.Debug, o.Trace, o.TraceVerbose = v.dvv, v.dvv, v.dvv
			return nil
		}},

	{names: []string{"--user"}, group: groupAuth, arg: "<user>", usage: "User required for connections",
		bind:  bindString(func(v *cliValues) *string { return &v.user }, ""),
		apply: func(o *Options, v *cliValues) error { o.Auth.Username = v.user; return nil }},
	{names: []string{"--pass"}, group: groupAuth, arg: "<password>", usage: "Password required for connections",
		bind:  bindString(func(v *cliValues) *string { return &v.pass }, ""),
		apply: func(o *Options, v *cliValues) error { o.Auth.Password = v.pass; return nil }},
	{names: []string{"--auth"}, group: groupAuth, arg: "<token>", usage: "Authorization token required for connections",
		bind:  bindString(func(v *cliValues) *string { return &v.token }, ""),
		apply: func(o *Options, v *cliValues) error { o.Auth.Token = v.token; return nil }},

	{names: []string{"--tls"}, group: groupTLS, usage: "Enable TLS, do not verify clients",
		bind: bindBool(func(v *cliValues) *bool { return &v.tls }, false)},
	{names: []string{"--tlscert"}, group: groupTLS, arg: "<file>", usage: "Server certificate file",
		bind: bindString(func(v *cliValues) *string { return &v.tlsCert }, "")},
	{names: []string{"--tlskey"}, group: groupTLS, arg: "<file>", usage: "Private key for server certificate",
		bind: bindString(func(v *cliValues) *string { return &v.tlsKey }, "")},
	{names: []string{"--tlsverify"}, group: groupTLS, usage: "Enable TLS, verify client certificates (=optional: only those given)",
		bind: func(fs *flag.FlagSet, name, usage string, v *cliValues) { fs.Var(&v.tlsVerify, name, usage) }},
	{names: []string{"--tlscacert"}, group: groupTLS, arg: "<file>", usage: "Client certificate CA for verification",
		bind: bindString(func(v *cliValues) *string { return &v.tlsCACert }, "")},
	{names: []string{"--help_tls"}, group: groupTLS, usage: "TLS help: accepted cipher suites and curves",
		bind: bindBool(func(v *cliValues) *bool { return &v.helpTLS }, false)},

	{names: []string{"--routes"}, group: groupCluster, arg: "<rurl-1, rurl-2>", usage: "Routes to solicit and connect",
		bind:  bindString(func(v *cliValues) *string { return &v.routes }, ""),
		apply: applyRoutes},
	{names: []string{"--cluster", "--cluster_listen"}, group: groupCluster, arg: "<cluster-url>",
		usage: "Cluster URL for solicited routes: nats://[user:pass@]host:port (port -1: random)",
		bind:  bindString(func(v *cliValues) *string { return &v.clusterListen }, ""),
		apply: applyClusterListen},
	{names: []string{"--cluster_name"}, group: groupCluster, arg: "<string>", usage: "Cluster name",
		bind:  bindString(func(v *cliValues) *string { return &v.clusterName }, ""),
		apply: func(o *Options, v *cliValues) error { o.Cluster.Name = v.clusterName; return nil }},
	{names: []string{"--no_advertise"}, group: groupCluster, usage: "Do not advertise known cluster information to clients",
		bind:  bindBool(func(v *cliValues) *bool { return &v.noAdvertise }, false),
		apply: func(o *Options, v *cliValues) error { o.Cluster.NoAdvertise = v.noAdvertise; return nil }},
	{names: []string{"--cluster_advertise"}, group: groupCluster, arg: "<string>", usage: "Cluster URL to advertise to other servers",
		bind:  bindString(func(v *cliValues) *string { return &v.clusterAdvertise }, ""),
		apply: func(o *Options, v *cliValues) error { o.Cluster.Advertise = v.clusterAdvertise; return nil }},
	{names: []string{"--connect_retries"}, group: groupCluster, arg: "<number>", usage: "For implicit routes, number of connect retries",
		bind:  bindInt(func(v *cliValues) *int { return &v.connectRetries }, 0),
		apply: func(o *Options, v *cliValues) error { o.Cluster.ConnectRetries = v.connectRetries; return nil }},

	{names: []string{"-h", "--help"}, group: groupCommon, usage: "Show this message",
		bind: bindBool(func(v *cliValues) *bool { return &v.help }, false)},
	{names: []string{"-v", "--version"}, group: groupCommon, usage: "Show version",
		bind: bindBool(func(v *cliValues) *bool { return &v.version }, false)},

	{names: []string{"--loops"}, group: groupEvnats, arg: "<n>", usage: "Number of event loops (default: GOMAXPROCS)",
		bind:  bindInt(func(v *cliValues) *int { return &v.loops }, 0),
		apply: func(o *Options, v *cliValues) error { o.Loops = v.loops; return nil }},
	{names: []string{"--reuse_port"}, group: groupEvnats, usage: "Give each event loop its own listening socket (SO_REUSEPORT)",
		bind:  bindBool(func(v *cliValues) *bool { return &v.reusePort }, false),
		apply: func(o *Options, v *cliValues) error { o.ReusePort = v.reusePort; return nil }},
}

// tlsFlagNames are the flags that replace the configuration file's TLS block.
var tlsFlagNames = []string{"tls", "tlscert", "tlskey", "tlsverify", "tlscacert"}

func flagName(display string) string { return strings.TrimLeft(display, "-") }

// verifyFlag is --tlsverify: a boolean flag that also takes "optional".
type verifyFlag struct{ mode tlsengine.VerifyMode }

func (f *verifyFlag) String() string {
	switch f.mode {
	case tlsengine.VerifyOptional:
		return "optional"
	case tlsengine.VerifyNone:
		return "false"
	}
	return "true"
}

func (f *verifyFlag) Set(s string) error {
	if strings.EqualFold(s, "optional") {
		f.mode = tlsengine.VerifyOptional
		return nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return errors.New(`expected true, false or optional`)
	}
	f.mode = tlsengine.VerifyNone
	if b {
		f.mode = tlsengine.VerifyRequired
	}
	return nil
}

func (f *verifyFlag) IsBoolFlag() bool { return true }

// Configure defines nats-server's flags (and evnats's) on fs, parses args, loads
// the -c configuration file if given, and lets every flag that was given override
// the file. It returns the validated options and what the program should do. For
// -h, -v and --help_tls it returns the defaults and the command without reading
// any file. fs must be fresh: Configure defines its flags. If fs.Usage is nil it
// is set to print Usage(fs).
func Configure(fs *flag.FlagSet, args []string) (*Options, *Command, error) {
	v := &cliValues{}
	for _, d := range flagDefs {
		for _, name := range d.names {
			d.bind(fs, flagName(name), d.usage, v)
		}
	}
	if fs.Usage == nil {
		fs.Usage = func() { fmt.Fprint(fs.Output(), Usage(fs)) }
	}
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
	}
	if fs.NArg() > 0 {
		return nil, nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	switch {
	case v.help:
		return Default(), &Command{Action: ActionShowHelp}, nil
	case v.version:
		return Default(), &Command{Action: ActionShowVersion}, nil
	case v.helpTLS:
		return Default(), &Command{Action: ActionShowHelpTLS}, nil
	}

	o := Default()
	if v.config != "" {
		if err := o.ProcessConfigFile(v.config); err != nil {
			return nil, nil, err
		}
	}
	given := make(map[string]bool)
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	if err := applyFlags(o, v, given); err != nil {
		return nil, nil, err
	}
	o.flags = &flagSnapshot{values: *v, given: given}
	o.applyBaseline()
	if err := o.Validate(); err != nil {
		return nil, nil, err
	}

	cmd := &Command{Action: ActionRun}
	switch {
	case v.signal != "":
		sig, err := parseSignal(v.signal)
		if err != nil {
			return nil, nil, err
		}
		if sig.SignalTarget == "" {
			sig.SignalTarget = o.PidFile
		}
		cmd = sig
	case v.checkConfig:
		cmd.Action = ActionCheckConfig
	}
	return o, cmd, nil
}

// flagSnapshot is what Configure parsed from the command line.
type flagSnapshot struct {
	values cliValues
	given  map[string]bool
}

// ReloadConfig is what a reload (SIGHUP) loads: the defaults, o.ConfigFile read
// again, and the command-line flags that Configure applied to o, which still
// override the file. The result is validated; compare it with Diff. TLS files
// are loaded again, so renewed certificates are checked. o is not modified.
func (o *Options) ReloadConfig() (*Options, error) {
	n := Default()
	if o.ConfigFile != "" {
		if err := n.ProcessConfigFile(o.ConfigFile); err != nil {
			return nil, err
		}
	}
	if o.flags != nil {
		v := o.flags.values
		if err := applyFlags(n, &v, o.flags.given); err != nil {
			return nil, err
		}
		n.flags = o.flags
	}
	n.applyBaseline()
	if err := n.Validate(); err != nil {
		return nil, err
	}
	return n, nil
}

// applyFlags applies, in flagDefs order, every flag that was given.
func applyFlags(o *Options, v *cliValues, given map[string]bool) error {
	for _, d := range flagDefs {
		if d.apply == nil || !anyGiven(d.names, given) {
			continue
		}
		if err := d.apply(o, v); err != nil {
			return err
		}
	}
	tlsGiven := false
	for _, name := range tlsFlagNames {
		tlsGiven = tlsGiven || given[name]
	}
	if tlsGiven {
		if err := overrideTLS(o, v, given); err != nil {
			return err
		}
	}
	if given["routes"] && o.Cluster.Port == 0 && o.Cluster.Host == "" {
		return errors.New(errRoutesNeedCluster)
	}
	return nil
}

func anyGiven(names []string, given map[string]bool) bool {
	for _, n := range names {
		if given[flagName(n)] {
			return true
		}
	}
	return false
}

// overrideTLS replaces the file's TLS block with the --tls* flags, as nats-server
// does: certificate and key are then required, ciphers and curves are the
// defaults. --tls=false turns TLS off.
func overrideTLS(o *Options, v *cliValues, given map[string]bool) error {
	if given["tls"] && !v.tls {
		o.TLS = nil
		return nil
	}
	cfg := &tlsengine.Config{CertFile: v.tlsCert, KeyFile: v.tlsKey, CAFile: v.tlsCACert, Verify: v.tlsVerify.mode}
	if cfg.CertFile == "" {
		return errors.New("TLS Server certificate must be present and valid")
	}
	if cfg.KeyFile == "" {
		return errors.New("TLS Server private key must be present and valid")
	}
	if err := checkTLSFiles(cfg); err != nil {
		return err
	}
	o.TLS = cfg
	return nil
}

// applyRoutes sets the routes from a comma-separated list of URLs.
func applyRoutes(o *Options, v *cliValues) error {
	var routes []*url.URL
	for _, s := range strings.Split(v.routes, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		u, err := parseRouteURL(s)
		if err != nil {
			return err
		}
		routes = append(routes, u)
	}
	o.Cluster.Routes = routes
	return nil
}

// applyClusterListen sets the cluster listener from nats://[user:pass@]host:port;
// the user and password become the routes' credentials. It is parsed by hand as
// url.Parse refuses the random port -1.
func applyClusterListen(o *Options, v *cliValues) error {
	bad := func(why string) error {
		return fmt.Errorf("could not parse cluster URL %q: %s", v.clusterListen, why)
	}
	_, rest, ok := strings.Cut(v.clusterListen, "://")
	if !ok {
		return bad("expected nats://[user:pass@]host:port")
	}
	var user, pass string
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		var err error
		u, p, _ := strings.Cut(rest[:at], ":")
		if user, err = url.PathUnescape(u); err != nil {
			return bad(err.Error())
		}
		if pass, err = url.PathUnescape(p); err != nil {
			return bad(err.Error())
		}
		rest = rest[at+1:]
	}
	host, port, err := splitHostPort(strings.TrimSuffix(rest, "/"))
	if err != nil {
		return bad(err.Error())
	}
	o.Cluster.Host, o.Cluster.Port = host, port
	if user != "" || pass != "" {
		o.Cluster.Auth.Username, o.Cluster.Auth.Password = user, pass
	}
	return nil
}
