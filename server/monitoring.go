package server

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/evnats/evnats/monitor"
	"github.com/evnats/evnats/options"
	"github.com/evnats/evnats/tlsengine"
)

// monitorServer is the HTTP(S) monitoring listener. It runs on net/http's own
// goroutines; it reads counters atomically and asks loops for per-connection
// snapshots through their task queues, so it never blocks a loop.
type monitorServer struct {
	srv  *http.Server
	ln   net.Listener
	addr *net.TCPAddr
	done chan struct{}
}

// startMonitoring opens the http or https monitoring port, if configured.
func (s *Server) startMonitoring() error {
	opts := s.Options()
	if opts.HTTPPort == 0 && opts.HTTPSPort == 0 {
		return nil
	}
	if opts.HTTPPort != 0 && opts.HTTPSPort != 0 {
		return fmt.Errorf("can't specify both HTTP (%d) and HTTPs (%d) ports", opts.HTTPPort, opts.HTTPSPort)
	}
	host := opts.HTTPHost
	if host == "" {
		host = opts.Host
	}
	port, secure := opts.HTTPPort, false
	if opts.HTTPSPort != 0 {
		port, secure = opts.HTTPSPort, true
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, portString(port)))
	if err != nil {
		return fmt.Errorf("can't listen to the monitor port: %w", err)
	}
	scheme := "http"
	if secure {
		if opts.TLS == nil {
			_ = ln.Close()
			return errors.New("TLS configuration is required for the https monitor port")
		}
		tc, err := opts.TLS.MonitorConfig()
		if err != nil {
			_ = ln.Close()
			return err
		}
		ln = tls.NewListener(ln, tc)
		scheme = "https"
	}
	m := &monitorServer{
		srv:  monitor.NewServer(monitor.NewHandler(s, opts.HTTPBasePath)),
		ln:   ln,
		addr: ln.Addr().(*net.TCPAddr),
		done: make(chan struct{}),
	}
	s.log.Noticef("Starting %s monitor on %s", scheme, net.JoinHostPort(host, strconv.Itoa(m.addr.Port)))
	go func() {
		defer close(m.done)
		if err := m.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Errorf("Error serving monitor: %v", err)
		}
	}()
	s.monitor = m
	return nil
}

func (s *Server) stopMonitoring() {
	if s.monitor == nil {
		return
	}
	_ = s.monitor.srv.Close()
	<-s.monitor.done
}

// MonitorAddr is the bound monitoring address, or nil.
func (s *Server) MonitorAddr() *net.TCPAddr {
	if s.monitor == nil {
		return nil
	}
	return s.monitor.addr
}

// gatherOnLoops runs fn on every loop (through its task queue) and returns
// the results of the loops that answered within the timeout, concatenated.
// fn runs on its loop and must be quick. A loop that answers late writes into
// a channel nobody reads any more, so it can never touch what was returned.
func gatherOnLoops[T any](s *Server, fn func(ls *loopState) []T) []T {
	if s.engine == nil {
		return nil
	}
	loops := s.engine.Loops()
	results := make(chan []T, len(loops))
	for _, l := range loops {
		l.Post(func() { results <- fn(s.loopState(l)) })
	}
	var all []T
	timeout := time.NewTimer(5 * time.Second)
	defer timeout.Stop()
	for range loops {
		select {
		case part := <-results:
			all = append(all, part...)
		case <-timeout.C:
			return all
		}
	}
	return all
}

