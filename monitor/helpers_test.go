package monitor

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// t0 is the fixed "now" of every test handler.
var t0 = time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)

// fakeSource serves canned snapshots. Each call returns a deep copy, as the
// Source contract demands, and records the options it was given.
type fakeSource struct {
	mu         sync.Mutex
	varz       Varz
	conns      []ConnInfo
	routes     []RouteInfo
	subs       []SubDetail
	stats      SublistStats
	loops      []LoopInfo
	health     HealthStatus
	lastConnz  ConnzOptions
	lastSubsz  SubszOptions
	lastRoutez RoutezOptions
}

func (f *fakeSource) Varz() *Varz {
	f.mu.Lock()
	defer f.mu.Unlock()
	v := f.varz
	v.ClientConnectURLs = slices.Clone(v.ClientConnectURLs)
	v.Cluster.URLs = slices.Clone(v.Cluster.URLs)
	if v.SlowConsumersStats != nil {
		s := *v.SlowConsumersStats
		v.SlowConsumersStats = &s
	}
	v.SlowConsumerOffenders = slices.Clone(v.SlowConsumerOffenders)
	return &v
}

func (f *fakeSource) Connz(opts *ConnzOptions) *Connz {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastConnz = *opts
	c := &Connz{ID: f.varz.ID}
	for i := range f.conns {
		ci := f.conns[i]
		ci.Subs = slices.Clone(ci.Subs)
		ci.SubsDetail = slices.Clone(ci.SubsDetail)
		ci.TLSPeerCerts = slices.Clone(ci.TLSPeerCerts)
		c.Conns = append(c.Conns, &ci)
	}
	return c
}

func (f *fakeSource) Routez(opts *RoutezOptions) *Routez {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastRoutez = *opts
	r := &Routez{ID: f.varz.ID, Name: f.varz.Name}
	for i := range f.routes {
		ri := f.routes[i]
		ri.Subs = slices.Clone(ri.Subs)
		ri.SubsDetail = slices.Clone(ri.SubsDetail)
		r.Routes = append(r.Routes, &ri)
	}
	return r
}

func (f *fakeSource) Subsz(opts *SubszOptions) *Subsz {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastSubsz = *opts
	s := &Subsz{ID: f.varz.ID, SublistStats: f.stats}
	if opts.Subscriptions {
		s.Subs = slices.Clone(f.subs)
	}
	return s
}

func (f *fakeSource) Loopz() *Loopz {
	f.mu.Lock()
	defer f.mu.Unlock()
	return &Loopz{ID: f.varz.ID, Loops: slices.Clone(f.loops)}
}

func (f *fakeSource) Healthz() *HealthStatus {
	f.mu.Lock()
	defer f.mu.Unlock()
	h := f.health
	h.Errors = slices.Clone(h.Errors)
	return &h
}

// newTestHandler returns a handler over src with the clock fixed at t0.
func newTestHandler(t testing.TB, src Source, base string) *handler {
	t.Helper()
	h := NewHandler(src, base).(*handler)
	h.now = func() time.Time { return t0 }
	return h
}

// get performs a GET against h and returns the recorded response.
func get(t testing.TB, h http.Handler, target string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	return rec
}

// getJSON performs a GET, requires 200 with JSON and CORS headers, and
// decodes the body into out.
func getJSON(t testing.TB, h http.Handler, target string, out any) {
	t.Helper()
	rec := get(t, h, target)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: status %d, body %q", target, rec.Code, rec.Body.String())
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("GET %s: Content-Type %q", target, ct)
	}
	if cors := rec.Header().Get("Access-Control-Allow-Origin"); cors != "*" {
		t.Fatalf("GET %s: Access-Control-Allow-Origin %q", target, cors)
	}
	dec := json.NewDecoder(rec.Body)
	if err := dec.Decode(out); err != nil {
		t.Fatalf("GET %s: decoding: %v", target, err)
	}
}

// getKeys decodes a JSON object response into a map of its top-level keys.
func getKeys(t testing.TB, h http.Handler, target string) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	getJSON(t, h, target, &m)
	return m
}

// requireKeys fails unless every key is present in m.
func requireKeys(t testing.TB, m map[string]json.RawMessage, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			t.Errorf("missing JSON key %q", k)
		}
	}
}

// expectBadRequest requires a 400 whose body is exactly want.
func expectBadRequest(t testing.TB, h http.Handler, target, want string) {
	t.Helper()
	rec := get(t, h, target)
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("GET %s: status %d, want 400 (body %q)", target, rec.Code, rec.Body.String())
	}
	body, _ := io.ReadAll(rec.Body)
	if got := strings.TrimSpace(string(body)); got != want {
		t.Fatalf("GET %s: body %q, want %q", target, got, want)
	}
}

func timePtr(t time.Time) *time.Time { return &t }

// sampleVarz is a fully populated Varz with distinct values.
func sampleVarz() Varz {
	return Varz{
		ID: "NSRVID", Name: "n1", Version: "2.15.3", Proto: 1, GoVersion: "go1.26",
		Host: "0.0.0.0", Port: 4222, AuthRequired: true, TLSRequired: true, TLSVerify: true,
		IP: "10.0.0.1", ClientConnectURLs: []string{"10.0.0.1:4222"},
		MaxConn: 65536, MaxSubs: 1000, PingInterval: 2 * time.Minute, MaxPingsOut: 2,
		HTTPHost: "127.0.0.1", HTTPPort: 8222, HTTPBasePath: "/", HTTPSPort: 0,
		AuthTimeout: 2, MaxControlLine: 4096, MaxPayload: 1 << 20, MaxPending: 64 << 20,
		Cluster: ClusterOptsVarz{
			Name: "east", Host: "0.0.0.0", Port: 6222, AuthTimeout: 2, URLs: []string{"n2:6222"},
			TLSTimeout: 2, TLSRequired: true, TLSVerify: true, PoolSize: 3,
		},
		TLSTimeout: 2, WriteDeadline: 10 * time.Second,
		Start: t0.Add(-(time.Hour + 2*time.Minute + 3*time.Second)),
		Mem:   123456789, Cores: 8, MaxProcs: 4, CPU: 12.5,
		Connections: 3, TotalConnections: 42, Routes: 2, Remotes: 2, Leafs: 0,
		InMsgs: 1001, OutMsgs: 2002, InBytes: 3003, OutBytes: 4004,
		SlowConsumers: 5, StaleConnections: 6, Subscriptions: 7,
		ConfigLoadTime:     t0.Add(-time.Hour),
		SlowConsumersStats: &SlowConsumersStats{Clients: 4, Routes: 1},
		SlowConsumerOffenders: []SlowConsumerOffender{
			{Cid: 9, Name: "slowpoke", Subject: "feed.x", Time: t0.Add(-time.Minute)},
		},
		EventLoops: 2,
	}
}
