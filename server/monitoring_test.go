package server

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/evnats/evnats/options"
	"github.com/evnats/evnats/tlsengine"
)

// The structs below spell out nats-server's JSON keys independently of the
// monitor package's own types, so a renamed field fails here.
type varzJSON struct {
	ServerID      string `json:"server_id"`
	Connections   int    `json:"connections"`
	TotalConns    uint64 `json:"total_connections"`
	InMsgs        int64  `json:"in_msgs"`
	OutMsgs       int64  `json:"out_msgs"`
	InBytes       int64  `json:"in_bytes"`
	OutBytes      int64  `json:"out_bytes"`
	Subscriptions uint32 `json:"subscriptions"`
	SlowConsumers int64  `json:"slow_consumers"`
	MaxPayload    int    `json:"max_payload"`
	Routes        int    `json:"routes"`
	EventLoops    int    `json:"event_loops"`
	Offenders     []struct {
		Cid  uint64 `json:"cid"`
		Name string `json:"name"`
	} `json:"slow_consumer_offenders"`
}

type connzJSON struct {
	NumConnections int `json:"num_connections"`
	Total          int `json:"total"`
	Connections    []struct {
		Cid      uint64   `json:"cid"`
		Name     string   `json:"name"`
		InMsgs   int64    `json:"in_msgs"`
		OutMsgs  int64    `json:"out_msgs"`
		InBytes  int64    `json:"in_bytes"`
		OutBytes int64    `json:"out_bytes"`
		NumSubs  uint32   `json:"subscriptions"`
		Subs     []string `json:"subscriptions_list"`
		Reason   string   `json:"reason"`
		Loop     int      `json:"loop"`
	} `json:"connections"`
}

type loopzJSON struct {
	Loops []loopJSON `json:"loops"`
}

type loopJSON struct {
	Index        int    `json:"index"`
	Connections  int    `json:"connections"`
	InMsgs       uint64 `json:"in_msgs"`
	OutMsgs      uint64 `json:"out_msgs"`
	InBytes      uint64 `json:"in_bytes"`
	OutBytes     uint64 `json:"out_bytes"`
	Wakeups      uint64 `json:"wakeups"`
	Flushes      uint64 `json:"flushes"`
	FlushedBytes uint64 `json:"flushed_bytes"`
	BusyNanos    uint64 `json:"busy_ns"`
}

func getJSON(t *testing.T, client *http.Client, url string, v any) {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: status %d", url, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("%s: %v", url, err)
	}
}

func monitorURL(s *Server) string {
	return fmt.Sprintf("http://127.0.0.1:%d", s.MonitorAddr().Port)
}

