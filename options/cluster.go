package options

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/evnats/evnats/auth"
	"github.com/evnats/evnats/conf"
	"github.com/evnats/evnats/tlsengine"
)

// Route compression modes, as nats-server names them.
const (
	CompressionOff            = "off"
	CompressionAccept         = "accept"
	CompressionS2Uncompressed = "s2_uncompressed"
	CompressionS2Fast         = "s2_fast"
	CompressionS2Better       = "s2_better"
	CompressionS2Best         = "s2_best"
	CompressionS2Auto         = "s2_auto"
)

// compressionModes maps the accepted spellings of a mode to its name.
var compressionModes = map[string]string{
	"off": CompressionOff, "disabled": CompressionOff, "false": CompressionOff,
	"accept":          CompressionAccept,
	"s2_uncompressed": CompressionS2Uncompressed, "uncompressed": CompressionS2Uncompressed,
	"s2_fast": CompressionS2Fast, "fast": CompressionS2Fast,
	"s2_better": CompressionS2Better, "better": CompressionS2Better,
	"s2_best": CompressionS2Best, "best": CompressionS2Best,
	"s2_auto": CompressionS2Auto, "auto": CompressionS2Auto, "on": CompressionS2Auto,
	"enabled": CompressionS2Auto, "true": CompressionS2Auto,
}

// normalizeCompression returns the canonical name of a compression mode.
func normalizeCompression(mode string) (string, error) {
	if c, ok := compressionModes[strings.ToLower(mode)]; ok {
		return c, nil
	}
	return "", fmt.Errorf("unknown compression mode %q: expected off, accept, s2_uncompressed, s2_fast, s2_better, s2_best or s2_auto", mode)
}

func parseCluster(p *fileParser, e *conf.Entry) {
	m, ok := p.mapOf(e)
	if !ok {
		return
	}
	c := &p.o.Cluster
	for _, k := range m.Entries() {
		switch lower(k) {
		case "name":
			c.Name, _ = p.str(k)
		case "listen":
			if host, port, ok := p.listen(k); ok {
				if host != "" {
					c.Host = host
				}
				c.Port = port
			}
		case "host", "net":
			c.Host, _ = p.str(k)
		case "port":
			c.Port, _ = p.port(k)
		case "advertise", "cluster_advertise":
			c.Advertise, _ = p.str(k)
		case "no_advertise":
			c.NoAdvertise, _ = p.boolean(k)
		case "routes":
			c.Routes = p.routes(k)
		case "connect_retries":
			c.ConnectRetries, _ = p.count(k)
		case "authorization":
			c.Auth = p.routeAuth(k)
		case "tls":
			if cfg, ok := p.tlsBlock(k, "cluster tls {}"); ok {
				forceRouteVerify(cfg)
				c.TLS = cfg
			}
		case "pool_size":
			c.PoolSize, _ = p.intIn(k, -1, 1024)
		case "compression":
			c.Compression = p.compression(k)
		case "ping_interval":
			c.PingInterval, _ = p.duration(k, true)
		case "ping_max":
			c.PingMax, _ = p.count(k)
		case "write_deadline":
			c.WriteDeadline, _ = p.duration(k, true)
		case "permissions", "accounts", "pinned_accounts", "connect_backoff", "write_timeout", "unix_socket":
			p.unsupported(k)
		default:
			p.unknown(k, "cluster {}")
		}
	}
}

// forceRouteVerify makes cluster TLS verify certificates in both directions, as
// nats-server always does for routes.
func forceRouteVerify(cfg *tlsengine.Config) {
	if cfg.Verify != tlsengine.VerifyAndMap {
		cfg.Verify = tlsengine.VerifyRequired
	}
}

// routes reads the route URLs to solicit: an array (or one string) of
// nats-route://[user:pass@]host:port.
func (p *fileParser) routes(e *conf.Entry) []*url.URL {
	list, ok := p.stringList(e)
	if !ok {
		return nil
	}
	urls := make([]*url.URL, 0, len(list))
	for _, s := range list {
		u, err := parseRouteURL(s)
		if err != nil {
			p.failErr(e.Value.Pos, err)
			continue
		}
		urls = append(urls, u)
	}
	return urls
}

// parseRouteURL parses a route URL, which must name a host and a port.
func parseRouteURL(s string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		return nil, fmt.Errorf("error parsing route url [%q]: %w", s, err)
	}
	if u.Scheme == "" || u.Hostname() == "" {
		return nil, fmt.Errorf("error parsing route url [%q]: expected nats-route://[user:pass@]host:port", s)
	}
	if port, err := strconv.Atoi(u.Port()); err != nil || port <= 0 || port > 65535 {
		return nil, fmt.Errorf("error parsing route url [%q]: missing or invalid port", s)
	}
	return u, nil
}

// routeAuth reads `cluster { authorization {} }`: one user, password and timeout.
func (p *fileParser) routeAuth(e *conf.Entry) auth.RouteConfig {
	var ra auth.RouteConfig
	m, ok := p.mapOf(e)
	if !ok {
		return ra
	}
	for _, k := range m.Entries() {
		switch lower(k) {
		case "user", "username":
			ra.Username, _ = p.str(k)
		case "pass", "password":
			ra.Password, _ = p.str(k)
		case "timeout":
			ra.Timeout = p.authTimeout(k)
		case "users":
			p.fail(k.KeyPos, "Cluster authorization does not allow multiple users")
		case "token":
			p.fail(k.KeyPos, "Cluster authorization does not support tokens")
		case "permissions", "auth_callout", "callout":
			p.unsupported(k)
		default:
			p.unknown(k, "cluster authorization {}")
		}
	}
	return ra
}

// compression reads the route compression: a boolean (true is s2_auto), a mode
// name, or {mode, rtt_thresholds}; thresholds are accepted and ignored.
func (p *fileParser) compression(e *conf.Entry) string {
	var mode string
	switch v := e.Value.V.(type) {
	case bool:
		if v {
			return CompressionS2Auto
		}
		return CompressionOff
	case string:
		mode = v
	case *conf.Map:
		for _, k := range v.Entries() {
			switch lower(k) {
			case "mode":
				mode, _ = p.str(k)
			case "rtt_thresholds", "thresholds", "rtts", "rtt":
				p.ignored(k)
			default:
				p.unknown(k, "compression")
			}
		}
		if mode == "" {
			return CompressionS2Auto
		}
	default:
		p.typeError(e, "a boolean, a mode or a map")
		return ""
	}
	c, err := normalizeCompression(mode)
	if err != nil {
		p.failErr(e.Value.Pos, err)
	}
	return c
}
