package monitor

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// /metrics mirrors what prometheus-nats-exporter publishes for /varz, so
// existing dashboards work without the exporter: every numeric field becomes
// a gauge named gnatsd_varz_<json key> (nested objects flattened with "_"),
// its help text is the key, and its one label is server_id. Times are Unix
// milliseconds and durations nanoseconds, as the exporter reports them. The
// string fields server_id, server_name, version and cluster name become gauges
// of value 1 with the text in a "value" label. The exporter types everything
// as a gauge, so these are gauges too, counters included.
//
// Per-loop metrics are evnats' own and carry server_id and loop labels.

const varzPrefix = "gnatsd_varz_"

// varzGauge reads one numeric /varz field.
type varzGauge struct {
	key  string
	read func(v *Varz) float64
}

func unixMillis(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.UnixMilli())
}

func slowStat(v *Varz, pick func(*SlowConsumersStats) uint64) float64 {
	if v.SlowConsumersStats == nil {
		return 0
	}
	return float64(pick(v.SlowConsumersStats))
}

var varzGauges = [...]varzGauge{
	{"port", func(v *Varz) float64 { return float64(v.Port) }},
	{"proto", func(v *Varz) float64 { return float64(v.Proto) }},
	{"max_connections", func(v *Varz) float64 { return float64(v.MaxConn) }},
	{"max_subscriptions", func(v *Varz) float64 { return float64(v.MaxSubs) }},
	{"ping_interval", func(v *Varz) float64 { return float64(v.PingInterval) }},
	{"ping_max", func(v *Varz) float64 { return float64(v.MaxPingsOut) }},
	{"http_port", func(v *Varz) float64 { return float64(v.HTTPPort) }},
	{"https_port", func(v *Varz) float64 { return float64(v.HTTPSPort) }},
	{"auth_timeout", func(v *Varz) float64 { return v.AuthTimeout }},
	{"max_control_line", func(v *Varz) float64 { return float64(v.MaxControlLine) }},
	{"max_payload", func(v *Varz) float64 { return float64(v.MaxPayload) }},
	{"max_pending", func(v *Varz) float64 { return float64(v.MaxPending) }},
	{"cluster_cluster_port", func(v *Varz) float64 { return float64(v.Cluster.Port) }},
	{"cluster_pool_size", func(v *Varz) float64 { return float64(v.Cluster.PoolSize) }},
	{"tls_timeout", func(v *Varz) float64 { return v.TLSTimeout }},
	{"write_deadline", func(v *Varz) float64 { return float64(v.WriteDeadline) }},
	{"start", func(v *Varz) float64 { return unixMillis(v.Start) }},
	{"config_load_time", func(v *Varz) float64 { return unixMillis(v.ConfigLoadTime) }},
	{"mem", func(v *Varz) float64 { return float64(v.Mem) }},
	{"cores", func(v *Varz) float64 { return float64(v.Cores) }},
	{"gomaxprocs", func(v *Varz) float64 { return float64(v.MaxProcs) }},
	{"cpu", func(v *Varz) float64 { return v.CPU }},
	{"connections", func(v *Varz) float64 { return float64(v.Connections) }},
	{"total_connections", func(v *Varz) float64 { return float64(v.TotalConnections) }},
	{"routes", func(v *Varz) float64 { return float64(v.Routes) }},
	{"remotes", func(v *Varz) float64 { return float64(v.Remotes) }},
	{"leafnodes", func(v *Varz) float64 { return float64(v.Leafs) }},
	{"in_msgs", func(v *Varz) float64 { return float64(v.InMsgs) }},
	{"out_msgs", func(v *Varz) float64 { return float64(v.OutMsgs) }},
	{"in_bytes", func(v *Varz) float64 { return float64(v.InBytes) }},
	{"out_bytes", func(v *Varz) float64 { return float64(v.OutBytes) }},
	{"slow_consumers", func(v *Varz) float64 { return float64(v.SlowConsumers) }},
	{"stale_connections", func(v *Varz) float64 { return float64(v.StaleConnections) }},
	{"subscriptions", func(v *Varz) float64 { return float64(v.Subscriptions) }},
	{"slow_consumer_stats_clients", func(v *Varz) float64 {
		return slowStat(v, func(s *SlowConsumersStats) uint64 { return s.Clients })
	}},
	{"slow_consumer_stats_routes", func(v *Varz) float64 {
		return slowStat(v, func(s *SlowConsumersStats) uint64 { return s.Routes })
	}},
	{"slow_consumer_stats_gateways", func(v *Varz) float64 {
		return slowStat(v, func(s *SlowConsumersStats) uint64 { return s.Gateways })
	}},
	{"slow_consumer_stats_leafs", func(v *Varz) float64 {
		return slowStat(v, func(s *SlowConsumersStats) uint64 { return s.Leafs })
	}},
	{"event_loops", func(v *Varz) float64 { return float64(v.EventLoops) }},
}

// varzLabel reads one /varz string exported as a "value" label.
type varzLabel struct {
	key  string
	read func(v *Varz) string
}

var varzLabels = [...]varzLabel{
	{"server_id", func(v *Varz) string { return v.ID }},
	{"server_name", func(v *Varz) string { return v.Name }},
	{"version", func(v *Varz) string { return v.Version }},
	{"cluster_name", func(v *Varz) string { return v.Cluster.Name }},
}