func TestMonitoringCountsAfterKnownTraffic(t *testing.T) {
	s := runServer(t, func(o *options.Options) { o.HTTPPort = options.RandomPort })
	base := monitorURL(s)
	subA := connect(t, s, nats.Name("a"))
	subB := connect(t, s, nats.Name("b"))
	pub := connect(t, s, nats.Name("pub"))
	for _, nc := range []*nats.Conn{subA, subB} {
		if _, err := nc.Subscribe("m.>", func(*nats.Msg) {}); err != nil {
			t.Fatal(err)
		}
		if err := nc.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	const msgs, size = 100, 10
	for range msgs {
		if err := pub.Publish("m.x", make([]byte, size)); err != nil {
			t.Fatal(err)
		}
	}
	if err := pub.Flush(); err != nil {
		t.Fatal(err)
	}
	var v varzJSON
	waitFor(t, 5*time.Second, func() error {
		getJSON(t, http.DefaultClient, base+"/varz", &v)
		if v.InMsgs != msgs || v.OutMsgs != 2*msgs {
			return fmt.Errorf("in %d out %d", v.InMsgs, v.OutMsgs)
		}
		return nil
	})
	if v.Connections != 3 || v.Subscriptions != 2 || v.InBytes != msgs*size || v.OutBytes != 2*msgs*size {
		t.Fatalf("varz: %+v", v)
	}
	if v.ServerID != s.ID() || v.MaxPayload != 1<<20 || v.EventLoops != s.numLoops() {
		t.Fatalf("varz identity: %+v", v)
	}

	var cz connzJSON
	getJSON(t, http.DefaultClient, base+"/connz?subs=1&sort=cid", &cz)
	if cz.NumConnections != 3 || cz.Total != 3 {
		t.Fatalf("connz: %+v", cz)
	}
	byName := map[string]int{}
	for i, c := range cz.Connections {
		byName[c.Name] = i
	}
	p := cz.Connections[byName["pub"]]
	if p.InMsgs != msgs || p.InBytes != msgs*size {
		t.Fatalf("publisher counters: %+v", p)
	}
	a := cz.Connections[byName["a"]]
	if a.OutMsgs != msgs || a.OutBytes != msgs*size || a.NumSubs != 1 || len(a.Subs) != 1 || a.Subs[0] != "m.>" {
		t.Fatalf("subscriber counters: %+v", a)
	}

	// /loopz adds up to the workload (varz sums the same loop counters, so
	// comparing with it would prove nothing; TestMonitoringLoopzAddsUp goes
	// further).
	var lz loopzJSON
	getJSON(t, http.DefaultClient, base+"/loopz", &lz)
	var in, out, inB, outB uint64
	conns := 0
	for _, l := range lz.Loops {
		in, out, inB, outB = in+l.InMsgs, out+l.OutMsgs, inB+l.InBytes, outB+l.OutBytes
		conns += l.Connections
	}
	if in != msgs || out != 2*msgs || inB != msgs*size || outB != 2*msgs*size || conns != 3 {
		t.Fatalf("loopz sums in=%d out=%d inB=%d outB=%d conns=%d; want %d %d %d %d 3", in, out, inB, outB, conns, msgs, 2*msgs, msgs*size, 2*msgs*size)
	}

	// /subsz and /healthz.
	var sz struct {
		NumSubs uint32 `json:"num_subscriptions"`
		Subs    []struct {
			Subject string `json:"subject"`
		} `json:"subscriptions_list"`
	}
	getJSON(t, http.DefaultClient, base+"/subsz?subs=1", &sz)
	if sz.NumSubs != 2 || len(sz.Subs) != 2 {
		t.Fatalf("subsz: %+v", sz)
	}
	var hz struct {
		Status string `json:"status"`
	}
	getJSON(t, http.DefaultClient, base+"/healthz", &hz)
	if hz.Status != "ok" {
		t.Fatalf("healthz: %+v", hz)
	}

	// /metrics agrees with /varz.
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]float64{
		"gnatsd_varz_in_msgs":     float64(v.InMsgs),
		"gnatsd_varz_out_msgs":    float64(v.OutMsgs),
		"gnatsd_varz_connections": 3,
	} {
		f, ok := families[name]
		if !ok || len(f.Metric) != 1 {
			t.Fatalf("metric %s missing", name)
		}
		m := f.Metric[0]
		got := m.GetGauge().GetValue() + m.GetCounter().GetValue()
		if got != want {
			t.Fatalf("%s = %v, want %v", name, got, want)
		}
		if m.GetLabel()[0].GetName() != "server_id" || m.GetLabel()[0].GetValue() != s.ID() {
			t.Fatalf("%s labels: %v", name, m.GetLabel())
		}
	}
}

// startWithSlowpoke starts a monitored server with a small max_pending and a
// raw client "slowpoke" subscribed to "flood" that reads nothing by itself.
func startWithSlowpoke(t *testing.T) (s *Server, base string, slow *rawConn) {
	t.Helper()
	s = runServer(t, func(o *options.Options) {
		o.HTTPPort = options.RandomPort
		o.MaxPending = 256 << 10
		o.MaxPayload = 64 << 10
	})
	slow = dialRaw(t, s)
	slow.connectRaw(`{"verbose":false,"name":"slowpoke"}`)
	slow.send("SUB flood 1\r\nPING\r\n")
	slow.expect(`^PONG$`)
	return s, monitorURL(s), slow
}

