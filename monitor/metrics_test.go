package monitor

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape fetches /metrics and parses it with the Prometheus text parser.
func scrape(t *testing.T, h http.Handler, target string) map[string]metricFamily {
	t.Helper()
	rec := get(t, h, target)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", target, rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("Content-Type %q", ct)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(rec.Body)
	if err != nil {
		t.Fatalf("parsing /metrics: %v", err)
	}
	out := make(map[string]metricFamily, len(fams))
	for name, mf := range fams {
		f := metricFamily{kind: mf.GetType().String(), help: mf.GetHelp(), samples: map[string]float64{}}
		for _, m := range mf.GetMetric() {
			var labels []string
			for _, lp := range m.GetLabel() {
				labels = append(labels, lp.GetName()+"="+lp.GetValue())
			}
			val := m.GetGauge().GetValue()
			if f.kind == "COUNTER" {
				val = m.GetCounter().GetValue()
			}
			f.samples[strings.Join(labels, ",")] = val
		}
		out[name] = f
	}
	return out
}

type metricFamily struct {
	kind, help string
	samples    map[string]float64 // by "name=value,..." label string
}

func TestMetricsMatchVarz(t *testing.T) {
	v := sampleVarz()
	src := &fakeSource{varz: v, loops: []LoopInfo{
		{Index: 0, Connections: 2, InMsgs: 10, OutMsgs: 20, InBytes: 30, OutBytes: 40, Wakeups: 5, Flushes: 4,
			FlushedBytes: 1000, BusyNanos: 1500 * uint64(time.Millisecond)},
		{Index: 1, Connections: 1, Wakeups: 7},
	}}
	h := newTestHandler(t, src, "/nats")
	get(t, h, "/nats/connz")
	fams := scrape(t, h, "/nats/metrics")

	sid := "server_id=NSRVID"
	gauges := map[string]float64{
		"gnatsd_varz_port":                         4222,
		"gnatsd_varz_proto":                        1,
		"gnatsd_varz_max_connections":              65536,
		"gnatsd_varz_max_subscriptions":            1000,
		"gnatsd_varz_ping_interval":                float64(2 * time.Minute),
		"gnatsd_varz_ping_max":                     2,
		"gnatsd_varz_http_port":                    8222,
		"gnatsd_varz_https_port":                   0,
		"gnatsd_varz_auth_timeout":                 2,
		"gnatsd_varz_max_control_line":             4096,
		"gnatsd_varz_max_payload":                  1 << 20,
		"gnatsd_varz_max_pending":                  64 << 20,
		"gnatsd_varz_cluster_cluster_port":         6222,
		"gnatsd_varz_cluster_pool_size":            3,
		"gnatsd_varz_tls_timeout":                  2,
		"gnatsd_varz_write_deadline":               float64(10 * time.Second),
		"gnatsd_varz_start":                        float64(v.Start.UnixMilli()),
		"gnatsd_varz_config_load_time":             float64(v.ConfigLoadTime.UnixMilli()),
		"gnatsd_varz_mem":                          123456789,
		"gnatsd_varz_cores":                        8,
		"gnatsd_varz_gomaxprocs":                   4,
		"gnatsd_varz_cpu":                          12.5,
		"gnatsd_varz_connections":                  3,
		"gnatsd_varz_total_connections":            42,
		"gnatsd_varz_routes":                       2,
		"gnatsd_varz_remotes":                      2,
		"gnatsd_varz_leafnodes":                    0,
		"gnatsd_varz_in_msgs":                      1001,
		"gnatsd_varz_out_msgs":                     2002,
		"gnatsd_varz_in_bytes":                     3003,
		"gnatsd_varz_out_bytes":                    4004,
		"gnatsd_varz_slow_consumers":               5,
		"gnatsd_varz_stale_connections":            6,
		"gnatsd_varz_subscriptions":                7,
		"gnatsd_varz_slow_consumer_stats_clients":  4,
		"gnatsd_varz_slow_consumer_stats_routes":   1,
		"gnatsd_varz_slow_consumer_stats_gateways": 0,
		"gnatsd_varz_slow_consumer_stats_leafs":    0,
		"gnatsd_varz_event_loops":                  2,
		"gnatsd_varz_http_req_stats_connz":         1,
		"gnatsd_varz_http_req_stats_metrics":       1,
		"gnatsd_varz_http_req_stats_varz":          0,
	}
	for name, want := range gauges {
		f, ok := fams[name]
		if !ok {
			t.Errorf("%s missing", name)
			continue
		}
		if f.kind != "GAUGE" || f.help != strings.TrimPrefix(name, "gnatsd_varz_") {
			t.Errorf("%s: type %s help %q", name, f.kind, f.help)
		}
		if got, ok := f.samples[sid]; !ok || got != want {
			t.Errorf("%s{%s} = %v (present %v), want %v", name, sid, got, ok, want)
		}
	}

	labels := map[string]string{
		"gnatsd_varz_server_id":    "NSRVID",
		"gnatsd_varz_server_name":  "n1",
		"gnatsd_varz_version":      "2.15.3",
		"gnatsd_varz_cluster_name": "east",
	}
	for name, val := range labels {
		if got := fams[name].samples[sid+",value="+val]; got != 1 {
			t.Errorf("%s{value=%q} = %v, want 1 (%v)", name, val, got, fams[name].samples)
		}
	}

	loops := []struct {
		name, kind, loop string
		want             float64
	}{
		{"evnats_loop_connections", "GAUGE", "0", 2},
		{"evnats_loop_connections", "GAUGE", "1", 1},
		{"evnats_loop_in_msgs", "GAUGE", "0", 10},
		{"evnats_loop_out_msgs", "GAUGE", "0", 20},
		{"evnats_loop_in_bytes", "GAUGE", "0", 30},
		{"evnats_loop_out_bytes", "GAUGE", "0", 40},
		{"evnats_loop_wakeups_total", "COUNTER", "0", 5},
		{"evnats_loop_wakeups_total", "COUNTER", "1", 7},
		{"evnats_loop_flushes_total", "COUNTER", "0", 4},
		{"evnats_loop_flushed_bytes_total", "COUNTER", "0", 1000},
		{"evnats_loop_busy_seconds_total", "COUNTER", "0", 1.5},
	}
	for _, l := range loops {
		f := fams[l.name]
		key := "loop=" + l.loop + "," + sid
		if got, ok := f.samples[key]; f.kind != l.kind || !ok || got != l.want {
			t.Errorf("%s{%s}: type %s value %v (present %v), want %s %v", l.name, key, f.kind, got, ok, l.kind, l.want)
		}
	}
}

func TestMetricsWithEmptySource(t *testing.T) {
	h := newTestHandler(t, nilSource{}, "")
	fams := scrape(t, h, "/metrics")
	if _, ok := fams["gnatsd_varz_server_name"]; ok {
		t.Error("empty server_name exported as a label gauge")
	}
	if _, ok := fams["gnatsd_varz_connections"].samples["server_id="]; !ok {
		t.Errorf("connections gauge missing: %v", fams["gnatsd_varz_connections"])
	}
}
