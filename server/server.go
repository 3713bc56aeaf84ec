package server

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/evnats/evnats/auth"
	"github.com/evnats/evnats/options"
	"github.com/evnats/evnats/reactor"
	"github.com/evnats/evnats/sublist"
)

// Version is the evnats release, reported in INFO, /varz and the start-up log.
const Version = "0.1.0"

// protoVersion is the client protocol level evnats speaks (nats-server's 1).
const protoVersion = 1

// listenerClient and listenerRoute index reactor.Config.Listeners.
const (
	listenerClient = 0
	listenerRoute  = 1
)

// Server is one evnats broker. Its exported methods are safe for concurrent use.
type Server struct {
	opts atomic.Pointer[options.Options]
	lim  atomic.Pointer[limits]
	log  *Logger

	id    string
	name  string
	start time.Time

	engine     *reactor.Engine
	clientAddr *net.TCPAddr
	routeAddr  *net.TCPAddr

	subs *sublist.Sublist[*subscription]

	auth      atomic.Pointer[auth.Authenticator]
	tlsConf   atomic.Pointer[tls.Config]
	workers   *workerPool
	monitor   *monitorServer
	cluster   *clusterState
	closed    *closedRing
	stats     serverStats
	reloadMu  sync.Mutex
	reloadSrc ReloadSource
	cfgLoad   atomic.Int64 // unix nanos of the last successful (re)load

	cidSeq     atomic.Uint64
	numClients atomic.Int64

	clientsMu sync.Mutex
	clients   map[uint64]*client

	lameDuck     atomic.Bool
	shutdown     atomic.Bool
	quit         chan struct{} // closed when Shutdown begins
	shutdownDone chan struct{}
}

// serverStats are totals not kept per loop.
type serverStats struct {
	totalConns    atomic.Uint64
	slowConsumers atomic.Uint64
	slowClients   atomic.Uint64
	slowRoutes    atomic.Uint64
	staleConns    atomic.Uint64
	offendersMu   sync.Mutex
	offenders     []slowOffender
}

// limits are the options the hot path reads, swapped whole on reload.
type limits struct {
	maxPayload     int
	maxControlLine int
	maxPending     int64
	maxSubs        int
	maxConns       int
	pingInterval   time.Duration
	pingMax        int
	writeDeadline  time.Duration
	authTimeout    time.Duration
	tlsTimeout     time.Duration
	noHeaders      bool
}

// New validates opts and builds a server. It binds nothing: call Start.
// The server keeps its own copy of opts.
func New(opts *options.Options) (*Server, error) {
	if opts == nil {
		opts = options.Default()
	}
	opts = opts.Clone()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	s := &Server{
		log:          NewLogger(nil, opts.Logtime, opts.LogtimeUTC),
		id:           newServerID(),
		start:        time.Now(),
		subs:         sublist.New[*subscription](),
		clients:      make(map[uint64]*client),
		closed:       newClosedRing(opts.MaxClosedClients),
		shutdownDone: make(chan struct{}),
		quit:         make(chan struct{}),
	}
	s.name = opts.ServerName
	if s.name == "" {
		s.name = s.id
	}
	if opts.LogFile != "" {
		if err := s.log.OpenLogFile(opts.LogFile); err != nil {
			return nil, err
		}
	}
	s.log.SetLevels(opts.Debug, opts.Trace)
	if err := s.applyOptions(opts); err != nil {
		return nil, err
	}
	s.cluster = newClusterState(s)
	if err := s.cluster.cfgErr; err != nil {
		return nil, err
	}
	s.workers = newWorkerPool(runtime.GOMAXPROCS(0))
	s.cfgLoad.Store(time.Now().UnixNano())
	return s, nil
}

// applyOptions installs everything that can change at run time.
func (s *Server) applyOptions(opts *options.Options) error {
	a, err := auth.New(opts.Auth)
	if err != nil {
		return err
	}
	var tc *tls.Config
	if opts.TLS != nil {
		tc, err = opts.TLS.ServerConfig()
		if err != nil {
			return err
		}
	}
	tlsTimeout := options.DefaultTLSTimeout
	if opts.TLS != nil && opts.TLS.Timeout > 0 {
		tlsTimeout = opts.TLS.Timeout
	}
	authTimeout := opts.Auth.Timeout
	if authTimeout <= 0 {
		authTimeout = options.DefaultAuthTimeout
		if opts.TLS != nil {
			authTimeout = tlsTimeout + time.Second
		}
	}
	s.lim.Store(&limits{
		maxPayload:     opts.MaxPayload,
		maxControlLine: opts.MaxControlLine,
		maxPending:     opts.MaxPending,
		maxSubs:        opts.MaxSubscriptions,
		maxConns:       opts.MaxConnections,
		pingInterval:   opts.PingInterval,
		pingMax:        opts.PingMax,
		writeDeadline:  opts.WriteDeadline,
		authTimeout:    authTimeout,
		tlsTimeout:     tlsTimeout,
		noHeaders:      opts.NoHeaderSupport,
	})
	s.auth.Store(a)
	if tc != nil {
		s.tlsConf.Store(tc)
	} else {
		s.tlsConf.Store(nil)
	}
	s.log.SetLevels(opts.Debug, opts.Trace)
	s.opts.Store(opts)
	return nil
}

