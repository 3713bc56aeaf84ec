package monitor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// natsVarz spells out the /varz keys nats-server v2.15 uses, independently of
// our Varz type, so a renamed tag fails here.
type natsVarz struct {
	ServerID          string            `json:"server_id"`
	ServerName        string            `json:"server_name"`
	Version           string            `json:"version"`
	Proto             int               `json:"proto"`
	Go                string            `json:"go"`
	Host              string            `json:"host"`
	Port              int               `json:"port"`
	AuthRequired      bool              `json:"auth_required"`
	TLSRequired       bool              `json:"tls_required"`
	TLSVerify         bool              `json:"tls_verify"`
	IP                string            `json:"ip"`
	ConnectURLs       []string          `json:"connect_urls"`
	MaxConnections    int               `json:"max_connections"`
	MaxSubscriptions  int               `json:"max_subscriptions"`
	PingInterval      int64             `json:"ping_interval"`
	PingMax           int               `json:"ping_max"`
	HTTPHost          string            `json:"http_host"`
	HTTPPort          int               `json:"http_port"`
	HTTPBasePath      string            `json:"http_base_path"`
	HTTPSPort         int               `json:"https_port"`
	AuthTimeout       float64           `json:"auth_timeout"`
	MaxControlLine    int               `json:"max_control_line"`
	MaxPayload        int               `json:"max_payload"`
	MaxPending        int64             `json:"max_pending"`
	TLSTimeout        float64           `json:"tls_timeout"`
	WriteDeadline     int64             `json:"write_deadline"`
	Start             string            `json:"start"`
	Now               string            `json:"now"`
	Uptime            string            `json:"uptime"`
	Mem               int64             `json:"mem"`
	Cores             int               `json:"cores"`
	GoMaxProcs        int               `json:"gomaxprocs"`
	CPU               float64           `json:"cpu"`
	Connections       int               `json:"connections"`
	TotalConnections  uint64            `json:"total_connections"`
	Routes            int               `json:"routes"`
	Remotes           int               `json:"remotes"`
	Leafnodes         int               `json:"leafnodes"`
	InMsgs            int64             `json:"in_msgs"`
	InBytes           int64             `json:"in_bytes"`
	OutMsgs           int64             `json:"out_msgs"`
	OutBytes          int64             `json:"out_bytes"`
	SlowConsumers     int64             `json:"slow_consumers"`
	StaleConnections  int64             `json:"stale_connections"`
	Subscriptions     uint32            `json:"subscriptions"`
	ConfigLoadTime    string            `json:"config_load_time"`
	HTTPReqStats      map[string]uint64 `json:"http_req_stats"`
	SlowConsumerStats struct {
		Clients  uint64 `json:"clients"`
		Routes   uint64 `json:"routes"`
		Gateways uint64 `json:"gateways"`
		Leafs    uint64 `json:"leafs"`
	} `json:"slow_consumer_stats"`
	Cluster struct {
		Name        string   `json:"name"`
		Addr        string   `json:"addr"`
		ClusterPort int      `json:"cluster_port"`
		AuthTimeout float64  `json:"auth_timeout"`
		URLs        []string `json:"urls"`
		TLSTimeout  float64  `json:"tls_timeout"`
		TLSRequired bool     `json:"tls_required"`
		TLSVerify   bool     `json:"tls_verify"`
		PoolSize    int      `json:"pool_size"`
	} `json:"cluster"`
	Offenders []struct {
		Cid     uint64 `json:"cid"`
		Name    string `json:"name"`
		Subject string `json:"subject"`
		Time    string `json:"time"`
	} `json:"slow_consumer_offenders"`
	EventLoops int `json:"event_loops"`
}

