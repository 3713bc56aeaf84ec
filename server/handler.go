package server

import (
	"errors"
	"io"
	"net"
	"time"

	"github.com/evnats/evnats/proto"
	"github.com/evnats/evnats/reactor"
)

// handler connects the reactor's events to clients and routes.
type handler struct {
	s *Server
}

var _ reactor.Handler = (*handler)(nil)

func (h *handler) OnOpen(conn *reactor.Conn, listener int) error {
	s := h.s
	if s.shutdown.Load() {
		return errServerShutdown
	}
	if s.lameDuck.Load() && listener != listenerRoute && conn.Tag() == nil {
		// Lame duck mode takes no new clients (see lameduck.go).
		return errServerShutdown
	}
	ls := s.loopState(conn.Loop())
	c := &client{
		srv:   s,
		conn:  conn,
		ls:    ls,
		cid:   s.cidSeq.Add(1),
		start: time.Now(),
		subs:  make(map[string]*subscription),
		echo:  true,
	}
	c.lastActivity.Store(c.start.UnixNano())
	c.lastIn = c.start
	if ta, ok := conn.RemoteAddr().(*net.TCPAddr); ok {
		c.host, c.port = ta.IP.String(), ta.Port
	}
	conn.Data = c
	ls.clients[c] = struct{}{}
	if listener == listenerRoute || conn.Tag() != nil {
		return s.openRoute(c, listener == listenerRoute)
	}
	return s.openClient(c)
}

func (h *handler) OnData(conn *reactor.Conn, data []byte) {
	c, ok := conn.Data.(*client)
	if !ok || c.closing {
		return
	}
	c.lastIn = c.ls.now
	if !c.stalled {
		c.stallSpent = nil
	}
	if c.tls != nil {
		c.tlsData(data)
		return
	}
	if c.tlsSniff || !c.tlsFirstWait.IsZero() {
		c.handshakeFirstData(data)
		return
	}
	c.process(data)
}

// process feeds plaintext protocol bytes to the parser (or holds them while an
// auth verdict is pending).
func (c *client) process(data []byte) {
	c.processInput(data)
	c.publishIn()
}

func (c *client) processInput(data []byte) {
	if c.authPending || c.stalled {
		c.hold(data)
		return
	}
	if lim := c.srv.lim.Load(); c.parser.MaxPayload != lim.maxPayload && c.kind == kindClient {
		// A reload changed the limits: they apply from the next operation on.
		c.parser.MaxPayload = lim.maxPayload
		c.parser.MaxControlLine = lim.maxControlLine
	}
	for len(data) > 0 && !c.closing {
		err := c.parser.Parse(data, c.ph)
		if err == nil {
			return
		}
		if errors.Is(err, errPaused) {
			n := c.parser.Consumed()
			c.hold(data[n:])
			return
		}
		if errors.Is(err, errStalled) {
			n := c.parser.Consumed()
			c.beginStall(data[n:])
			return
		}
		c.protocolError(err)
		return
	}
}

// hold keeps input that arrives while the connection waits for a worker,
// bounded so a client cannot make us buffer without limit.
func (c *client) hold(data []byte) {
	if c.stalled {
		c.holdStalled(data)
		return
	}
	lim := c.srv.lim.Load()
	limit := lim.maxPayload + lim.maxControlLine + 4096
	if c.kind == kindRoute {
		limit = routeMaxHeld // the peer may send its interest before auth completes
	}
	if len(c.held)+len(data) > limit {
		c.closeWith("Protocol Violation")
		return
	}
	c.held = append(c.held, data...)
}

func (c *client) protocolError(err error) {
	var pe *proto.ProtocolError
	if errors.As(err, &pe) {
		if pe.Log != "" {
			c.errorf("%s", pe.Log)
		}
		reason := "Protocol Violation"
		if errors.Is(err, proto.ErrMaxPayload) {
			reason = "Maximum Message Payload Exceeded"
		}
		if pe.Text != "" {
			c.sendErr(pe.Text)
		}
		c.closeWith(reason)
		return
	}
	var ce *closeError
	if errors.As(err, &ce) {
		if ce.text != "" {
			c.sendErr(ce.text)
		}
		c.closeWith(ce.reason)
		return
	}
	c.errorf("%v", err)
	c.closeWith("Protocol Violation")
}

func (h *handler) OnFlush(conn *reactor.Conn) {
	if c, ok := conn.Data.(*client); ok {
		c.flush()
	}
}

func (h *handler) OnClose(conn *reactor.Conn, err error) {
	c, ok := conn.Data.(*client)
	if !ok {
		return
	}
	c.closing = true
	delete(c.ls.clients, c)
	c.closeTLS()
	reason := c.closeReason
	switch {
	case c.isSlowConsumer() && reason == "":
		reason = "Slow Consumer (Pending Bytes)"
	case reason == "" && err != nil && !errors.Is(err, io.EOF):
		reason = "Read Error"
	case reason == "":
		reason = "Client Closed"
	}
	c.closeReason = reason
	c.srv.removeClient(c)
}

func (h *handler) OnTick(l *reactor.Loop, now time.Time) {
	ls := h.s.loopState(l)
	ls.now = now
	for c := range ls.clients {
		c.tick(now)
	}
}

// errPaused stops the parser when a CONNECT needs a worker's verdict.
var errPaused = errors.New("paused for authorization")

// closeError asks the read path to send an -ERR (if text is set) and close.
type closeError struct {
	text   string
	reason string
}

func (e *closeError) Error() string {
	if e.text != "" {
		return e.text
	}
	return e.reason
}
