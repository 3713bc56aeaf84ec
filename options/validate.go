package options

import (
	"crypto/tls"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/evnats/evnats/tlsengine"
)

// Texts of Validate's errors that nats-server has too.
const (
	errRoutesNeedCluster = "solicited routes require cluster capabilities, e.g. --cluster"
	errServerNameSpaces  = "server name cannot contain spaces"
	errClusterNameSpaces = "cluster name cannot contain spaces or new lines"
)

// minLameDuckDuration is the shortest lame duck duration nats-server accepts.
const minLameDuckDuration = 30 * time.Second

// Validate checks the options as a whole: limits, ports, TLS, authorization and
// cluster settings that no single key can check. It returns every problem found,
// joined. Zero limits count as their defaults, as when the server starts. It does
// not touch files (ProcessConfigFile and Configure load the TLS files) and does
// not modify o.
func (o *Options) Validate() error {
	c := *o
	c.applyBaseline()
	return c.validate()
}

func (o *Options) validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if strings.ContainsAny(o.ServerName, " \t\r\n") {
		add(errServerNameSpaces)
	}
	for _, p := range []struct {
		name string
		port int
	}{
		{name: "port", port: o.Port}, {name: "http_port", port: o.HTTPPort},
		{name: "https_port", port: o.HTTPSPort}, {name: "cluster port", port: o.Cluster.Port},
	} {
		if p.port < RandomPort || p.port > 65535 {
			add("%s %d is not a valid port (0 to 65535, or -1 for a random one)", p.name, p.port)
		}
	}
	if o.HTTPPort != 0 && o.HTTPSPort != 0 {
		add("can't specify both HTTP (%d) and HTTPs (%d) ports", o.HTTPPort, o.HTTPSPort)
	}
	if o.HTTPSPort != 0 && o.TLS == nil {
		add("https_port %d needs a tls {} block: the monitor serves the client certificate", o.HTTPSPort)
	}
	if o.MaxPayload <= 0 {
		add("max_payload must be positive, got %d", o.MaxPayload)
	}
	if int64(o.MaxPayload) > o.MaxPending {
		add("max_payload (%d) cannot be higher than max_pending (%d)", o.MaxPayload, o.MaxPending)
	}
	if o.MaxControlLine <= 0 {
		add("max_control_line must be positive, got %d", o.MaxControlLine)
	}
	for _, c := range []struct {
		name string
		v    int
	}{
		{name: "max_subscriptions", v: o.MaxSubscriptions}, {name: "ping_max", v: o.PingMax},
		{name: "max_closed_clients", v: o.MaxClosedClients}, {name: "loops", v: o.Loops},
		{name: "cluster connect_retries", v: o.Cluster.ConnectRetries}, {name: "cluster ping_max", v: o.Cluster.PingMax},
	} {
		if c.v < 0 {
			add("%s must not be negative, got %d", c.name, c.v)
		}
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{name: "ping_interval", v: o.PingInterval}, {name: "write_deadline", v: o.WriteDeadline},
	} {
		if d.v <= 0 {
			add("%s must be positive, got %v", d.name, d.v)
		}
	}
	if o.LameDuckDuration < minLameDuckDuration {
		add("invalid lame_duck_duration of %v, minimum is %v", o.LameDuckDuration, minLameDuckDuration)
	}
	if o.LameDuckGracePeriod < 0 || o.LameDuckGracePeriod >= o.LameDuckDuration {
		add("invalid lame_duck_grace_period of %v: must be at least 0 and less than lame_duck_duration (%v)", o.LameDuckGracePeriod, o.LameDuckDuration)
	}
	if o.TLS != nil {
		errs = append(errs, validateTLS("tls", o.TLS))
	}
	errs = append(errs, o.validateAuth(), o.validateCluster())
	return errors.Join(errs...)
}

func validateTLS(name string, cfg *tlsengine.Config) error {
	var errs []error
	if cfg.CertFile == "" {
		errs = append(errs, fmt.Errorf("%s: TLS Server certificate must be present and valid", name))
	}
	if cfg.KeyFile == "" {
		errs = append(errs, fmt.Errorf("%s: TLS Server private key must be present and valid", name))
	}
	switch cfg.MinVersion {
	case 0, tls.VersionTLS12, tls.VersionTLS13:
	default:
		errs = append(errs, fmt.Errorf("%s: unsupported minimum TLS version %#04x", name, cfg.MinVersion))
	}
	if cfg.Timeout < 0 {
		errs = append(errs, fmt.Errorf("%s: timeout must not be negative", name))
	}
	return errors.Join(errs...)
}

func (o *Options) validateAuth() error {
	a := &o.Auth
	var errs []error
	switch {
	case (a.Username != "" || a.Password != "") && a.Token != "":
		errs = append(errs, errors.New(errUserAndToken))
	case len(a.Users) > 0 && a.Username != "":
		errs = append(errs, errors.New(errUserAndUsers))
	case len(a.Users) > 0 && a.Token != "":
		errs = append(errs, errors.New(errTokenAndUsers))
	}
	seen := make(map[string]bool, len(a.Users))
	for _, u := range a.Users {
		if u == nil || u.Username == "" {
			errs = append(errs, errors.New("User entry requires a user"))
			continue
		}
		if seen[u.Username] {
			errs = append(errs, fmt.Errorf("Duplicate user %q detected", u.Username))
		}
		seen[u.Username] = true
	}
	if a.Timeout < 0 {
		errs = append(errs, errors.New("authorization timeout must not be negative"))
	}
	return errors.Join(errs...)
}

func (o *Options) validateCluster() error {
	c := &o.Cluster
	var errs []error
	if strings.ContainsAny(c.Name, " \t\r\n") {
		errs = append(errs, errors.New(errClusterNameSpaces))
	}
	if c.Name == "_" {
		errs = append(errs, errors.New(`cluster name "_" is reserved`))
	}
	if len(c.Routes) > 0 && c.Port == 0 {
		errs = append(errs, errors.New(errRoutesNeedCluster))
	}
	if c.TLS != nil {
		errs = append(errs, validateTLS("cluster tls", c.TLS))
	}
	if c.Compression != "" {
		if _, err := normalizeCompression(c.Compression); err != nil {
			errs = append(errs, err)
		}
	}
	if c.PoolSize < -1 {
		errs = append(errs, fmt.Errorf("cluster pool_size must be -1 (no pooling) or more, got %d", c.PoolSize))
	}
	if c.PingInterval < 0 || c.WriteDeadline < 0 {
		errs = append(errs, errors.New("cluster ping_interval and write_deadline must not be negative"))
	}
	return errors.Join(errs...)
}