func TestMonitoringClosedReasons(t *testing.T) {
	s, base, slow := startWithSlowpoke(t)
	pub := connect(t, s)
	payload := make([]byte, 32<<10)
	for i := range 200 {
		if err := pub.Publish("flood", payload); err != nil {
			t.Fatal(err)
		}
		if i%8 == 0 {
			_ = pub.Flush()
		}
	}
	_ = pub.Flush()
	slow.expectClosed()
	var cz connzJSON
	waitFor(t, 5*time.Second, func() error {
		getJSON(t, http.DefaultClient, base+"/connz?state=closed", &cz)
		for _, c := range cz.Connections {
			if c.Name == "slowpoke" && strings.HasPrefix(c.Reason, "Slow Consumer") {
				return nil
			}
		}
		return fmt.Errorf("no slow consumer in %+v", cz)
	})
	var v varzJSON
	getJSON(t, http.DefaultClient, base+"/varz", &v)
	if v.SlowConsumers != 1 || len(v.Offenders) != 1 || v.Offenders[0].Name != "slowpoke" {
		t.Fatalf("varz slow consumers: %+v", v)
	}
}

func TestMonitoringAuthFailureReason(t *testing.T) {
	s := runServer(t, func(o *options.Options) {
		o.HTTPPort = options.RandomPort
		o.Auth.Username, o.Auth.Password = "u", "p"
	})
	r := dialRaw(t, s)
	r.connectRaw(`{"verbose":false,"user":"u","pass":"wrong","name":"intruder"}`)
	r.expect(`^-ERR 'Authorization Violation'$`)
	r.expectClosed()
	var cz connzJSON
	waitFor(t, 5*time.Second, func() error {
		getJSON(t, http.DefaultClient, monitorURL(s)+"/connz?state=closed", &cz)
		for _, c := range cz.Connections {
			if c.Name == "intruder" && c.Reason == "Authentication Failure" {
				return nil
			}
		}
		return fmt.Errorf("no auth failure in %+v", cz)
	})
}

func TestMonitoringHTTPS(t *testing.T) {
	s := runServer(t, func(o *options.Options) {
		o.HTTPSPort = options.RandomPort
		o.TLS = &tlsengine.Config{
			CertFile: "../configs/certs/server-cert.pem",
			KeyFile:  "../configs/certs/server-key.pem",
			CAFile:   "../configs/certs/ca.pem",
			Verify:   tlsengine.VerifyRequired,
		}
	})
	ca, err := os.ReadFile("../configs/certs/ca.pem")
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	// No client certificate: the monitor never asks for one.
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	var v varzJSON
	getJSON(t, client, fmt.Sprintf("https://127.0.0.1:%d/varz", s.MonitorAddr().Port), &v)
	if v.ServerID != s.ID() {
		t.Fatalf("varz over https: %+v", v)
	}
	resp, err := client.Get(fmt.Sprintf("https://127.0.0.1:%d/", s.MonitorAddr().Port))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "varz") {
		t.Fatalf("index page: %s", body)
	}
}

func TestMonitoringHTTPAndHTTPSRefused(t *testing.T) {
	o := testOptions()
	o.HTTPPort = 18222
	o.HTTPSPort = 18223
	o.TLS = &tlsengine.Config{CertFile: "../configs/certs/server-cert.pem", KeyFile: "../configs/certs/server-key.pem"}
	s, err := New(o)
	if err == nil {
		err = s.Start()
		s.Shutdown()
	}
	if err == nil || !strings.Contains(err.Error(), "can't specify both HTTP (18222) and HTTPs (18223) ports") {
		t.Fatalf("got %v", err)
	}
}

