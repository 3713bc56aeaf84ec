package server

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
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
	Loops []struct {
		Index       int    `json:"index"`
		Connections int    `json:"connections"`
		InMsgs      uint64 `json:"in_msgs"`
		OutMsgs     uint64 `json:"out_msgs"`
		InBytes     uint64 `json:"in_bytes"`
		OutBytes    uint64 `json:"out_bytes"`
		Wakeups     uint64 `json:"wakeups"`
		Flushes     uint64 `json:"flushes"`
	} `json:"loops"`
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

	// /loopz adds up to /varz.
	var lz loopzJSON
	getJSON(t, http.DefaultClient, base+"/loopz", &lz)
	var in, out, inB, outB uint64
	conns := 0
	for _, l := range lz.Loops {
		in, out, inB, outB = in+l.InMsgs, out+l.OutMsgs, inB+l.InBytes, outB+l.OutBytes
		conns += l.Connections
	}
	if int64(in) != v.InMsgs || int64(out) != v.OutMsgs || int64(inB) != v.InBytes || int64(outB) != v.OutBytes || conns != 3 {
		t.Fatalf("loopz sums in=%d out=%d inB=%d outB=%d conns=%d; varz %+v", in, out, inB, outB, conns, v)
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

func TestMonitoringClosedReasons(t *testing.T) {
	s := runServer(t, func(o *options.Options) {
		o.HTTPPort = options.RandomPort
		o.MaxPending = 256 << 10
		o.MaxPayload = 64 << 10
	})
	base := monitorURL(s)
	slow := dialRaw(t, s)
	slow.connectRaw(`{"verbose":false,"name":"slowpoke"}`)
	slow.send("SUB flood 1\r\nPING\r\n")
	slow.expect(`^PONG$`)
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
