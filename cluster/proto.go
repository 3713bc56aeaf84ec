package cluster

import (
	"encoding/json"
	"fmt"
)

// GlobalAccount is the account of everything evnats routes: it has no
// multi-tenancy, and routes without pooling name the account in every RS+,
// RS- and RMSG.
const GlobalAccount = "$G"

// ReservedName is the cluster name nats-server reserves (for leaf nodes); a
// route announcing it is refused.
const ReservedName = "_"

// Gossip modes carried by route INFO ("gossip_mode"). A server that learns of
// a peer from a gossiped INFO connects to it; the mode says whether the route
// formed that way is announced further.
const (
	GossipDefault  byte = 0
	GossipDisabled byte = 1
	GossipOverride byte = 2
)

// Info is a route INFO, with nats-server's JSON names in its order. evnats
// sends proto 1 and leaves out route_pool_size, compression and the leaf
// flags (lnoc, ln): a v2.15 peer then treats the route as one pool-less,
// uncompressed connection.
type Info struct {
	ID           string   `json:"server_id"`
	Name         string   `json:"server_name"`
	Version      string   `json:"version"`
	Proto        int      `json:"proto"`
	Go           string   `json:"go,omitempty"`
	Host         string   `json:"host"`
	Port         int      `json:"port"`
	Headers      bool     `json:"headers"`
	AuthRequired bool     `json:"auth_required,omitempty"`
	TLSRequired  bool     `json:"tls_required,omitempty"`
	TLSVerify    bool     `json:"tls_verify,omitempty"`
	MaxPayload   int      `json:"max_payload"`
	IP           string   `json:"ip,omitempty"`
	Nonce        string   `json:"nonce,omitempty"`
	Cluster      string   `json:"cluster,omitempty"`
	Dynamic      bool     `json:"cluster_dynamic,omitempty"`
	ConnectURLs  []string `json:"connect_urls,omitempty"`
	LameDuckMode bool     `json:"ldm,omitempty"`
	Compression  string   `json:"compression,omitempty"`

	RoutePoolSize int    `json:"route_pool_size,omitempty"`
	RoutePoolIdx  int    `json:"route_pool_idx,omitempty"`
	RouteAccount  string `json:"route_account,omitempty"`
	GossipMode    byte   `json:"gossip_mode,omitempty"`
	Gateway       string `json:"gateway,omitempty"`
}

// Connect is a route CONNECT. Name is the sender's server id. Lang is set
// only by clients that dialed the route port by mistake; Gateway only by
// gateways that did.
type Connect struct {
	Echo     bool   `json:"echo"`
	Verbose  bool   `json:"verbose"`
	Pedantic bool   `json:"pedantic"`
	User     string `json:"user,omitempty"`
	Pass     string `json:"pass,omitempty"`
	TLS      bool   `json:"tls_required"`
	Headers  bool   `json:"headers"`
	Name     string `json:"name"`
	Cluster  string `json:"cluster"`
	Dynamic  bool   `json:"cluster_dynamic,omitempty"`
	Lang     string `json:"lang,omitempty"`
	Gateway  string `json:"gateway,omitempty"`
}

// ParseInfo decodes the JSON of a route INFO. An INFO without a server id is
// an error: nothing could be done with it.
func ParseInfo(b []byte) (*Info, error) {
	var info Info
	if err := json.Unmarshal(b, &info); err != nil {
		return nil, fmt.Errorf("cluster: route INFO: %w", err)
	}
	if info.ID == "" {
		return nil, errNoServerID
	}
	return &info, nil
}

// ParseConnect decodes the JSON of a route CONNECT. Unknown fields are
// ignored, as nats-server does.
func ParseConnect(b []byte) (*Connect, error) {
	var c Connect
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("cluster: route CONNECT: %w", err)
	}
	return &c, nil
}