// Options returns the options in force. The caller must not modify them.
func (s *Server) Options() *options.Options { return s.opts.Load() }

// Logger returns the server's logger.
func (s *Server) Logger() *Logger { return s.log }

// ID is the server's unique id (INFO server_id).
func (s *Server) ID() string { return s.id }

// Name is the server name (INFO server_name).
func (s *Server) Name() string { return s.name }

// Start binds the listeners and starts the event loops, then logs
// "Server is ready". It returns once clients can connect.
func (s *Server) Start() error {
	opts := s.Options()
	s.log.Noticef("Starting evnats version %s", Version)
	s.log.Noticef("  Go build: %s", runtime.Version())
	s.log.Noticef("  Name:     %s", s.name)
	s.log.Noticef("  ID:       %s", s.id)
	s.log.Noticef("  Loops:    %d", s.numLoops())
	if opts.ConfigFile != "" {
		s.log.Noticef("Using configuration file: %s", opts.ConfigFile)
	}
	if opts.PidFile != "" {
		if err := os.WriteFile(opts.PidFile, []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
			return fmt.Errorf("could not write pidfile: %w", err)
		}
	}
	if err := s.startMonitoring(); err != nil {
		return err
	}
	listeners := []string{net.JoinHostPort(opts.Host, portString(opts.Port))}
	if opts.Cluster.Port != 0 {
		listeners = append(listeners, net.JoinHostPort(clusterHost(opts), portString(opts.Cluster.Port)))
	}
	addrs, err := reactor.ResolveAddrs(listeners)
	if err != nil {
		return err
	}
	s.clientAddr = addrs[listenerClient]
	if len(addrs) > listenerRoute {
		s.routeAddr = addrs[listenerRoute]
	}
	resolved := make([]string, len(addrs))
	for i, a := range addrs {
		resolved[i] = a.String()
	}
	eng, err := reactor.Start(reactor.Config{
		Listeners: resolved,
		Loops:     opts.Loops,
		ReusePort: opts.ReusePort,
		Logf:      func(f string, a ...any) { s.log.Errorf("gnet: "+f, a...) },
	}, &handler{s: s})
	if err != nil {
		return err
	}
	s.engine = eng
	go s.runHandshakeGovernor()
	s.log.Noticef("Listening for client connections on %s", net.JoinHostPort(opts.Host, strconv.Itoa(s.clientAddr.Port)))
	if opts.TLS != nil {
		if opts.AllowNonTLS {
			s.log.Noticef("TLS available for client connections")
		} else {
			s.log.Noticef("TLS required for client connections")
		}
	}
	if s.routeAddr != nil {
		s.log.Noticef("Cluster name is %s", s.cluster.name())
		s.log.Noticef("Listening for route connections on %s", net.JoinHostPort(clusterHost(opts), strconv.Itoa(s.routeAddr.Port)))
		s.cluster.start()
	}
	s.log.Noticef("Server is ready")
	return nil
}

func portString(p int) string {
	if p == options.RandomPort {
		return "0"
	}
	return strconv.Itoa(p)
}

func clusterHost(o *options.Options) string {
	if o.Cluster.Host != "" {
		return o.Cluster.Host
	}
	return o.Host
}

func (s *Server) numLoops() int {
	if n := s.Options().Loops; n > 0 {
		return n
	}
	return runtime.GOMAXPROCS(0)
}

// ClientAddr is the bound client listener address (valid after Start).
func (s *Server) ClientAddr() *net.TCPAddr { return s.clientAddr }

// ClientURL is a nats:// URL for the client port on loopback when the server
// listens on every interface.
func (s *Server) ClientURL() string {
	host := s.Options().Host
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "nats://" + net.JoinHostPort(host, strconv.Itoa(s.clientAddr.Port))
}

// RouteAddr is the bound cluster listener address, or nil.
func (s *Server) RouteAddr() *net.TCPAddr { return s.routeAddr }

// NumClients is the number of client connections (not routes).
func (s *Server) NumClients() int { return int(s.numClients.Load()) }

// NumSubscriptions is the number of subscriptions in the sublist.
func (s *Server) NumSubscriptions() int { return s.subs.Count() }

// Shutdown closes every connection and stops the loops. Safe to call more than once.
func (s *Server) Shutdown() {
	if !s.shutdown.CompareAndSwap(false, true) {
		<-s.shutdownDone
		return
	}
	defer close(s.shutdownDone)
	close(s.quit)
	s.cluster.stop()
	s.stopMonitoring()
	if s.engine != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_ = s.engine.Stop(ctx)
		cancel()
	}
	s.workers.stop()
	if pf := s.Options().PidFile; pf != "" {
		_ = os.Remove(pf)
	}
	s.log.Noticef("Server Exiting..")
	s.log.Close()
}

// WaitForShutdown blocks until Shutdown has finished.
func (s *Server) WaitForShutdown() { <-s.shutdownDone }

// errServerShutdown is returned for work refused during shutdown.
var errServerShutdown = errors.New("server shutting down")

func newServerID() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	var raw [55]byte
	_, _ = rand.Read(raw[:])
	id := make([]byte, 56)
	id[0] = 'N'
	for i, b := range raw {
		id[i+1] = alphabet[int(b)%len(alphabet)]
	}
	return string(id)
}
