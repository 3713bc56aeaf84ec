package server

import (
	"encoding/json"
	"math/rand/v2"
	"time"

	"github.com/evnats/evnats/cluster"
	"github.com/evnats/evnats/proto"
)

// Lame duck mode (SIGUSR2, --signal ldm), as nats-server: stop taking new
// clients, tell clients and routes (INFO with "ldm":true, and connect_urls
// without this server's own), wait lame_duck_grace_period, then close the
// existing clients spread over the rest of lame_duck_duration so they do not
// all reconnect elsewhere at once, and shut down.
//
// gnet cannot close one listener of a running engine, so "stop accepting"
// means a connection that arrives on the client port during lame duck mode is
// closed at once, before INFO; a client then tries the next server it knows.

// LameDuck runs lame duck mode and returns once the server has shut down.
// Safe from any goroutine; a second call, or a call during shutdown, returns
// at once.
func (s *Server) LameDuck() {
	if s.shutdown.Load() || !s.lameDuck.CompareAndSwap(false, true) {
		return
	}
	s.log.Noticef("Entering lame duck mode, stop accepting new clients")
	opts := s.Options()
	grace := opts.LameDuckGracePeriod
	spread := opts.LameDuckDuration - grace
	if spread <= 0 {
		spread = time.Second
	}
	s.clientsMu.Lock()
	clients := make([]*client, 0, len(s.clients))
	for _, c := range s.clients {
		clients = append(clients, c)
	}
	s.clientsMu.Unlock()
	if len(clients) == 0 {
		s.Shutdown()
		return
	}
	s.announceLameDuck()

	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-t.C:
	case <-s.quit:
		return
	}
	s.log.Noticef("Closing existing clients")
	interval, batch := lameDuckPacing(spread, len(clients))
	for i, c := range clients {
		c.postClose("Server Shutdown")
		if i == len(clients)-1 || (i+1)%batch != 0 {
			continue
		}
		// A random pause of at least half the interval, as nats-server.
		pause := interval/2 + time.Duration(rand.Int64N(int64(interval/2)+1))
		t.Reset(pause)
		select {
		case <-t.C:
		case <-s.quit:
			return
		}
	}
	s.Shutdown()
}

// lameDuckPacing spreads n closes over d: a pause between batches of closes,
// at most a second, and batches larger than one only when n is so large that
// the pause would be under a millisecond.
func lameDuckPacing(d time.Duration, n int) (interval time.Duration, batch int) {
	interval = d / time.Duration(n)
	batch = 1
	if interval < time.Millisecond {
		batch = n / int(d/time.Millisecond)
		if batch < 1 {
			batch = 1
		}
		interval = time.Millisecond
	}
	return min(interval, time.Second), batch
}

// InLameDuckMode reports whether LameDuck has been called. Safe from any
// goroutine.
func (s *Server) InLameDuckMode() bool { return s.lameDuck.Load() }

// announceLameDuck sends INFO with "ldm":true to the clients that take
// asynchronous INFO, with connect_urls naming only the other servers, and
// our route INFO with "ldm":true so peers stop advertising us.
func (s *Server) announceLameDuck() {
	cs := s.cluster
	routeInfo := cs.routeInfoBase(cluster.GossipDefault)
	cs.mu.Lock()
	others := cs.peerURLs.List(nil)
	routeInfo = cs.completeRouteInfoLocked(routeInfo)
	routeInfo.LameDuckMode = true
	routeFrame := func() []byte {
		b, _ := json.Marshal(&routeInfo)
		return appendRouteProto(nil, "INFO ", b)
	}()
	for _, rc := range cs.routes {
		rc.route.queueCtl(routeFrame)
	}
	cs.mu.Unlock()
	if s.engine == nil {
		return
	}
	for _, l := range s.engine.Loops() {
		l.Post(func() {
			for c := range s.loopState(l).clients {
				if c.kind != kindClient || c.protocol < 1 || !c.firstPongDue || c.closing {
					continue
				}
				info := s.clientInfo(c)
				info.ConnectURLs = others
				info.LameDuckMode = true
				b, _ := json.Marshal(&info)
				c.conn.Out = proto.AppendInfo(c.conn.OutBuf(), b)
				c.conn.MarkDirty()
			}
		})
	}
}