// TestMonitoringLoopzAddsUp checks /loopz against what is known without it:
// the workload's totals, the per-connection counters of /connz and the
// connection count of /varz. With two or more loops and publishers and
// subscribers on every loop, each loop also receives hand-offs, flushes and
// is busy.
func TestMonitoringLoopzAddsUp(t *testing.T) {
	loops := max(2, testLoops())
	s := runServer(t, func(o *options.Options) {
		o.HTTPPort = options.RandomPort
		o.Loops = loops
	})
	base := monitorURL(s)
	// Every loop owns at least two clients; each client publishes and
	// subscribes, so every message crosses from its loop to all loops.
	conns, connLoops := connectOnEveryLoop(t, s, 2, 8*loops)
	clients := len(conns)
	received := make([]atomic.Int64, clients)
	for i, nc := range conns {
		if _, err := nc.Subscribe("lz", func(*nats.Msg) { received[i].Add(1) }); err != nil {
			t.Fatal(err)
		}
		mustFlush(t, nc)
	}
	const perClient, size = 50, 16
	for _, nc := range conns {
		for range perClient {
			if err := nc.Publish("lz", make([]byte, size)); err != nil {
				t.Fatal(err)
			}
		}
		mustFlush(t, nc)
	}
	total := uint64(clients * perClient) // messages in
	waitFor(t, 10*time.Second, func() error {
		for i := range received {
			if n := received[i].Load(); n != int64(total) {
				return fmt.Errorf("client %d received %d of %d", i, n, total)
			}
		}
		return nil
	})
	wantIn, wantInB := total, total*size
	wantOut, wantOutB := total*uint64(clients), total*uint64(clients)*size

	var v varzJSON
	waitFor(t, 5*time.Second, func() error {
		getJSON(t, http.DefaultClient, base+"/varz", &v)
		if uint64(v.InMsgs) != wantIn || uint64(v.OutMsgs) != wantOut {
			return fmt.Errorf("varz in %d out %d, want %d and %d", v.InMsgs, v.OutMsgs, wantIn, wantOut)
		}
		return nil
	})
	if uint64(v.InBytes) != wantInB || uint64(v.OutBytes) != wantOutB || v.Connections != clients {
		t.Fatalf("varz in_bytes %d out_bytes %d connections %d; want %d %d %d", v.InBytes, v.OutBytes, v.Connections, wantInB, wantOutB, clients)
	}

	var lz loopzJSON
	getJSON(t, http.DefaultClient, base+"/loopz", &lz)
	var cz connzJSON
	getJSON(t, http.DefaultClient, base+"/connz?limit=100000", &cz)
	if cz.Total != clients {
		t.Fatalf("connz total %d, want %d", cz.Total, clients)
	}
	if len(lz.Loops) != loops {
		t.Fatalf("loopz has %d loops, want %d", len(lz.Loops), loops)
	}

	// What each loop should show, from the workload alone and from /connz.
	type expect struct {
		conns                   int
		in, out, inB, outB      uint64 // workload
		czIn, czOut, czIB, czOB uint64 // sums of /connz
		czConns                 int
	}
	want := make([]expect, loops)
	for _, l := range connLoops {
		w := &want[l]
		w.conns++
		w.in += perClient
		w.inB += perClient * size
		w.out += total
		w.outB += total * size
	}
	for _, c := range cz.Connections {
		if c.Loop < 0 || c.Loop >= loops {
			t.Fatalf("connz: cid %d on loop %d", c.Cid, c.Loop)
		}
		w := &want[c.Loop]
		w.czConns++
		w.czIn += uint64(c.InMsgs)
		w.czOut += uint64(c.OutMsgs)
		w.czIB += uint64(c.InBytes)
		w.czOB += uint64(c.OutBytes)
	}
	var sum loopJSON
	seen := make(map[int]bool)
	for _, l := range lz.Loops {
		if l.Index < 0 || l.Index >= loops || seen[l.Index] {
			t.Fatalf("loopz: bad or repeated loop index %d", l.Index)
		}
		seen[l.Index] = true
		w := want[l.Index]
		got := [5]uint64{uint64(l.Connections), l.InMsgs, l.OutMsgs, l.InBytes, l.OutBytes}
		if workload := [5]uint64{uint64(w.conns), w.in, w.out, w.inB, w.outB}; got != workload {
			t.Errorf("loop %d: conns/in/out/in_bytes/out_bytes %v, workload says %v", l.Index, got, workload)
		}
		if fromConnz := [5]uint64{uint64(w.czConns), w.czIn, w.czOut, w.czIB, w.czOB}; got != fromConnz {
			t.Errorf("loop %d: conns/in/out/in_bytes/out_bytes %v, connz sums %v", l.Index, got, fromConnz)
		}
		if l.Wakeups == 0 || l.Flushes == 0 || l.FlushedBytes == 0 || l.BusyNanos == 0 {
			t.Errorf("loop %d after a cross-loop workload: wakeups %d flushes %d flushed_bytes %d busy_ns %d; want all > 0",
				l.Index, l.Wakeups, l.Flushes, l.FlushedBytes, l.BusyNanos)
		}
		// Every message and protocol line written went through a flush.
		if l.FlushedBytes < l.OutBytes {
			t.Errorf("loop %d flushed %d bytes, less than its %d payload bytes out", l.Index, l.FlushedBytes, l.OutBytes)
		}
		sum.Connections += l.Connections
		sum.InMsgs, sum.OutMsgs = sum.InMsgs+l.InMsgs, sum.OutMsgs+l.OutMsgs
		sum.InBytes, sum.OutBytes = sum.InBytes+l.InBytes, sum.OutBytes+l.OutBytes
	}
	if sum.Connections != v.Connections || sum.InMsgs != wantIn || sum.OutMsgs != wantOut || sum.InBytes != wantInB || sum.OutBytes != wantOutB {
		t.Errorf("loop sums %+v; want connections %d (varz), in %d out %d in_bytes %d out_bytes %d",
			sum, v.Connections, wantIn, wantOut, wantInB, wantOutB)
	}
}

