package options

import (
	"errors"
	"math"
	"slices"
	"time"

	"github.com/evnats/evnats/conf"
	"github.com/evnats/evnats/tlsengine"
)

// ProcessConfigFile returns the defaults overlaid with the configuration file at
// path. Every problem in the file is reported, each as "file:line:col: message",
// joined into one error. Cross-option checks are left to Validate, which
// Configure runs after applying flags.
func ProcessConfigFile(path string) (*Options, error) {
	o := Default()
	if err := o.ProcessConfigFile(path); err != nil {
		return nil, err
	}
	return o, nil
}

// ProcessConfigFile overlays o with the configuration file at path and records
// path in o.ConfigFile. On error o may be partly updated.
func (o *Options) ProcessConfigFile(path string) error {
	doc, err := conf.ParseFileWithPositions(path)
	if err != nil {
		return err
	}
	o.ConfigFile = path
	return o.applyDocument(doc, checkTLSFiles)
}

// applyDocument applies a parsed configuration to o; loadTLS checks the files of
// each TLS block.
func (o *Options) applyDocument(doc *conf.Document, loadTLS func(*tlsengine.Config) error) error {
	p := &fileParser{o: o, loadTLS: loadTLS}
	for _, e := range doc.Root.Entries() {
		h, ok := topLevel[lower(e)]
		switch {
		case ok:
			h(p, e)
		case slices.Contains(unsupportedTopLevel, lower(e)):
			p.unsupported(e)
		case slices.Contains(ignoredTopLevel, lower(e)):
			p.ignored(e)
		default:
			p.unknown(e, "")
		}
	}
	o.Warnings = append(o.Warnings, p.warns...)
	o.applyBaseline()
	return errors.Join(p.errs...)
}

// handler applies one key of a block to the options.
type handler func(p *fileParser, e *conf.Entry)

// topLevel holds every top-level key evnats implements, aliases included, in
// lower case.
var topLevel map[string]handler

func init() {
	topLevel = map[string]handler{
		"listen": func(p *fileParser, e *conf.Entry) {
			if host, port, ok := p.listen(e); ok {
				if host != "" {
					p.o.Host = host
				}
				p.o.Port = port
			}
		},
		"host":             setString(func(o *Options) *string { return &o.Host }),
		"net":              setString(func(o *Options) *string { return &o.Host }),
		"port":             setPort(func(o *Options) *int { return &o.Port }),
		"client_advertise": setString(func(o *Options) *string { return &o.ClientAdvertise }),
		"server_name":      setString(func(o *Options) *string { return &o.ServerName }),
		"http":             setMonitorListen(func(o *Options) *int { return &o.HTTPPort }),
		"https":            setMonitorListen(func(o *Options) *int { return &o.HTTPSPort }),
		"http_port":        setPort(func(o *Options) *int { return &o.HTTPPort }),
		"monitor_port":     setPort(func(o *Options) *int { return &o.HTTPPort }),
		"https_port":       setPort(func(o *Options) *int { return &o.HTTPSPort }),
		"http_base_path":   setString(func(o *Options) *string { return &o.HTTPBasePath }),
		"max_payload": func(p *fileParser, e *conf.Entry) {
			if v, ok := p.intIn(e, 0, math.MaxInt32); ok {
				p.o.MaxPayload = v
			}
		},
		"max_connections":    setMaxConnections,
		"max_conn":           setMaxConnections,
		"max_control_line":   setCount(func(o *Options) *int { return &o.MaxControlLine }),
		"max_subscriptions":  setCount(func(o *Options) *int { return &o.MaxSubscriptions }),
		"max_subs":           setCount(func(o *Options) *int { return &o.MaxSubscriptions }),
		"max_closed_clients": setCount(func(o *Options) *int { return &o.MaxClosedClients }),
		"max_pending": func(p *fileParser, e *conf.Entry) {
			if v, ok := p.int64Of(e); ok {
				if v < 0 {
					p.fail(e.Value.Pos, "%q must not be negative", e.Key)
					return
				}
				p.o.MaxPending = v
			}
		},
		"ping_interval":          setDuration(true, func(o *Options) *time.Duration { return &o.PingInterval }),
		"ping_max":               setCount(func(o *Options) *int { return &o.PingMax }),
		"write_deadline":         setDuration(true, func(o *Options) *time.Duration { return &o.WriteDeadline }),
		"lame_duck_duration":     setDuration(false, func(o *Options) *time.Duration { return &o.LameDuckDuration }),
		"lame_duck_grace_period": setDuration(false, func(o *Options) *time.Duration { return &o.LameDuckGracePeriod }),
		"debug":                  setBool(func(o *Options) *bool { return &o.Debug }),
		"trace":                  setBool(func(o *Options) *bool { return &o.Trace }),
		"trace_verbose": func(p *fileParser, e *conf.Entry) {
			if v, ok := p.boolean(e); ok {
				p.o.TraceVerbose = v
				if v {
					p.o.Trace = true
				}
			}
		},
		"logtime":           setBool(func(o *Options) *bool { return &o.Logtime }),
		"logtime_utc":       setBool(func(o *Options) *bool { return &o.LogtimeUTC }),
		"logfile":           setString(func(o *Options) *string { return &o.LogFile }),
		"log_file":          setString(func(o *Options) *string { return &o.LogFile }),
		"pidfile":           setString(func(o *Options) *string { return &o.PidFile }),
		"pid_file":          setString(func(o *Options) *string { return &o.PidFile }),
		"allow_non_tls":     setBool(func(o *Options) *bool { return &o.AllowNonTLS }),
		"no_header_support": setBool(func(o *Options) *bool { return &o.NoHeaderSupport }),
		"loops": func(p *fileParser, e *conf.Entry) {
			if v, ok := p.intIn(e, 0, 1<<16); ok {
				p.o.Loops = v
			}
		},
		"reuse_port":    setBool(func(o *Options) *bool { return &o.ReusePort }),
		"tls":           parseClientTLS,
		"authorization": parseAuthorization,
		"cluster":       parseCluster,
	}
}