func TestVarzFields(t *testing.T) {
	src := &fakeSource{varz: sampleVarz()}
	h := newTestHandler(t, src, "")

	var got natsVarz
	getJSON(t, h, "/varz", &got)
	checks := []struct {
		name      string
		got, want any
	}{
		{"server_id", got.ServerID, "NSRVID"},
		{"server_name", got.ServerName, "n1"},
		{"version", got.Version, "2.15.3"},
		{"proto", got.Proto, 1},
		{"go", got.Go, "go1.26"},
		{"host", got.Host, "0.0.0.0"},
		{"port", got.Port, 4222},
		{"auth_required", got.AuthRequired, true},
		{"tls_required", got.TLSRequired, true},
		{"tls_verify", got.TLSVerify, true},
		{"ip", got.IP, "10.0.0.1"},
		{"connect_urls", fmt.Sprint(got.ConnectURLs), "[10.0.0.1:4222]"},
		{"max_connections", got.MaxConnections, 65536},
		{"max_subscriptions", got.MaxSubscriptions, 1000},
		{"ping_interval", got.PingInterval, int64(2 * time.Minute)},
		{"ping_max", got.PingMax, 2},
		{"http_host", got.HTTPHost, "127.0.0.1"},
		{"http_port", got.HTTPPort, 8222},
		{"http_base_path", got.HTTPBasePath, "/"},
		{"https_port", got.HTTPSPort, 0},
		{"auth_timeout", got.AuthTimeout, 2.0},
		{"max_control_line", got.MaxControlLine, 4096},
		{"max_payload", got.MaxPayload, 1 << 20},
		{"max_pending", got.MaxPending, int64(64 << 20)},
		{"tls_timeout", got.TLSTimeout, 2.0},
		{"write_deadline", got.WriteDeadline, int64(10 * time.Second)},
		{"start", got.Start, "2025-03-04T04:04:04Z"},
		{"now", got.Now, "2025-03-04T05:06:07Z"},
		{"uptime", got.Uptime, "1h2m3s"},
		{"mem", got.Mem, int64(123456789)},
		{"cores", got.Cores, 8},
		{"gomaxprocs", got.GoMaxProcs, 4},
		{"cpu", got.CPU, 12.5},
		{"connections", got.Connections, 3},
		{"total_connections", got.TotalConnections, uint64(42)},
		{"routes", got.Routes, 2},
		{"remotes", got.Remotes, 2},
		{"leafnodes", got.Leafnodes, 0},
		{"in_msgs", got.InMsgs, int64(1001)},
		{"out_msgs", got.OutMsgs, int64(2002)},
		{"in_bytes", got.InBytes, int64(3003)},
		{"out_bytes", got.OutBytes, int64(4004)},
		{"slow_consumers", got.SlowConsumers, int64(5)},
		{"stale_connections", got.StaleConnections, int64(6)},
		{"subscriptions", got.Subscriptions, uint32(7)},
		{"config_load_time", got.ConfigLoadTime, "2025-03-04T04:06:07Z"},
		{"slow_consumer_stats.clients", got.SlowConsumerStats.Clients, uint64(4)},
		{"slow_consumer_stats.routes", got.SlowConsumerStats.Routes, uint64(1)},
		{"cluster.name", got.Cluster.Name, "east"},
		{"cluster.addr", got.Cluster.Addr, "0.0.0.0"},
		{"cluster.cluster_port", got.Cluster.ClusterPort, 6222},
		{"cluster.auth_timeout", got.Cluster.AuthTimeout, 2.0},
		{"cluster.urls", fmt.Sprint(got.Cluster.URLs), "[n2:6222]"},
		{"cluster.tls_timeout", got.Cluster.TLSTimeout, 2.0},
		{"cluster.tls_required", got.Cluster.TLSRequired, true},
		{"cluster.tls_verify", got.Cluster.TLSVerify, true},
		{"cluster.pool_size", got.Cluster.PoolSize, 3},
		{"slow_consumer_offenders", fmt.Sprint(got.Offenders), "[{9 slowpoke feed.x 2025-03-04T05:05:07Z}]"},
		{"event_loops", got.EventLoops, 2},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	keys := getKeys(t, h, "/varz")
	requireKeys(t, keys, "http_req_stats", "slow_consumer_stats", "cluster")
}

func TestVarzDefaults(t *testing.T) {
	h := newTestHandler(t, &fakeSource{varz: Varz{ID: "X", Start: t0.Add(-3 * time.Second)}}, "")
	var got natsVarz
	getJSON(t, h, "/varz", &got)
	if got.Uptime != "3s" || got.Now != "2025-03-04T05:06:07Z" {
		t.Errorf("uptime %q now %q", got.Uptime, got.Now)
	}
	if got.Go == "" || got.Cores == 0 || got.GoMaxProcs == 0 {
		t.Errorf("runtime defaults not filled: go %q cores %d gomaxprocs %d", got.Go, got.Cores, got.GoMaxProcs)
	}
	if got.Mem <= 0 {
		t.Errorf("mem %d, want the measured resident size", got.Mem)
	}
	keys := getKeys(t, h, "/varz")
	if string(keys["slow_consumer_stats"]) == "null" {
		t.Error("slow_consumer_stats is null, want zero counts")
	}
}

func TestHTTPReqStats(t *testing.T) {
	h := newTestHandler(t, &fakeSource{varz: sampleVarz()}, "")
	for _, p := range []string{"/connz", "/connz", "/subscriptionsz", "/subsz", "/", "/healthz", "/nope"} {
		get(t, h, p)
	}
	var got natsVarz
	getJSON(t, h, "/varz", &got)
	want := map[string]uint64{
		"/": 1, "/varz": 1, "/connz": 2, "/routez": 0, "/subsz": 2,
		"/healthz": 1, "/loopz": 0, "/metrics": 0,
	}
	if fmt.Sprint(got.HTTPReqStats) != fmt.Sprint(want) {
		t.Errorf("http_req_stats = %v, want %v", got.HTTPReqStats, want)
	}
}

func TestJSONFormatting(t *testing.T) {
	h := newTestHandler(t, &fakeSource{varz: sampleVarz()}, "")
	body := get(t, h, "/varz").Body.String()
	if !strings.HasPrefix(body, "{\n  \"server_id\": \"NSRVID\",\n") {
		t.Errorf("/varz not indented with two spaces: %.60q", body)
	}
	body = get(t, h, "/healthz").Body.String()
	if body != `{"status":"ok"}` {
		t.Errorf("/healthz body %q, want compact {\"status\":\"ok\"}", body)
	}
}

func TestCORSOnEveryJSONEndpoint(t *testing.T) {
	h := newTestHandler(t, &fakeSource{varz: sampleVarz()}, "")
	for _, p := range []string{"/varz", "/connz", "/routez", "/subsz", "/subscriptionsz", "/healthz", "/loopz"} {
		t.Run(p, func(t *testing.T) {
			var m map[string]any
			getJSON(t, h, p, &m) // checks status, Content-Type and CORS
		})
	}
}

func TestBasePath(t *testing.T) {
	tests := []struct {
		base, path string
		want       int
	}{
		{"", "/", 200},
		{"", "/varz", 200},
		{"", "/nats/varz", 404},
		{"/", "/connz", 200},
		{"nats", "/nats", 200},
		{"nats", "/nats/", 200},
		{"/nats/", "/nats/varz", 200},
		{"/nats", "/nats/subscriptionsz", 200},
		{"/nats", "/nats/metrics", 200},
		{"/nats", "/varz", 404},
		{"/nats", "/", 404},
		{"/nats", "/natsvarz", 404},
		{"/nats", "/nats/varz/", 404},
		{"/a/b", "/a/b/healthz", 200},
		{"", "/varz/x", 404},
	}
	for _, tc := range tests {
		t.Run(tc.base+"|"+tc.path, func(t *testing.T) {
			h := newTestHandler(t, &fakeSource{varz: sampleVarz()}, tc.base)
			if rec := get(t, h, tc.path); rec.Code != tc.want {
				t.Errorf("status %d, want %d", rec.Code, tc.want)
			}
		})
	}
}

func TestRootIndex(t *testing.T) {
	h := newTestHandler(t, &fakeSource{}, "/mon")
	rec := get(t, h, "/mon")
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Fatalf("Content-Type %q", ct)
	}
	body := rec.Body.String()
	for _, p := range []string{"varz", "connz", "routez", "subsz", "loopz", "metrics", "healthz"} {
		if link := `href="/mon/` + p + `"`; !strings.Contains(body, link) {
			t.Errorf("index lacks %s", link)
		}
	}
}

