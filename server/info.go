package server

import (
	"encoding/json"
	"runtime"
	"strconv"

	"github.com/evnats/evnats/proto"
	"github.com/evnats/evnats/tlsengine"
)

// serverInfo is the INFO a client receives, with nats-server's field names
// and order.
type serverInfo struct {
	ServerID      string   `json:"server_id"`
	ServerName    string   `json:"server_name"`
	Version       string   `json:"version"`
	Proto         int      `json:"proto"`
	Go            string   `json:"go"`
	Host          string   `json:"host"`
	Port          int      `json:"port"`
	Headers       bool     `json:"headers"`
	AuthRequired  bool     `json:"auth_required,omitempty"`
	TLSRequired   bool     `json:"tls_required,omitempty"`
	TLSVerify     bool     `json:"tls_verify,omitempty"`
	TLSAvailable  bool     `json:"tls_available,omitempty"`
	MaxPayload    int      `json:"max_payload"`
	IP            string   `json:"ip,omitempty"`
	ClientID      uint64   `json:"client_id,omitempty"`
	ClientIP      string   `json:"client_ip,omitempty"`
	Nonce         string   `json:"nonce,omitempty"`
	Cluster       string   `json:"cluster,omitempty"`
	ConnectURLs   []string `json:"connect_urls,omitempty"`
	LameDuckMode  bool     `json:"ldm,omitempty"`
	ConnectInfo   bool     `json:"connect_info,omitempty"`
	RemoteAccount string   `json:"remote_account,omitempty"`
}

// clientInfo builds the INFO for c from the options in force.
func (s *Server) clientInfo(c *client) serverInfo {
	opts := s.Options()
	lim := s.lim.Load()
	port := opts.Port
	if s.clientAddr != nil {
		port = s.clientAddr.Port
	}
	info := serverInfo{
		ServerID:     s.id,
		ServerName:   s.name,
		Version:      Version,
		Proto:        protoVersion,
		Go:           runtime.Version(),
		Host:         opts.Host,
		Port:         port,
		Headers:      !lim.noHeaders,
		AuthRequired: s.auth.Load().Required(),
		MaxPayload:   lim.maxPayload,
		ClientID:     c.cid,
		ClientIP:     c.host,
		ConnectURLs:  s.cluster.clientConnectURLs(),
	}
	if opts.TLS != nil && s.tlsConf.Load() != nil {
		if opts.AllowNonTLS {
			info.TLSAvailable = true
		} else {
			info.TLSRequired = true
		}
		info.TLSVerify = opts.TLS.Verify == tlsengine.VerifyRequired || opts.TLS.Verify == tlsengine.VerifyAndMap
	}
	if name := s.cluster.name(); name != "" && opts.Cluster.Port != 0 {
		info.Cluster = name
	}
	return info
}

func (c *client) sendInfo() {
	info := c.srv.clientInfo(c)
	b, _ := json.Marshal(&info)
	c.conn.Out = proto.AppendInfo(c.conn.OutBuf(), b)
	c.conn.MarkDirty()
	c.infoSent = true
}

// sendConnectInfo is the INFO nats-server sends after the first PONG of a
// protocol-1 client.
func (c *client) sendConnectInfo() {
	info := c.srv.clientInfo(c)
	info.ConnectInfo = true
	info.RemoteAccount = "$G"
	b, _ := json.Marshal(&info)
	c.conn.Out = proto.AppendInfo(c.conn.OutBuf(), b)
	c.conn.MarkDirty()
}

func itoa(n int) string { return strconv.Itoa(n) }