// unsupportedTopLevel are nats-server keys for features evnats does not have;
// they are errors rather than silently ignored settings.
var unsupportedTopLevel = []string{
	"jetstream", "store_dir", "accounts", "system_account", "no_system_account", "operator", "operators",
	"resolver", "resolver_preload", "resolver_pinned_accounts", "trusted", "trusted_keys", "leafnodes", "leaf",
	"gateway", "websocket", "ws", "mqtt", "syslog", "remote_syslog", "ports_file_dir", "prof_port",
	"no_auth_user", "max_sub_tokens", "write_timeout", "proxy_protocol", "proxies", "ocsp", "ocsp_cache",
	"server_tags", "server_metadata", "default_js_domain", "disable_sublist_cache", "no_sublist_cache", "nkey",
	"nkeys", "users", "token", "mappings", "authorization_callout", "tpm", "no_fast_producer_stall",
	"first_info_timeout", "trace_headers",
}

// ignoredTopLevel are logging knobs of nats-server that evnats accepts and ignores
// (with a warning), since they cannot change how the server behaves.
var ignoredTopLevel = []string{
	"log_size_limit", "logfile_size_limit", "log_max_num", "logfile_max_num", "max_traced_msg_len",
	"connect_error_reports", "reconnect_error_reports",
}

func setString(field func(*Options) *string) handler {
	return func(p *fileParser, e *conf.Entry) {
		if v, ok := p.str(e); ok {
			*field(p.o) = v
		}
	}
}

func setBool(field func(*Options) *bool) handler {
	return func(p *fileParser, e *conf.Entry) {
		if v, ok := p.boolean(e); ok {
			*field(p.o) = v
		}
	}
}

func setPort(field func(*Options) *int) handler {
	return func(p *fileParser, e *conf.Entry) {
		if v, ok := p.port(e); ok {
			*field(p.o) = v
		}
	}
}

func setCount(field func(*Options) *int) handler {
	return func(p *fileParser, e *conf.Entry) {
		if v, ok := p.count(e); ok {
			*field(p.o) = v
		}
	}
}

func setDuration(warnBare bool, field func(*Options) *time.Duration) handler {
	return func(p *fileParser, e *conf.Entry) {
		if v, ok := p.duration(e, warnBare); ok {
			*field(p.o) = v
		}
	}
}

// setMonitorListen handles http and https: "host:port" or a port.
func setMonitorListen(port func(*Options) *int) handler {
	return func(p *fileParser, e *conf.Entry) {
		if host, v, ok := p.listen(e); ok {
			if host != "" {
				p.o.HTTPHost = host
			}
			*port(p.o) = v
		}
	}
}

// setMaxConnections stores a configured 0 as -1 ("reject every client"), so that
// it is not mistaken for "unset", as nats-server does.
func setMaxConnections(p *fileParser, e *conf.Entry) {
	v, ok := p.intIn(e, -1, math.MaxInt32)
	if !ok {
		return
	}
	if v == 0 {
		v = -1
	}
	p.o.MaxConnections = v
}

// applyBaseline replaces zero values that mean "the default", as nats-server's
// setBaselineOptions does, so a configured 0 never disables a limit by accident.
func (o *Options) applyBaseline() {
	if o.MaxPayload == 0 {
		o.MaxPayload = DefaultMaxPayload
	}
	if o.MaxControlLine == 0 {
		o.MaxControlLine = DefaultMaxControlLine
	}
	if o.MaxPending == 0 {
		o.MaxPending = DefaultMaxPending
	}
	if o.MaxConnections == 0 {
		o.MaxConnections = DefaultMaxConnections
	}
	if o.PingInterval == 0 {
		o.PingInterval = DefaultPingInterval
	}
	if o.PingMax == 0 {
		o.PingMax = DefaultPingMax
	}
	if o.WriteDeadline == 0 {
		o.WriteDeadline = DefaultWriteDeadline
	}
	if o.MaxClosedClients == 0 {
		o.MaxClosedClients = DefaultMaxClosed
	}
	if o.LameDuckDuration == 0 {
		o.LameDuckDuration = DefaultLameDuckDuration
	}
	if o.LameDuckGracePeriod == 0 {
		o.LameDuckGracePeriod = DefaultLameDuckGracePeriod
	}
	if o.Cluster.PoolSize == 0 {
		o.Cluster.PoolSize = DefaultRoutePoolSize
	}
}
