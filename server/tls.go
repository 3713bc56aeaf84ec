package server

import (
	"crypto/tls"
	"time"

	"github.com/evnats/evnats/tlsengine"
)

const verifyAndMap = tlsengine.VerifyAndMap

// startTLS begins a server-side handshake. Anything already queued in Out
// (the plaintext INFO) is written first, unencrypted.
func (c *client) startTLS(tc *tls.Config, first bool) {
	if len(c.conn.Out) > 0 {
		_ = c.conn.Write(c.conn.Out)
		c.conn.Out = c.conn.Out[:0]
	}
	c.tls = tlsengine.NewServerSession(tc)
	c.tlsFirst = first
	c.tlsDeadline = time.Now().Add(c.srv.lim.Load().tlsTimeout)
	if c.kind == kindRoute {
		c.debugf("Starting TLS route server handshake")
	} else {
		c.debugf("Starting TLS client connection handshake")
	}
}

// startClientTLS begins a client-side handshake (a route we dialed).
func (c *client) startClientTLS(tc *tls.Config) {
	c.tls = tlsengine.NewClientSession(tc)
	c.tlsDeadline = time.Now().Add(c.srv.lim.Load().tlsTimeout)
	c.debugf("Starting TLS route client handshake")
	if err := c.tls.Start(); err != nil {
		c.tlsFailed(err)
		return
	}
	c.flushTLSHandshake()
}

// flushTLSHandshake sends what the TLS session produced (handshake messages,
// alerts) and, once the handshake completes, logs it and releases held output.
func (c *client) flushTLSHandshake() {
	if ct := c.tls.Outbound(); len(ct) > 0 {
		_ = c.conn.Write(ct)
	}
	if !c.tls.JustCompleted() {
		return
	}
	c.tlsHandshaked = true
	c.tlsDeadline = time.Time{}
	cs := c.tls.ConnectionState()
	c.debugf("TLS handshake complete")
	c.debugf("TLS version %s, cipher suite %s", tlsengine.VersionName(cs.Version), tls.CipherSuiteName(cs.CipherSuite))
	if c.kind == kindRoute {
		c.routeTLSDone()
	} else if c.tlsFirst && !c.infoSent {
		c.sendInfo()
	}
	if len(c.conn.Out) > 0 {
		c.conn.MarkDirty()
	}
}

// tlsFailed logs a failed handshake or record and closes the connection.
func (c *client) tlsFailed(err error) {
	if c.tlsHandshaked {
		c.debugf("TLS read error: %v", err)
		c.closeWith("Client Closed")
		return
	}
	switch {
	case c.kind == kindRoute:
		c.errorf("TLS route handshake error: %v", err)
	case tlsengine.IsProbeError(err):
		c.debugf("TLS handshake error: %v", err)
	default:
		c.errorf("TLS handshake error: %v", err)
	}
	c.closeWith("TLS Handshake Failure")
}

// handshakeFirstData decides, from the first bytes, between TLS and plaintext
// (allow_non_tls) or starts a handshake_first session that was waiting.
func (c *client) handshakeFirstData(data []byte) {
	sniff := c.tlsSniff
	c.tlsSniff = false
	c.tlsFirstWait = time.Time{}
	tc := c.srv.tlsConf.Load()
	if tc == nil || (sniff && data[0] != 0x16) {
		c.process(data)
		return
	}
	c.startTLS(tc, !sniff)
	plain, err := c.tls.Feed(data)
	c.flushTLSHandshake()
	if len(plain) > 0 {
		c.process(plain)
	}
	if err != nil && !c.closing {
		c.tlsFailed(err)
	}
}

// handshakeFirstFallback runs when a handshake_first client sent nothing in
// the fallback delay: the server sends INFO in plaintext and expects the
// usual upgrade.
func (c *client) handshakeFirstFallback() {
	c.tlsFirstWait = time.Time{}
	tc := c.srv.tlsConf.Load()
	c.sendInfo()
	if tc != nil {
		c.startTLS(tc, false)
	}
}
