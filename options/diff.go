package options

import (
	"fmt"
	"net/url"
	"reflect"
)

// option is one thing Diff compares: its name as the config file writes it,
// whether a running server can take a new value, and how to read it.
type option struct {
	name       string
	reloadable bool
	get        func(o *Options) any
}

// reloadOptions lists, in the order Diff reports them, everything a reload can compare.
// What nats-server v2.15 cannot reload is not reloadable here either; evnats adds
// loops and reuse_port, which shape the listeners.
var reloadOptions = []option{
	{name: "host", get: func(o *Options) any { return o.Host }},
	{name: "port", get: func(o *Options) any { return o.Port }},
	{name: "server_name", get: func(o *Options) any { return o.ServerName }},
	{name: "client_advertise", reloadable: true, get: func(o *Options) any { return o.ClientAdvertise }},
	{name: "http_host", get: func(o *Options) any { return o.HTTPHost }},
	{name: "http_port", get: func(o *Options) any { return o.HTTPPort }},
	{name: "https_port", get: func(o *Options) any { return o.HTTPSPort }},
	{name: "http_base_path", get: func(o *Options) any { return o.HTTPBasePath }},
	{name: "loops", get: func(o *Options) any { return o.Loops }},
	{name: "reuse_port", get: func(o *Options) any { return o.ReusePort }},
	{name: "allow_non_tls", get: func(o *Options) any { return o.AllowNonTLS }},
	{name: "no_header_support", get: func(o *Options) any { return o.NoHeaderSupport }},
	{name: "max_pending", get: func(o *Options) any { return o.MaxPending }},
	{name: "max_subscriptions", get: func(o *Options) any { return o.MaxSubscriptions }},
	{name: "max_closed_clients", get: func(o *Options) any { return o.MaxClosedClients }},
	{name: "cluster.name", get: func(o *Options) any { return o.Cluster.Name }},
	{name: "cluster.host", get: func(o *Options) any { return o.Cluster.Host }},
	{name: "cluster.port", get: func(o *Options) any { return o.Cluster.Port }},
	{name: "cluster.pool_size", get: func(o *Options) any { return o.Cluster.PoolSize }},

	{name: "max_payload", reloadable: true, get: func(o *Options) any { return o.MaxPayload }},
	{name: "max_control_line", reloadable: true, get: func(o *Options) any { return o.MaxControlLine }},
	{name: "max_connections", reloadable: true, get: func(o *Options) any { return o.MaxConnections }},
	{name: "ping_interval", reloadable: true, get: func(o *Options) any { return o.PingInterval }},
	{name: "ping_max", reloadable: true, get: func(o *Options) any { return o.PingMax }},
	{name: "write_deadline", reloadable: true, get: func(o *Options) any { return o.WriteDeadline }},
	{name: "debug", reloadable: true, get: func(o *Options) any { return o.Debug }},
	{name: "trace", reloadable: true, get: func(o *Options) any { return o.Trace }},
	{name: "trace_verbose", reloadable: true, get: func(o *Options) any { return o.TraceVerbose }},
	{name: "logtime", reloadable: true, get: func(o *Options) any { return o.Logtime }},
	{name: "logtime_utc", reloadable: true, get: func(o *Options) any { return o.LogtimeUTC }},
	{name: "logfile", reloadable: true, get: func(o *Options) any { return o.LogFile }},
	{name: "pidfile", reloadable: true, get: func(o *Options) any { return o.PidFile }},
	{name: "lame_duck_duration", reloadable: true, get: func(o *Options) any { return o.LameDuckDuration }},
	{name: "lame_duck_grace_period", reloadable: true, get: func(o *Options) any { return o.LameDuckGracePeriod }},
	{name: "tls", reloadable: true, get: func(o *Options) any { return o.TLS }},
	{name: "authorization", reloadable: true, get: func(o *Options) any { return o.Auth }},
	{name: "cluster.advertise", reloadable: true, get: func(o *Options) any { return o.Cluster.Advertise }},
	{name: "cluster.no_advertise", reloadable: true, get: func(o *Options) any { return o.Cluster.NoAdvertise }},
	{name: "cluster.routes", reloadable: true, get: func(o *Options) any { return routeStrings(o.Cluster.Routes) }},
	{name: "cluster.connect_retries", reloadable: true, get: func(o *Options) any { return o.Cluster.ConnectRetries }},
	{name: "cluster.authorization", reloadable: true, get: func(o *Options) any { return o.Cluster.Auth }},
	{name: "cluster.tls", reloadable: true, get: func(o *Options) any { return o.Cluster.TLS }},
	{name: "cluster.compression", reloadable: true, get: func(o *Options) any { return o.Cluster.Compression }},
	{name: "cluster.ping_interval", reloadable: true, get: func(o *Options) any { return o.Cluster.PingInterval }},
	{name: "cluster.ping_max", reloadable: true, get: func(o *Options) any { return o.Cluster.PingMax }},
	{name: "cluster.write_deadline", reloadable: true, get: func(o *Options) any { return o.Cluster.WriteDeadline }},
}

func routeStrings(routes []*url.URL) []string {
	out := make([]string, len(routes))
	for i, u := range routes {
		out[i] = u.String()
	}
	return out
}

// Diff compares the running options with reloaded ones and returns the names of
// the options that changed ("max_payload", "tls", "cluster.routes", ...), in a
// fixed order. If one of them cannot change while the server runs, err names the
// first such option ("config reload not supported for port: old=4222,
// new=4223") and the reload must be refused. ConfigFile and Warnings are not
// compared. Diff only reads its arguments.
func Diff(old, new *Options) (changed []string, err error) {
	for _, opt := range reloadOptions {
		a, b := opt.get(old), opt.get(new)
		if reflect.DeepEqual(a, b) {
			continue
		}
		changed = append(changed, opt.name)
		if !opt.reloadable && err == nil {
			err = fmt.Errorf("config reload not supported for %s: old=%v, new=%v", opt.name, show(a), show(b))
		}
	}
	return changed, err
}

// show formats a value for Diff's error.
func show(v any) any {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return v
}