// TestMonitoringMetricsAgree scrapes /metrics on a real server after known
// traffic and a slow consumer, parses it with expfmt, and compares it with
// /varz and /loopz read just before and just after. Counters that only
// grow while idle (flushes, busy time) must lie between the two readings;
// the others must equal them.
func TestMonitoringMetricsAgree(t *testing.T) {
	s, base, slow := startWithSlowpoke(t)
	subs := connect(t, s)
	for _, subj := range []string{"m.a", "m.b", "m.>"} {
		if _, err := subs.Subscribe(subj, func(*nats.Msg) {}); err != nil {
			t.Fatal(err)
		}
	}
	mustFlush(t, subs)
	pub := connect(t, s)
	for i := range 40 {
		if err := pub.Publish("m.a", make([]byte, 3+i)); err != nil {
			t.Fatal(err)
		}
	}
	payload := make([]byte, 32<<10)
	for i := range 200 {
		if err := pub.Publish("flood", payload); err != nil {
			t.Fatal(err)
		}
		if i%8 == 0 {
			mustFlush(t, pub)
		}
	}
	mustFlush(t, pub)
	slow.expectClosed()

	type snapshot struct {
		v  varzJSON
		lz loopzJSON
	}
	read := func() snapshot {
		var sn snapshot
		getJSON(t, http.DefaultClient, base+"/varz", &sn.v)
		getJSON(t, http.DefaultClient, base+"/loopz", &sn.lz)
		return sn
	}
	stable := func(v varzJSON) [7]int64 {
		return [7]int64{v.InMsgs, v.OutMsgs, v.InBytes, v.OutBytes, int64(v.Subscriptions), v.SlowConsumers, int64(v.Connections)}
	}
	var before, after snapshot
	var families map[string]promFamily
	waitFor(t, 10*time.Second, func() error {
		before = read()
		families = scrapeMetrics(t, base)
		after = read()
		if stable(before.v) != stable(after.v) {
			return fmt.Errorf("traffic still settling: %v then %v", stable(before.v), stable(after.v))
		}
		if before.v.SlowConsumers != 1 || before.v.Connections != 2 {
			return fmt.Errorf("slow consumer not closed yet: %+v", before.v)
		}
		return nil
	})
	if before.v.InMsgs < 240 || before.v.Subscriptions != 3 {
		t.Fatalf("varz after the traffic: %+v", before.v)
	}

	for _, c := range []struct {
		name string
		want int64
	}{
		{"gnatsd_varz_in_msgs", before.v.InMsgs},
		{"gnatsd_varz_out_msgs", before.v.OutMsgs},
		{"gnatsd_varz_in_bytes", before.v.InBytes},
		{"gnatsd_varz_out_bytes", before.v.OutBytes},
		{"gnatsd_varz_subscriptions", int64(before.v.Subscriptions)},
		{"gnatsd_varz_slow_consumers", before.v.SlowConsumers},
		{"gnatsd_varz_slow_consumer_stats_clients", before.v.SlowConsumers},
		{"gnatsd_varz_connections", int64(before.v.Connections)},
		{"gnatsd_varz_event_loops", int64(before.v.EventLoops)},
	} {
		ms := metricsNamed(t, families, c.name, "GAUGE")
		if len(ms) != 1 {
			t.Errorf("%s: %d series, want 1", c.name, len(ms))
			continue
		}
		if got := ms[0].value; got != float64(c.want) {
			t.Errorf("%s = %v, /varz says %d", c.name, got, c.want)
		}
		if l := ms[0].labels; len(l) != 1 || l["server_id"] != s.ID() {
			t.Errorf("%s labels %v", c.name, l)
		}
	}

	// Per-loop series: one per loop, labelled server_id and loop.
	perLoop := func(name, kind string) map[int]float64 {
		out := make(map[int]float64)
		for _, m := range metricsNamed(t, families, name, kind) {
			l := m.labels
			idx, err := strconv.Atoi(l["loop"])
			if err != nil || l["server_id"] != s.ID() || len(l) != 2 {
				t.Errorf("%s labels %v", name, l)
				continue
			}
			if _, dup := out[idx]; dup {
				t.Errorf("%s: loop %d twice", name, idx)
			}
			out[idx] = m.value
		}
		if len(out) != len(before.lz.Loops) {
			t.Errorf("%s: %d loops, /loopz has %d", name, len(out), len(before.lz.Loops))
		}
		return out
	}
	exact := []struct {
		name string
		read func(l loopJSON) uint64
	}{
		{"evnats_loop_connections", func(l loopJSON) uint64 { return uint64(l.Connections) }},
		{"evnats_loop_in_msgs", func(l loopJSON) uint64 { return l.InMsgs }},
		{"evnats_loop_out_msgs", func(l loopJSON) uint64 { return l.OutMsgs }},
		{"evnats_loop_in_bytes", func(l loopJSON) uint64 { return l.InBytes }},
		{"evnats_loop_out_bytes", func(l loopJSON) uint64 { return l.OutBytes }},
	}
	for _, c := range exact {
		got := perLoop(c.name, "GAUGE")
		for i, l := range before.lz.Loops {
			if want, later := c.read(l), c.read(after.lz.Loops[i]); want != later {
				t.Fatalf("%s for loop %d moved from %d to %d while idle", c.name, l.Index, want, later)
			} else if got[l.Index] != float64(want) {
				t.Errorf("%s{loop=%d} = %v, /loopz says %d", c.name, l.Index, got[l.Index], want)
			}
		}
	}
	growing := []struct {
		name  string
		scale float64
		read  func(l loopJSON) uint64
	}{
		{"evnats_loop_wakeups_total", 1, func(l loopJSON) uint64 { return l.Wakeups }},
		{"evnats_loop_flushes_total", 1, func(l loopJSON) uint64 { return l.Flushes }},
		{"evnats_loop_flushed_bytes_total", 1, func(l loopJSON) uint64 { return l.FlushedBytes }},
		{"evnats_loop_busy_seconds_total", 1e9, func(l loopJSON) uint64 { return l.BusyNanos }},
	}
	for _, c := range growing {
		got := perLoop(c.name, "COUNTER")
		for i, l := range before.lz.Loops {
			lo, hi := float64(c.read(l))/c.scale, float64(c.read(after.lz.Loops[i]))/c.scale
			if g := got[l.Index]; g < lo || g > hi {
				t.Errorf("%s{loop=%d} = %v, /loopz read %v before and %v after", c.name, l.Index, g, lo, hi)
			}
		}
	}
}