func TestJSONP(t *testing.T) {
	h := newTestHandler(t, &fakeSource{varz: sampleVarz()}, "")
	rec := get(t, h, "/varz?callback=app.cb_1")
	if ct := rec.Header().Get("Content-Type"); ct != "application/javascript" {
		t.Errorf("Content-Type %q", ct)
	}
	if body := rec.Body.String(); !strings.HasPrefix(body, "app.cb_1({") || !strings.HasSuffix(body, "})") {
		t.Errorf("body %.40q...", body)
	}
	for _, cb := range []string{"alert(1)", "a..b", "1a", "a%3Cscript%3E"} {
		if rec := get(t, h, "/varz?callback="+cb); rec.Code != http.StatusBadRequest {
			t.Errorf("callback %q: status %d, want 400", cb, rec.Code)
		}
	}
}

func TestHealthz(t *testing.T) {
	tests := []struct {
		name     string
		health   HealthStatus
		query    string
		wantCode int
		wantBody string
	}{
		{"healthy", HealthStatus{}, "", 200, `{"status":"ok"}`},
		{"failing", HealthStatus{Error: "not ready"}, "", 503, `{"status":"error","error":"not ready"}`},
		{"own status code", HealthStatus{Status: "unavailable", StatusCode: 500, Error: "boom"}, "",
			500, `{"status":"unavailable","error":"boom"}`},
		{"details", HealthStatus{Error: "not ready"}, "?details=true", 503,
			`{"status":"error","errors":[{"type":"CONNECTION","error":"not ready"}]}`},
		{"details healthy", HealthStatus{}, "?details=1", 200, `{"status":"ok"}`},
		{"js flags ignored", HealthStatus{}, "?js-enabled-only=true&js-server-only=false", 200, `{"status":"ok"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newTestHandler(t, &fakeSource{health: tc.health}, "")
			rec := get(t, h, "/healthz"+tc.query)
			if rec.Code != tc.wantCode || rec.Body.String() != tc.wantBody {
				t.Errorf("got %d %s, want %d %s", rec.Code, rec.Body, tc.wantCode, tc.wantBody)
			}
		})
	}
	h := newTestHandler(t, &fakeSource{}, "")
	expectBadRequest(t, h, "/healthz?details=maybe",
		`Error decoding boolean for 'details': strconv.ParseBool: parsing "maybe": invalid syntax`)
}

func TestRoutez(t *testing.T) {
	src := &fakeSource{varz: sampleVarz(), routes: []RouteInfo{
		{Rid: 7, RemoteID: "NB", RemoteName: "n3", IP: "10.0.0.3", Port: 6222, Start: t0.Add(-time.Minute),
			LastActivity: t0.Add(-2 * time.Second), Subs: []string{"a"}, SubsDetail: []SubDetail{{Subject: "a", Sid: "1"}},
			Pending: 5, NumSubs: 1, Compression: "off"},
		{Rid: 3, RemoteID: "NA", RemoteName: "n2", DidSolicit: true, IsConfigured: true, IP: "10.0.0.2", Port: 6222,
			Start: t0.Add(-time.Hour), LastActivity: t0, InMsgs: 1, OutMsgs: 2, InBytes: 3, OutBytes: 4},
	}}
	h := newTestHandler(t, src, "")

	keys := getKeys(t, h, "/routez")
	requireKeys(t, keys, "server_id", "server_name", "now", "num_routes", "routes")

	type routez struct {
		NumRoutes int `json:"num_routes"`
		Routes    []struct {
			Rid          uint64            `json:"rid"`
			RemoteID     string            `json:"remote_id"`
			RemoteName   string            `json:"remote_name"`
			DidSolicit   bool              `json:"did_solicit"`
			IsConfigured bool              `json:"is_configured"`
			IP           string            `json:"ip"`
			Port         int               `json:"port"`
			Uptime       string            `json:"uptime"`
			Idle         string            `json:"idle"`
			PendingSize  int               `json:"pending_size"`
			InMsgs       int64             `json:"in_msgs"`
			OutBytes     int64             `json:"out_bytes"`
			SubsList     []string          `json:"subscriptions_list"`
			SubsDetail   []json.RawMessage `json:"subscriptions_list_detail"`
		} `json:"routes"`
	}
	var rz routez
	getJSON(t, h, "/routez", &rz)
	if rz.NumRoutes != 2 || rz.Routes[0].Rid != 3 || rz.Routes[1].Rid != 7 {
		t.Fatalf("routes not ordered by rid: %+v", rz)
	}
	r0, r1 := rz.Routes[0], rz.Routes[1]
	if r0.RemoteName != "n2" || !r0.DidSolicit || !r0.IsConfigured || r0.Uptime != "1h0m0s" || r0.Idle != "0s" ||
		r0.InMsgs != 1 || r0.OutBytes != 4 {
		t.Errorf("route 3: %+v", r0)
	}
	if r1.PendingSize != 5 || r1.Uptime != "1m0s" || r1.Idle != "2s" || r1.SubsList != nil || r1.SubsDetail != nil {
		t.Errorf("route 7 without subs: %+v", r1)
	}

	var withSubs, withDetail routez // fresh: decoding into rz would keep absent fields
	getJSON(t, h, "/routez?subs=1", &withSubs)
	if r := withSubs.Routes[1]; fmt.Sprint(r.SubsList) != "[a]" || r.SubsDetail != nil {
		t.Errorf("subs=1: %+v", r)
	}
	getJSON(t, h, "/routez?subs=detail", &withDetail)
	if r := withDetail.Routes[1]; r.SubsList != nil || len(r.SubsDetail) != 1 {
		t.Errorf("subs=detail: %+v", r)
	}
	expectBadRequest(t, h, "/routez?subs=x",
		`Error decoding boolean for 'subs': strconv.ParseBool: parsing "x": invalid syntax`)
}

func TestLoopz(t *testing.T) {
	src := &fakeSource{varz: sampleVarz(), loops: []LoopInfo{
		{Index: 0, Connections: 2, InMsgs: 10, OutMsgs: 20, InBytes: 30, OutBytes: 40, Wakeups: 5,
			Flushes: 4, FlushedBytes: 1000, BusyNanos: 1500},
		{Index: 1, BusyPct: 12.5},
	}}
	h := newTestHandler(t, src, "")
	keys := getKeys(t, h, "/loopz")
	requireKeys(t, keys, "server_id", "now", "loops")

	var lz struct {
		ServerID string           `json:"server_id"`
		Loops    []map[string]any `json:"loops"`
	}
	getJSON(t, h, "/loopz", &lz)
	if lz.ServerID != "NSRVID" || len(lz.Loops) != 2 {
		t.Fatalf("loopz %+v", lz)
	}
	want := map[string]float64{
		"index": 0, "connections": 2, "in_msgs": 10, "out_msgs": 20, "in_bytes": 30, "out_bytes": 40,
		"wakeups": 5, "flushes": 4, "flushed_bytes": 1000, "mean_flush_bytes": 250, "busy_ns": 1500,
	}
	for k, v := range want {
		if got, ok := lz.Loops[0][k].(float64); !ok || got != v {
			t.Errorf("loops[0].%s = %v, want %v", k, lz.Loops[0][k], v)
		}
	}
	if lz.Loops[1]["busy_pct"] != 12.5 {
		t.Errorf("loops[1].busy_pct = %v", lz.Loops[1]["busy_pct"])
	}
}

// nilSource returns nil from everything; the handler must still answer.
type nilSource struct{}

func (nilSource) Varz() *Varz                   { return nil }
func (nilSource) Connz(*ConnzOptions) *Connz    { return nil }
func (nilSource) Routez(*RoutezOptions) *Routez { return nil }
func (nilSource) Subsz(*SubszOptions) *Subsz    { return nil }
func (nilSource) Loopz() *Loopz                 { return nil }
func (nilSource) Healthz() *HealthStatus        { return nil }

func TestNilSnapshots(t *testing.T) {
	h := newTestHandler(t, nilSource{}, "")
	for _, p := range []string{"/varz", "/connz", "/routez", "/subsz?subs=1", "/loopz", "/healthz", "/metrics"} {
		if rec := get(t, h, p); rec.Code != http.StatusOK {
			t.Errorf("%s: status %d", p, rec.Code)
		}
	}
	keys := getKeys(t, h, "/connz")
	if string(keys["connections"]) != "[]" {
		t.Errorf("connections = %s, want []", keys["connections"])
	}
	keys = getKeys(t, h, "/routez")
	if string(keys["routes"]) != "[]" {
		t.Errorf("routes = %s, want []", keys["routes"])
	}
}

func TestConcurrentRequests(t *testing.T) {
	src := &fakeSource{varz: sampleVarz(), conns: makeConns(50), loops: []LoopInfo{{Index: 0}}}
	h := newTestHandler(t, src, "")
	paths := []string{"/varz", "/connz?sort=msgs_to&limit=5", "/subsz?subs=1", "/metrics", "/loopz", "/healthz"}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 25 {
				p := paths[(w+i)%len(paths)]
				if rec := get(t, h, p); rec.Code != http.StatusOK {
					t.Errorf("%s: %d", p, rec.Code)
				}
			}
		})
	}
	wg.Wait()
	var got natsVarz
	getJSON(t, h, "/varz", &got)
	var sum uint64
	for _, n := range got.HTTPReqStats {
		sum += n
	}
	if sum != 101 {
		t.Errorf("http_req_stats total %d, want 101", sum)
	}
}

func TestNewServerServesOverTCP(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(NewHandler(&fakeSource{varz: sampleVarz()}, ""))
	if srv.ReadHeaderTimeout <= 0 || srv.MaxHeaderBytes <= 0 {
		t.Fatalf("server without limits: %+v", srv)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
	})

	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get("http://" + ln.Addr().String() + "/varz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v natsVarz
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || v.ServerID != "NSRVID" {
		t.Fatalf("status %d, server_id %q", resp.StatusCode, v.ServerID)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
}