// Varz implements monitor.Source.
func (s *Server) Varz() *monitor.Varz {
	opts := s.Options()
	lim := s.lim.Load()
	v := &monitor.Varz{
		ID:               s.id,
		Name:             s.name,
		Version:          Version,
		Proto:            protoVersion,
		Host:             opts.Host,
		Port:             opts.Port,
		AuthRequired:     s.auth.Load().Required(),
		MaxConn:          lim.maxConns,
		MaxSubs:          lim.maxSubs,
		PingInterval:     lim.pingInterval,
		MaxPingsOut:      lim.pingMax,
		HTTPHost:         opts.HTTPHost,
		HTTPPort:         opts.HTTPPort,
		HTTPBasePath:     opts.HTTPBasePath,
		HTTPSPort:        opts.HTTPSPort,
		AuthTimeout:      lim.authTimeout.Seconds(),
		MaxControlLine:   int32(lim.maxControlLine),
		MaxPayload:       lim.maxPayload,
		MaxPending:       lim.maxPending,
		TLSTimeout:       lim.tlsTimeout.Seconds(),
		WriteDeadline:    lim.writeDeadline,
		Start:            s.start,
		Connections:      s.NumClients(),
		TotalConnections: s.stats.totalConns.Load(),
		Routes:           s.countRoutes(),
		SlowConsumers:    int64(s.stats.slowConsumers.Load()),
		StaleConnections: int64(s.stats.staleConns.Load()),
		Subscriptions:    uint32(s.subs.Count()),
		ConfigLoadTime:   time.Unix(0, s.cfgLoad.Load()),
		SlowConsumersStats: &monitor.SlowConsumersStats{
			Clients: s.stats.slowClients.Load(),
			Routes:  s.stats.slowRoutes.Load(),
		},
		EventLoops: s.numLoops(),
	}
	if s.clientAddr != nil {
		v.Port = s.clientAddr.Port
	}
	if opts.HTTPHost == "" {
		v.HTTPHost = opts.Host
	}
	if s.monitor != nil {
		if opts.HTTPSPort != 0 {
			v.HTTPSPort = s.monitor.addr.Port
		} else {
			v.HTTPPort = s.monitor.addr.Port
		}
	}
	if opts.TLS != nil {
		v.TLSRequired = !opts.AllowNonTLS
		v.TLSVerify = opts.TLS.Verify == tlsengine.VerifyRequired || opts.TLS.Verify == tlsengine.VerifyAndMap
	}
	v.ClientConnectURLs = s.cluster.clientConnectURLs()
	if opts.Cluster.Port != 0 {
		v.Cluster = s.clusterVarz(opts)
	}
	if s.engine != nil {
		for _, l := range s.engine.Loops() {
			st := &l.Stats
			v.InMsgs += int64(st.InUnits.Load())
			v.InBytes += int64(st.InPayload.Load())
			v.OutMsgs += int64(st.OutUnits.Load())
			v.OutBytes += int64(st.OutPayload.Load())
		}
	}
	s.stats.offendersMu.Lock()
	for _, o := range s.stats.offenders {
		v.SlowConsumerOffenders = append(v.SlowConsumerOffenders, monitor.SlowConsumerOffender{
			Cid: o.CID, Name: o.Name, Subject: o.Subject, Time: o.Time,
		})
	}
	s.stats.offendersMu.Unlock()
	return v
}

func (s *Server) clusterVarz(opts *options.Options) monitor.ClusterOptsVarz {
	cv := monitor.ClusterOptsVarz{
		Name:     s.cluster.name(),
		Host:     clusterHost(opts),
		Port:     opts.Cluster.Port,
		PoolSize: opts.Cluster.PoolSize,
	}
	if s.routeAddr != nil {
		cv.Port = s.routeAddr.Port
	}
	if opts.Cluster.Auth.Timeout > 0 {
		cv.AuthTimeout = opts.Cluster.Auth.Timeout.Seconds()
	}
	for _, u := range opts.Cluster.Routes {
		cv.URLs = append(cv.URLs, u.Host)
	}
	if opts.Cluster.TLS != nil {
		cv.TLSRequired, cv.TLSVerify = true, true
		cv.TLSTimeout = opts.Cluster.TLS.HandshakeTimeout().Seconds()
	}
	return cv
}