// promFamily and promSeries are what the tests read of a parsed metric
// family: its type ("GAUGE", "COUNTER", ...) and each series' labels and value.
type promFamily struct {
	kind   string
	series []promSeries
}

type promSeries struct {
	labels map[string]string
	value  float64
}

// scrapeMetrics fetches /metrics and parses it with the Prometheus text parser.
func scrapeMetrics(t *testing.T, base string) map[string]promFamily {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: status %d", resp.StatusCode)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("/metrics does not parse: %v", err)
	}
	out := make(map[string]promFamily, len(families))
	for name, f := range families {
		pf := promFamily{kind: f.GetType().String()}
		for _, m := range f.GetMetric() {
			ps := promSeries{labels: make(map[string]string)}
			for _, l := range m.GetLabel() {
				ps.labels[l.GetName()] = l.GetValue()
			}
			ps.value = m.GetGauge().GetValue() + m.GetCounter().GetValue() + m.GetUntyped().GetValue()
			pf.series = append(pf.series, ps)
		}
		out[name] = pf
	}
	return out
}

// metricsNamed returns the series of one family, checking its type.
func metricsNamed(t *testing.T, families map[string]promFamily, name, kind string) []promSeries {
	t.Helper()
	f, ok := families[name]
	if !ok {
		t.Fatalf("metric %s missing", name)
	}
	if f.kind != kind {
		t.Errorf("%s is a %s, want %s", name, f.kind, kind)
	}
	return f.series
}