// loopMetric reads one per-loop counter.
type loopMetric struct {
	name, help string
	kind       prometheus.ValueType
	read       func(l *LoopInfo) float64
}

var loopMetrics = [...]loopMetric{
	{"evnats_loop_connections", "Connections served by the event loop.", prometheus.GaugeValue,
		func(l *LoopInfo) float64 { return float64(l.Connections) }},
	{"evnats_loop_in_msgs", "Messages received on the event loop's connections.", prometheus.GaugeValue,
		func(l *LoopInfo) float64 { return float64(l.InMsgs) }},
	{"evnats_loop_out_msgs", "Messages sent on the event loop's connections.", prometheus.GaugeValue,
		func(l *LoopInfo) float64 { return float64(l.OutMsgs) }},
	{"evnats_loop_in_bytes", "Bytes received on the event loop's connections.", prometheus.GaugeValue,
		func(l *LoopInfo) float64 { return float64(l.InBytes) }},
	{"evnats_loop_out_bytes", "Bytes sent on the event loop's connections.", prometheus.GaugeValue,
		func(l *LoopInfo) float64 { return float64(l.OutBytes) }},
	{"evnats_loop_wakeups_total", "Hand-offs the event loop received from other loops.", prometheus.CounterValue,
		func(l *LoopInfo) float64 { return float64(l.Wakeups) }},
	{"evnats_loop_flushes_total", "Flush passes of the event loop that wrote data.", prometheus.CounterValue,
		func(l *LoopInfo) float64 { return float64(l.Flushes) }},
	{"evnats_loop_flushed_bytes_total", "Bytes the event loop handed to its sockets.", prometheus.CounterValue,
		func(l *LoopInfo) float64 { return float64(l.FlushedBytes) }},
	{"evnats_loop_busy_seconds_total", "Time the event loop spent inside callbacks.", prometheus.CounterValue,
		func(l *LoopInfo) float64 { return float64(l.BusyNanos) / float64(time.Second) }},
}

// collector builds all metrics from fresh Varz and Loopz snapshots at scrape
// time; it keeps no state of its own.
type collector struct {
	h          *handler
	gaugeDescs [len(varzGauges)]*prometheus.Desc
	labelDescs [len(varzLabels)]*prometheus.Desc
	reqDescs   [numEndpoints]*prometheus.Desc // nil for "/", which has no name
	loopDescs  [len(loopMetrics)]*prometheus.Desc
}

func newCollector(h *handler) *collector {
	c := &collector{h: h}
	for i, g := range varzGauges {
		c.gaugeDescs[i] = prometheus.NewDesc(varzPrefix+g.key, g.key, []string{"server_id"}, nil)
	}
	for i, l := range varzLabels {
		c.labelDescs[i] = prometheus.NewDesc(varzPrefix+l.key, l.key, []string{"server_id", "value"}, nil)
	}
	for i, key := range endpointKeys {
		if name := strings.TrimPrefix(key, "/"); name != "" {
			c.reqDescs[i] = prometheus.NewDesc(varzPrefix+"http_req_stats_"+name, "http_req_stats_"+name, []string{"server_id"}, nil)
		}
	}
	for i, m := range loopMetrics {
		c.loopDescs[i] = prometheus.NewDesc(m.name, m.help, []string{"server_id", "loop"}, nil)
	}
	return c
}

func newMetricsHandler(h *handler) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(newCollector(h)) // fixed, consistent descriptors: cannot fail
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// Describe implements prometheus.Collector.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.gaugeDescs {
		ch <- d
	}
	for _, d := range c.labelDescs {
		ch <- d
	}
	for _, d := range c.reqDescs {
		if d != nil {
			ch <- d
		}
	}
	for _, d := range c.loopDescs {
		ch <- d
	}
}

// Collect implements prometheus.Collector. It is called concurrently by
// concurrent scrapes and reads only fresh snapshots.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	v := c.h.varz()
	id := v.ID
	for i, g := range varzGauges {
		emit(ch, c.gaugeDescs[i], prometheus.GaugeValue, g.read(v), id)
	}
	for i, l := range varzLabels {
		if s := l.read(v); s != "" {
			emit(ch, c.labelDescs[i], prometheus.GaugeValue, 1, id, s)
		}
	}
	for i, key := range endpointKeys {
		if d := c.reqDescs[i]; d != nil {
			emit(ch, d, prometheus.GaugeValue, float64(v.HTTPReqStats[key]), id)
		}
	}
	lz := c.h.loopz()
	for li := range lz.Loops {
		loop := &lz.Loops[li]
		idx := strconv.Itoa(loop.Index)
		for i, m := range loopMetrics {
			emit(ch, c.loopDescs[i], m.kind, m.read(loop), id, idx)
		}
	}
}

// emit sends one constant metric, or an invalid-metric marker that the
// registry reports without failing the whole scrape.
func emit(ch chan<- prometheus.Metric, d *prometheus.Desc, kind prometheus.ValueType, val float64, labels ...string) {
	m, err := prometheus.NewConstMetric(d, kind, val, labels...)
	if err != nil {
		m = prometheus.NewInvalidMetric(d, err)
	}
	ch <- m
}
