package server

import (
	"sync"
	"time"
)

// connSnapshot is what monitoring shows of a connection.
type connSnapshot struct {
	cid                   uint64
	kind                  connKind
	host                  string
	port                  int
	start, lastActivity   time.Time
	stop                  time.Time
	reason                string
	name, lang, version   string
	user                  string
	inMsgs, inBytes       uint64
	outMsgs, outBytes     uint64
	pending               int64
	numSubs               int
	subjects              []string
	tlsVersion, tlsCipher string
	tlsFirst              bool
	loop                  int
	slowConsumer          bool
}

// snapshot copies c's monitoring view. Loop-only for the fields that only the
// loop writes; closed connections are snapshotted on their loop in OnClose.
func (c *client) snapshot(closed bool) connSnapshot {
	c.publishIn()
	out, outBytes := c.conn.OutStats()
	s := connSnapshot{
		cid:          c.cid,
		kind:         c.kind,
		host:         c.host,
		port:         c.port,
		start:        c.start,
		lastActivity: time.Unix(0, c.lastActivity.Load()),
		reason:       c.closeReason,
		name:         c.name,
		lang:         c.lang,
		version:      c.version,
		user:         c.user,
		inMsgs:       c.inMsgs.Load(),
		inBytes:      c.inBytes.Load(),
		outMsgs:      out,
		outBytes:     outBytes,
		numSubs:      len(c.subs),
		loop:         c.conn.Loop().Index(),
		slowConsumer: c.isSlowConsumer(),
		tlsFirst:     c.tlsFirst,
	}
	if closed {
		s.stop = time.Now()
	}
	return s
}

// closedRing keeps the last N closed connections for /connz?state=closed.
type closedRing struct {
	mu    sync.Mutex
	items []connSnapshot
	next  int
	full  bool
}

func newClosedRing(n int) *closedRing {
	if n <= 0 {
		n = 1
	}
	return &closedRing{items: make([]connSnapshot, n)}
}

func (r *closedRing) add(s connSnapshot) {
	r.mu.Lock()
	r.items[r.next] = s
	r.next++
	if r.next == len(r.items) {
		r.next, r.full = 0, true
	}
	r.mu.Unlock()
}

// all returns the closed connections, oldest first.
func (r *closedRing) all() []connSnapshot {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.full {
		return append([]connSnapshot(nil), r.items[:r.next]...)
	}
	out := append([]connSnapshot(nil), r.items[r.next:]...)
	return append(out, r.items[:r.next]...)
}

// slowOffender is one slow consumer, for /varz and /connz.
type slowOffender struct {
	CID     uint64    `json:"cid"`
	Name    string    `json:"name,omitempty"`
	Subject string    `json:"subject,omitempty"`
	Time    time.Time `json:"time"`
}

const maxOffenders = 16

func (s *Server) recordOffender(c *client) {
	o := slowOffender{CID: c.cid, Name: c.name, Time: time.Now()}
	s.stats.offendersMu.Lock()
	if len(s.stats.offenders) >= maxOffenders {
		copy(s.stats.offenders, s.stats.offenders[1:])
		s.stats.offenders = s.stats.offenders[:maxOffenders-1]
	}
	s.stats.offenders = append(s.stats.offenders, o)
	s.stats.offendersMu.Unlock()
}
