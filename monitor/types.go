package monitor

import "time"

// The JSON documents below carry nats-server v2.15's field names and meanings
// (server/monitor.go), reduced to what a core broker has, plus a few evnats
// fields that are marked as such. Every value handed to or returned by a
// Source is a snapshot its receiver owns: nothing in it may be shared with
// live server state.

// Varz is the /varz document: server identity, configuration and counters.
type Varz struct {
	ID                   string                `json:"server_id"`
	Name                 string                `json:"server_name"`
	Version              string                `json:"version"`
	Proto                int                   `json:"proto"`
	GitCommit            string                `json:"git_commit,omitempty"`
	GoVersion            string                `json:"go"` // runtime.Version() when left empty
	Host                 string                `json:"host"`
	Port                 int                   `json:"port"`
	AuthRequired         bool                  `json:"auth_required,omitempty"`
	TLSRequired          bool                  `json:"tls_required,omitempty"`
	TLSVerify            bool                  `json:"tls_verify,omitempty"`
	IP                   string                `json:"ip,omitempty"`
	ClientConnectURLs    []string              `json:"connect_urls,omitempty"`
	MaxConn              int                   `json:"max_connections"`
	MaxSubs              int                   `json:"max_subscriptions,omitempty"`
	PingInterval         time.Duration         `json:"ping_interval"` // nanoseconds in JSON
	MaxPingsOut          int                   `json:"ping_max"`
	HTTPHost             string                `json:"http_host"`
	HTTPPort             int                   `json:"http_port"`
	HTTPBasePath         string                `json:"http_base_path"`
	HTTPSPort            int                   `json:"https_port"`
	AuthTimeout          float64               `json:"auth_timeout"` // seconds
	MaxControlLine       int32                 `json:"max_control_line"`
	MaxPayload           int                   `json:"max_payload"`
	MaxPending           int64                 `json:"max_pending"`
	Cluster              ClusterOptsVarz       `json:"cluster,omitempty"`
	TLSTimeout           float64               `json:"tls_timeout"`    // seconds
	WriteDeadline        time.Duration         `json:"write_deadline"` // nanoseconds in JSON
	Start                time.Time             `json:"start"`
	Now                  time.Time             `json:"now"`    // set by the handler when zero
	Uptime               string                `json:"uptime"` // FormatUptime(Now-Start) when empty
	Mem                  int64                 `json:"mem"`    // resident bytes; measured when zero
	Cores                int                   `json:"cores"`  // runtime.NumCPU() when zero
	MaxProcs             int                   `json:"gomaxprocs"`
	CPU                  float64               `json:"cpu"` // percent of one core; measured when zero
	Connections          int                   `json:"connections"`
	TotalConnections     uint64                `json:"total_connections"`
	Routes               int                   `json:"routes"`
	Remotes              int                   `json:"remotes"`
	Leafs                int                   `json:"leafnodes"`
	InMsgs               int64                 `json:"in_msgs"`
	OutMsgs              int64                 `json:"out_msgs"`
	InBytes              int64                 `json:"in_bytes"`
	OutBytes             int64                 `json:"out_bytes"`
	SlowConsumers        int64                 `json:"slow_consumers"`
	StaleConnections     int64                 `json:"stale_connections"`
	Subscriptions        uint32                `json:"subscriptions"`
	HTTPReqStats         map[string]uint64     `json:"http_req_stats"` // always replaced by the handler
	ConfigLoadTime       time.Time             `json:"config_load_time"`
	SystemAccount        string                `json:"system_account,omitempty"`
	SlowConsumersStats   *SlowConsumersStats   `json:"slow_consumer_stats"` // zero stats when nil
	StaleConnectionStats *StaleConnectionStats `json:"stale_connection_stats,omitempty"`

	// evnats: the most recent slow consumers, oldest first, and the number of
	// event loops.
	SlowConsumerOffenders []SlowConsumerOffender `json:"slow_consumer_offenders,omitempty"`
	EventLoops            int                    `json:"event_loops"`
}

// ClusterOptsVarz is the "cluster" object of /varz.
type ClusterOptsVarz struct {
	Name        string   `json:"name,omitempty"`
	Host        string   `json:"addr,omitempty"`
	Port        int      `json:"cluster_port,omitempty"`
	AuthTimeout float64  `json:"auth_timeout,omitempty"`
	URLs        []string `json:"urls,omitempty"` // configured routes as host:port
	TLSTimeout  float64  `json:"tls_timeout,omitempty"`
	TLSRequired bool     `json:"tls_required,omitempty"`
	TLSVerify   bool     `json:"tls_verify,omitempty"`
	PoolSize    int      `json:"pool_size,omitempty"`
}