// TestMonitoringClosedRingBound closes more clients than max_closed_clients
// allows, one at a time, and checks that /connz?state=closed holds exactly
// the newest ones.
func TestMonitoringClosedRingBound(t *testing.T) {
	const ring, closes = 4, 11
	s := runServer(t, func(o *options.Options) {
		o.HTTPPort = options.RandomPort
		o.MaxClosedClients = ring
	})
	base := monitorURL(s)
	keep := connect(t, s, nats.Name("keep"))
	for i := range closes {
		name := fmt.Sprintf("c%02d", i)
		nc := connect(t, s, nats.Name(name))
		nc.Close()
		// Wait until this close is recorded before the next, so the
		// order of the ring is the order of the closes.
		waitFor(t, 5*time.Second, func() error {
			all := s.closed.all()
			if len(all) == 0 || all[len(all)-1].name != name {
				return fmt.Errorf("close of %s not recorded yet", name)
			}
			return nil
		})
	}
	var want []string
	for i := closes - ring; i < closes; i++ {
		want = append(want, fmt.Sprintf("c%02d", i))
	}
	var cz connzJSON
	getJSON(t, http.DefaultClient, base+"/connz?state=closed", &cz)
	var got []string
	for _, c := range cz.Connections {
		got = append(got, c.Name)
		if c.Reason == "" {
			t.Errorf("%s has no close reason", c.Name)
		}
	}
	if cz.Total != ring || !slices.Equal(got, want) {
		t.Fatalf("closed connections: total %d, %v; want the newest %d, %v", cz.Total, got, ring, want)
	}
	getJSON(t, http.DefaultClient, base+"/connz?state=all", &cz)
	if cz.Total != ring+1 || cz.Connections[0].Name != keep.Opts.Name {
		t.Fatalf("state=all: total %d, first %+v", cz.Total, cz.Connections[0])
	}
}