// Connz implements monitor.Source.
func (s *Server) Connz(opts *monitor.ConnzOptions) *monitor.Connz {
	cz := &monitor.Connz{ID: s.id, Now: time.Now()}
	withSubs := opts.Subscriptions || opts.SubscriptionsDetail
	if opts.State != monitor.ConnClosed {
		cz.Conns = gatherOnLoops(s, func(ls *loopState) (infos []*monitor.ConnInfo) {
			for c := range ls.clients {
				if c.kind == kindClient && (opts.CID == 0 || c.cid == opts.CID) {
					infos = append(infos, c.connInfo(withSubs))
				}
			}
			return infos
		})
	}
	if opts.State != monitor.ConnOpen {
		for _, snap := range s.closed.all() {
			if opts.CID != 0 && snap.cid != opts.CID {
				continue
			}
			cz.Conns = append(cz.Conns, snap.connInfo())
		}
	}
	return cz
}

// connInfo describes an open client. Loop-only.
func (c *client) connInfo(withSubs bool) *monitor.ConnInfo {
	snap := c.snapshot(false)
	snap.pending = int64(len(c.conn.Out)) + int64(c.conn.OutboundBuffered()) + c.conn.PendingRemote()
	if c.tls != nil && c.tlsHandshaked {
		cs := c.tls.ConnectionState()
		snap.tlsVersion = monitor.TLSVersionName(cs.Version)
		snap.tlsCipher = monitor.TLSCipherName(cs.CipherSuite)
	}
	ci := snap.connInfo()
	if c.tls != nil && c.tlsHandshaked {
		ci.TLSPeerCerts = monitor.PeerCerts(c.tls.ConnectionState().PeerCertificates)
	}
	if withSubs {
		for _, sub := range c.subs {
			ci.SubsDetail = append(ci.SubsDetail, monitor.SubDetail{
				Account: "$G",
				Subject: string(sub.subject),
				Queue:   string(sub.queue),
				Sid:     string(sub.sid),
				Msgs:    sub.delivered.Load(),
				Max:     sub.max.Load(),
				Cid:     c.cid,
			})
		}
	}
	return ci
}

func (snap *connSnapshot) connInfo() *monitor.ConnInfo {
	ci := &monitor.ConnInfo{
		Cid:            snap.cid,
		Kind:           "Client",
		Type:           "nats",
		IP:             snap.host,
		Port:           snap.port,
		Start:          snap.start,
		LastActivity:   snap.lastActivity,
		Reason:         snap.reason,
		Pending:        int(snap.pending),
		InMsgs:         int64(snap.inMsgs),
		OutMsgs:        int64(snap.outMsgs),
		InBytes:        int64(snap.inBytes),
		OutBytes:       int64(snap.outBytes),
		NumSubs:        uint32(snap.numSubs),
		Name:           snap.name,
		Lang:           snap.lang,
		Version:        snap.version,
		TLSVersion:     snap.tlsVersion,
		TLSCipher:      snap.tlsCipher,
		TLSFirst:       snap.tlsFirst,
		AuthorizedUser: snap.user,
		Account:        "$G",
		Loop:           snap.loop,
		SlowConsumer:   snap.slowConsumer,
	}
	if !snap.stop.IsZero() {
		stop := snap.stop
		ci.Stop = &stop
	}
	for _, subj := range snap.subjects {
		ci.SubsDetail = append(ci.SubsDetail, monitor.SubDetail{Account: "$G", Subject: subj, Cid: snap.cid})
	}
	return ci
}

// Routez implements monitor.Source.
func (s *Server) Routez(opts *monitor.RoutezOptions) *monitor.Routez {
	rz := &monitor.Routez{ID: s.id, Name: s.name, Now: time.Now()}
	withSubs := opts.Subscriptions || opts.SubscriptionsDetail
	rz.Routes = gatherOnLoops(s, func(ls *loopState) (infos []*monitor.RouteInfo) {
		for c := range ls.clients {
			if c.kind == kindRoute {
				infos = append(infos, c.routeInfo(withSubs))
			}
		}
		return infos
	})
	return rz
}