// SlowConsumersStats counts slow consumers by connection kind.
type SlowConsumersStats struct {
	Clients  uint64 `json:"clients"`
	Routes   uint64 `json:"routes"`
	Gateways uint64 `json:"gateways"`
	Leafs    uint64 `json:"leafs"`
}

// StaleConnectionStats counts connections closed for missed PINGs, by kind.
type StaleConnectionStats struct {
	Clients  uint64 `json:"clients"`
	Routes   uint64 `json:"routes"`
	Gateways uint64 `json:"gateways"`
	Leafs    uint64 `json:"leafs"`
}

// SlowConsumerOffender (evnats) records one slow-consumer event.
type SlowConsumerOffender struct {
	Cid     uint64    `json:"cid"`
	Name    string    `json:"name,omitempty"`    // client name from CONNECT
	Subject string    `json:"subject,omitempty"` // subject of the message that overflowed
	Time    time.Time `json:"time"`
}

// Connz is the /connz document.
type Connz struct {
	ID       string      `json:"server_id"`
	Now      time.Time   `json:"now"`
	NumConns int         `json:"num_connections"` // length of Conns
	Total    int         `json:"total"`           // matching connections before paging
	Offset   int         `json:"offset"`
	Limit    int         `json:"limit"`
	Conns    []*ConnInfo `json:"connections"`
}

// ConnInfo describes one client connection, open or recently closed.
type ConnInfo struct {
	Cid            uint64         `json:"cid"`
	Kind           string         `json:"kind,omitempty"` // "Client"
	Type           string         `json:"type,omitempty"` // "nats"
	IP             string         `json:"ip"`
	Port           int            `json:"port"`
	Start          time.Time      `json:"start"`
	LastActivity   time.Time      `json:"last_activity"`
	Stop           *time.Time     `json:"stop,omitempty"`   // nil while open
	Reason         string         `json:"reason,omitempty"` // close reason, e.g. "Client Closed"
	RTT            string         `json:"rtt,omitempty"`    // time.Duration.String()
	Uptime         string         `json:"uptime"`           // filled by the handler when empty
	Idle           string         `json:"idle"`             // filled by the handler when empty
	Pending        int            `json:"pending_bytes"`
	InMsgs         int64          `json:"in_msgs"`
	OutMsgs        int64          `json:"out_msgs"`
	InBytes        int64          `json:"in_bytes"`
	OutBytes       int64          `json:"out_bytes"`
	NumSubs        uint32         `json:"subscriptions"`
	Name           string         `json:"name,omitempty"`
	Lang           string         `json:"lang,omitempty"`
	Version        string         `json:"version,omitempty"`
	TLSVersion     string         `json:"tls_version,omitempty"`      // TLSVersionName
	TLSCipher      string         `json:"tls_cipher_suite,omitempty"` // TLSCipherName
	TLSPeerCerts   []*TLSPeerCert `json:"tls_peer_certs,omitempty"`   // only with auth
	TLSFirst       bool           `json:"tls_first,omitempty"`
	AuthorizedUser string         `json:"authorized_user,omitempty"` // only with auth
	Account        string         `json:"account,omitempty"`         // only with auth; never "$G"
	Subs           []string       `json:"subscriptions_list,omitempty"`
	SubsDetail     []SubDetail    `json:"subscriptions_list_detail,omitempty"`

	// evnats: the event loop serving the connection and whether it is
	// currently marked as a slow consumer.
	Loop         int  `json:"loop"`
	SlowConsumer bool `json:"slow_consumer,omitempty"`
}

// TLSPeerCert summarises one certificate presented by a TLS peer.
type TLSPeerCert struct {
	Subject          string `json:"subject,omitempty"`
	SubjectPKISha256 string `json:"spki_sha256,omitempty"`
	CertSha256       string `json:"cert_sha256,omitempty"`
}

// SubDetail describes one subscription.
type SubDetail struct {
	Account string `json:"account,omitempty"`
	Subject string `json:"subject"`
	Queue   string `json:"qgroup,omitempty"`
	Sid     string `json:"sid"`
	Msgs    int64  `json:"msgs"`
	Max     int64  `json:"max,omitempty"`
	Cid     uint64 `json:"cid"`
}

// SubjectPermission is an allow/deny pair of subject lists.
type SubjectPermission struct {
	Allow []string `json:"allow,omitempty"`
	Deny  []string `json:"deny,omitempty"`
}

