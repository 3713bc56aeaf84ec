package options

import (
	"net/url"
	"time"

	"github.com/evnats/evnats/auth"
	"github.com/evnats/evnats/tlsengine"
)

// Defaults, as nats-server v2.15 has them.
const (
	DefaultPort           = 4222
	DefaultHost           = "0.0.0.0"
	DefaultHTTPPort       = 8222
	DefaultMaxPayload     = 1 << 20
	DefaultMaxControlLine = 4096
	DefaultMaxPending     = 64 << 20
	DefaultMaxConnections = 64 * 1024
	DefaultPingInterval   = 2 * time.Minute
	DefaultPingMax        = 2
	DefaultWriteDeadline  = 10 * time.Second
	DefaultTLSTimeout     = 2 * time.Second
	DefaultAuthTimeout    = 2 * time.Second
	DefaultMaxClosed      = 10000
	DefaultRoutePoolSize  = 3
	// DefaultLameDuckDuration is how long lame duck mode spreads disconnects over.
	DefaultLameDuckDuration = 2 * time.Minute
	// DefaultLameDuckGracePeriod is how long lame duck mode waits before it starts closing.
	DefaultLameDuckGracePeriod = 10 * time.Second
	// RandomPort asks the OS for a free port (as nats-server's -1).
	RandomPort = -1
)

// Options is the whole configuration of one evnats server: defaults, then the config
// file, then command-line flags. It is plain data: the server copies what it needs at
// start and on reload, so an Options value must not be changed once handed over.
type Options struct {
	// ConfigFile is the path given with -c, if any.
	ConfigFile string

	ServerName      string
	Host            string
	Port            int
	ClientAdvertise string

	HTTPHost     string
	HTTPPort     int
	HTTPSPort    int
	HTTPBasePath string

	MaxPayload     int
	MaxControlLine int
	MaxPending     int64
	// MaxConnections bounds client connections; a negative value rejects every
	// client (a configured 0 is stored as -1, as nats-server does).
	MaxConnections   int
	MaxSubscriptions int // 0 = unlimited
	PingInterval     time.Duration
	PingMax          int
	WriteDeadline    time.Duration
	NoHeaderSupport  bool
	MaxClosedClients int

	Debug bool
	Trace bool
	// TraceVerbose also traces message payloads and headers (-VV, trace_verbose).
	TraceVerbose bool
	Logtime      bool
	LogtimeUTC   bool
	LogFile      string
	PidFile      string

	// LameDuckDuration and LameDuckGracePeriod shape lame duck mode (SIGUSR2, --signal ldm).
	LameDuckDuration    time.Duration
	LameDuckGracePeriod time.Duration

	// Loops is the number of event loops (0 = GOMAXPROCS).
	Loops int
	// ReusePort gives each event loop its own listening socket (SO_REUSEPORT).
	ReusePort bool

	// TLS is the client port's `tls {}` block; nil when TLS is off.
	TLS *tlsengine.Config
	// AllowNonTLS lets plaintext clients in on a TLS port (first-byte sniffing).
	AllowNonTLS bool

	// Auth is the `authorization {}` block merged with --user/--pass/--auth.
	Auth auth.Config

	Cluster ClusterOptions

	// Warnings are things in the configuration that work but deserve a log line,
	// such as "ping_interval: 60" (seconds by accident?). The server logs them at start.
	Warnings []string

	// flags are the command-line flags Configure applied, kept so that
	// ReloadConfig applies them again over the re-read file, as nats-server does.
	flags *flagSnapshot
}

// ClusterOptions is the `cluster {}` block and the cluster flags.
type ClusterOptions struct {
	Name           string
	Host           string
	Port           int // 0 = no cluster listener
	Advertise      string
	NoAdvertise    bool
	Routes         []*url.URL
	ConnectRetries int
	Auth           auth.RouteConfig
	// TLS is the `cluster { tls {} }` block; its Verify is always VerifyRequired or
	// VerifyAndMap, as cluster TLS checks certificates in both directions.
	TLS *tlsengine.Config
	// PoolSize is the number of route connections per peer; -1 disables pooling.
	PoolSize int
	// Compression is the route compression mode, normalised to one of off, accept,
	// s2_uncompressed, s2_fast, s2_better, s2_best, s2_auto; empty means accept.
	Compression   string
	PingInterval  time.Duration
	PingMax       int
	WriteDeadline time.Duration
}

// Default returns the options nats-server uses when nothing is configured.
func Default() *Options {
	return &Options{
		Host:                DefaultHost,
		Port:                DefaultPort,
		MaxPayload:          DefaultMaxPayload,
		MaxControlLine:      DefaultMaxControlLine,
		MaxPending:          DefaultMaxPending,
		MaxConnections:      DefaultMaxConnections,
		PingInterval:        DefaultPingInterval,
		PingMax:             DefaultPingMax,
		WriteDeadline:       DefaultWriteDeadline,
		MaxClosedClients:    DefaultMaxClosed,
		Logtime:             true,
		LameDuckDuration:    DefaultLameDuckDuration,
		LameDuckGracePeriod: DefaultLameDuckGracePeriod,
		Cluster: ClusterOptions{
			PoolSize: DefaultRoutePoolSize,
		},
	}
}

// Clone returns a deep copy of o, so that a running server and a reload can each own one.
func (o *Options) Clone() *Options {
	c := *o
	if o.TLS != nil {
		t := *o.TLS
		c.TLS = &t
	}
	if o.Cluster.TLS != nil {
		t := *o.Cluster.TLS
		c.Cluster.TLS = &t
	}
	c.Cluster.Routes = append([]*url.URL(nil), o.Cluster.Routes...)
	c.Auth.Users = append([]*auth.User(nil), o.Auth.Users...)
	c.Warnings = append([]string(nil), o.Warnings...)
	return &c
}