// TestClosedRingKeepsNewest fills rings of several sizes past their capacity.
func TestClosedRingKeepsNewest(t *testing.T) {
	tests := []struct{ capacity, adds, wantCap int }{
		{capacity: 3, adds: 0, wantCap: 3},
		{capacity: 3, adds: 2, wantCap: 3},
		{capacity: 3, adds: 3, wantCap: 3},
		{capacity: 3, adds: 4, wantCap: 3},
		{capacity: 3, adds: 10, wantCap: 3},
		{capacity: 1, adds: 5, wantCap: 1},
		{capacity: 0, adds: 5, wantCap: 1}, // at least one slot
		{capacity: -2, adds: 5, wantCap: 1},
		{capacity: 64, adds: 1000, wantCap: 64},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("cap%d_adds%d", tc.capacity, tc.adds), func(t *testing.T) {
			r := newClosedRing(tc.capacity)
			for i := range tc.adds {
				r.add(connSnapshot{cid: uint64(i + 1)})
			}
			all := r.all()
			n := min(tc.adds, tc.wantCap)
			if len(all) != n {
				t.Fatalf("holds %d, want %d", len(all), n)
			}
			for i, snap := range all {
				if want := uint64(tc.adds - n + i + 1); snap.cid != want {
					t.Fatalf("entry %d is cid %d, want %d (oldest first, newest kept)", i, snap.cid, want)
				}
			}
			// The copy is the caller's.
			if len(all) > 0 {
				all[0].cid = 0
				if r.all()[0].cid == 0 {
					t.Fatal("all returned the ring's own storage")
				}
			}
		})
	}
}

// TestMonitoringStartLogLines checks nats-server's start-up line for the
// monitoring port, with the port actually bound.
func TestMonitoringStartLogLines(t *testing.T) {
	tests := []struct {
		scheme string
		mutate func(*options.Options)
	}{
		{"http", func(o *options.Options) { o.HTTPPort = options.RandomPort }},
		{"https", func(o *options.Options) {
			o.HTTPSPort = options.RandomPort
			o.TLS = &tlsengine.Config{CertFile: certPath("server-cert.pem"), KeyFile: certPath("server-key.pem")}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.scheme, func(t *testing.T) {
			s, logs := runServerLog(t, tc.mutate)
			port := s.MonitorAddr().Port
			lines := logs.matching(`monitor on`)
			want := fmt.Sprintf(`\[INF\] Starting %s monitor on 127\.0\.0\.1:%d$`, tc.scheme, port)
			if len(lines) != 1 || !matches(want, lines[0]) {
				t.Fatalf("monitor log lines %q, want one matching %q", lines, want)
			}
		})
	}
}

// TestMonitoringClientClosedReason: a client that closes its socket is
// "Client Closed" in /connz?state=closed, as nats-server reports it (its
// closedStateForErr maps io.EOF to ClientClosed); "Read Error" is for a read
// that failed.
func TestMonitoringClientClosedReason(t *testing.T) {
	s := runServer(t, func(o *options.Options) { o.HTTPPort = options.RandomPort })
	nc := connect(t, s, nats.Name("leaver"))
	mustFlush(t, nc)
	nc.Close()
	var cz connzJSON
	waitFor(t, 5*time.Second, func() error {
		getJSON(t, http.DefaultClient, monitorURL(s)+"/connz?state=closed", &cz)
		if len(cz.Connections) != 1 {
			return fmt.Errorf("%d closed connections", len(cz.Connections))
		}
		return nil
	})
	if c := cz.Connections[0]; c.Name != "leaver" || c.Reason != "Client Closed" {
		t.Fatalf("closed %q with reason %q, want \"Client Closed\"", c.Name, c.Reason)
	}
}