// Routez is the /routez document.
type Routez struct {
	ID        string             `json:"server_id"`
	Name      string             `json:"server_name"`
	Now       time.Time          `json:"now"`
	Import    *SubjectPermission `json:"import,omitempty"`
	Export    *SubjectPermission `json:"export,omitempty"`
	NumRoutes int                `json:"num_routes"` // length of Routes
	Routes    []*RouteInfo       `json:"routes"`
}

// RouteInfo describes one route connection.
type RouteInfo struct {
	Rid          uint64             `json:"rid"`
	RemoteID     string             `json:"remote_id"`
	RemoteName   string             `json:"remote_name"`
	DidSolicit   bool               `json:"did_solicit"`
	IsConfigured bool               `json:"is_configured"`
	IP           string             `json:"ip"`
	Port         int                `json:"port"`
	Start        time.Time          `json:"start"`
	LastActivity time.Time          `json:"last_activity"`
	RTT          string             `json:"rtt,omitempty"`
	Uptime       string             `json:"uptime"` // filled by the handler when empty
	Idle         string             `json:"idle"`   // filled by the handler when empty
	Import       *SubjectPermission `json:"import,omitempty"`
	Export       *SubjectPermission `json:"export,omitempty"`
	Pending      int                `json:"pending_size"`
	InMsgs       int64              `json:"in_msgs"`
	OutMsgs      int64              `json:"out_msgs"`
	InBytes      int64              `json:"in_bytes"`
	OutBytes     int64              `json:"out_bytes"`
	NumSubs      uint32             `json:"subscriptions"`
	Subs         []string           `json:"subscriptions_list,omitempty"`
	SubsDetail   []SubDetail        `json:"subscriptions_list_detail,omitempty"`
	Account      string             `json:"account,omitempty"`
	Compression  string             `json:"compression,omitempty"`
}

// SublistStats are the subscription-index counters embedded in /subsz.
type SublistStats struct {
	NumSubs      uint32  `json:"num_subscriptions"`
	NumCache     uint32  `json:"num_cache"`
	NumInserts   uint64  `json:"num_inserts"`
	NumRemoves   uint64  `json:"num_removes"`
	NumMatches   uint64  `json:"num_matches"`
	CacheHitRate float64 `json:"cache_hit_rate"` // 0..1
	MaxFanout    uint32  `json:"max_fanout"`
	AvgFanout    float64 `json:"avg_fanout"`
}

// Subsz is the /subsz (and /subscriptionsz) document.
type Subsz struct {
	ID  string    `json:"server_id"`
	Now time.Time `json:"now"`
	SublistStats
	Total  int         `json:"total"` // matching subscriptions before paging; 0 without "subs"
	Offset int         `json:"offset"`
	Limit  int         `json:"limit"`
	Subs   []SubDetail `json:"subscriptions_list,omitempty"`
}

// HealthStatus is the /healthz document. A Source reports a failure by setting
// Error (or Errors) and, optionally, StatusCode; the handler answers 200 when
// both are empty, StatusCode or 503 otherwise, and never sends status_code.
type HealthStatus struct {
	Status     string         `json:"status"` // "ok" when left empty and healthy
	StatusCode int            `json:"status_code,omitempty"`
	Error      string         `json:"error,omitempty"`
	Errors     []HealthzError `json:"errors,omitempty"`
}

// HealthzError is one entry of HealthStatus.Errors ("details=true").
type HealthzError struct {
	Type  string `json:"type"` // "CONNECTION", "BAD_REQUEST", ...
	Error string `json:"error,omitempty"`
}

// Loopz (evnats) is the /loopz document: per event-loop counters.
type Loopz struct {
	ID    string     `json:"server_id"`
	Now   time.Time  `json:"now"`
	Loops []LoopInfo `json:"loops"`
}

// LoopInfo (evnats) holds the counters of one event loop since start.
type LoopInfo struct {
	Index          int     `json:"index"`
	Connections    int     `json:"connections"`
	InMsgs         uint64  `json:"in_msgs"`
	OutMsgs        uint64  `json:"out_msgs"`
	InBytes        uint64  `json:"in_bytes"`
	OutBytes       uint64  `json:"out_bytes"`
	Wakeups        uint64  `json:"wakeups"`          // hand-offs received from other loops
	Flushes        uint64  `json:"flushes"`          // flush passes that wrote data
	FlushedBytes   uint64  `json:"flushed_bytes"`    // bytes handed to the socket layer
	MeanFlushBytes float64 `json:"mean_flush_bytes"` // FlushedBytes/Flushes; computed when zero
	BusyNanos      uint64  `json:"busy_ns"`          // time spent inside loop callbacks
	BusyPct        float64 `json:"busy_pct,omitempty"`
}