// routeInfo describes a route connection. Loop-only.
func (c *client) routeInfo(withSubs bool) *monitor.RouteInfo {
	out, outBytes := c.conn.OutStats()
	ri := &monitor.RouteInfo{
		Rid:          c.cid,
		IP:           c.host,
		Port:         c.port,
		Start:        c.start,
		LastActivity: time.Unix(0, c.lastActivity.Load()),
		Pending:      len(c.conn.Out) + c.conn.OutboundBuffered() + int(c.conn.PendingRemote()),
		InMsgs:       int64(c.inMsgs.Load()),
		InBytes:      int64(c.inBytes.Load()),
		OutMsgs:      int64(out),
		OutBytes:     int64(outBytes),
		NumSubs:      uint32(len(c.subs)),
	}
	c.route.describe(ri)
	if withSubs {
		for _, sub := range c.subs {
			ri.SubsDetail = append(ri.SubsDetail, monitor.SubDetail{
				Account: "$G", Subject: string(sub.subject), Queue: string(sub.queue), Cid: c.cid,
			})
		}
	}
	return ri
}

// countRoutes counts route connections, asking each loop.
func (s *Server) countRoutes() int {
	counts := gatherOnLoops(s, func(ls *loopState) []int {
		k := 0
		for c := range ls.clients {
			if c.kind == kindRoute {
				k++
			}
		}
		return []int{k}
	})
	n := 0
	for _, k := range counts {
		n += k
	}
	return n
}

// Subsz implements monitor.Source.
func (s *Server) Subsz(opts *monitor.SubszOptions) *monitor.Subsz {
	st := s.subs.Stats()
	sz := &monitor.Subsz{
		ID:  s.id,
		Now: time.Now(),
		SublistStats: monitor.SublistStats{
			NumSubs:      st.NumSubs,
			NumCache:     st.NumCache,
			NumInserts:   st.NumInserts,
			NumRemoves:   st.NumRemoves,
			NumMatches:   st.NumMatches,
			CacheHitRate: st.CacheHitRate,
			MaxFanout:    st.MaxFanout,
			AvgFanout:    st.AvgFanout,
		},
	}
	if opts.Subscriptions {
		s.subs.ForEach(func(subject, queue string, sub *subscription) bool {
			sz.Subs = append(sz.Subs, monitor.SubDetail{
				Account: "$G",
				Subject: subject,
				Queue:   queue,
				Sid:     string(sub.sid),
				Msgs:    sub.delivered.Load(),
				Max:     sub.max.Load(),
				Cid:     sub.client.cid,
			})
			return true
		})
	}
	return sz
}

// Loopz implements monitor.Source.
func (s *Server) Loopz() *monitor.Loopz {
	lz := &monitor.Loopz{ID: s.id, Now: time.Now()}
	if s.engine == nil {
		return lz
	}
	for _, l := range s.engine.Loops() {
		st := &l.Stats
		lz.Loops = append(lz.Loops, monitor.LoopInfo{
			Index:        l.Index(),
			Connections:  int(st.Conns.Load()),
			InMsgs:       st.InUnits.Load(),
			OutMsgs:      st.OutUnits.Load(),
			InBytes:      st.InPayload.Load(),
			OutBytes:     st.OutPayload.Load(),
			Wakeups:      st.Wakeups.Load(),
			Flushes:      st.Flushes.Load(),
			FlushedBytes: st.FlushedBytes.Load(),
			BusyNanos:    st.BusyNanos.Load(),
		})
	}
	return lz
}

// Healthz implements monitor.Source.
func (s *Server) Healthz() *monitor.HealthStatus {
	if s.shutdown.Load() {
		return &monitor.HealthStatus{Status: "unavailable", StatusCode: http.StatusServiceUnavailable, Error: "server is shutting down"}
	}
	return &monitor.HealthStatus{Status: "ok"}
}
