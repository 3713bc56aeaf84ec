package bench

import (
	"math"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Report is the outcome of one Run. It is plain data and marshals to the JSON
// printed by --json. Its Write methods only read it, so any number of them may
// run at once as long as nobody modifies the Report.
type Report struct {
	Scenario Scenario `json:"scenario"`
	// Servers and SubServers are the URLs used, passwords and tokens replaced by xxxxx.
	Servers       []string  `json:"servers"`
	SubServers    []string  `json:"sub_servers,omitempty"`
	ServerVersion string    `json:"server_version,omitempty"`
	Subject       string    `json:"subject"`
	Size          int       `json:"size"`
	Pubs          int       `json:"pubs"`
	Subs          int       `json:"subs"`
	Msgs          int64     `json:"msgs,omitempty"`
	DurationSecs  float64   `json:"duration_secs,omitempty"`
	Started       time.Time `json:"started"`
	// ElapsedSecs runs from the start signal to the last delivery (or the last
	// PONG when nothing is delivered).
	ElapsedSecs float64 `json:"elapsed_secs"`

	// Roles holds "pub" and "sub" (or "req" and "rep") totals.
	Roles []RoleStats `json:"roles"`
	// Latency is publish-to-receive (streaming) or round-trip (reqrep) time;
	// nil when the payload is too small to carry a timestamp.
	Latency *Latency `json:"latency,omitempty"`
	// ConnectMicros spreads the time from dial to the first PONG over all clients.
	ConnectMicros Spread `json:"connect_us"`

	// Published counts messages (requests) sent, Expected the deliveries they
	// should cause, Delivered those that arrived; Lost = Expected - Delivered.
	Published int64 `json:"published"`
	Expected  int64 `json:"expected"`
	Delivered int64 `json:"delivered"`
	Lost      int64 `json:"lost"`
	// SlowConsumers counts receiving connections the server closed during the run.
	SlowConsumers int `json:"slow_consumers"`
	// FlowControlStalled is set when publishers gave up waiting for subscribers.
	FlowControlStalled bool     `json:"flow_control_stalled,omitempty"`
	Errors             []string `json:"errors,omitempty"`

	// GeneratorCPUSecs is this process's user+system CPU time during the run,
	// GeneratorCores that divided by the wall time.
	GeneratorCPUSecs float64 `json:"generator_cpu_secs"`
	GeneratorCores   float64 `json:"generator_cores"`
}

// RoleStats aggregates one role's clients.
type RoleStats struct {
	Role    string `json:"role"`
	Clients int    `json:"clients"`
	Msgs    int64  `json:"msgs"`
	// Bytes counts payload bytes only.
	Bytes      int64   `json:"bytes"`
	Secs       float64 `json:"secs"`
	MsgsPerSec float64 `json:"msgs_per_sec"`
	MiBPerSec  float64 `json:"mib_per_sec"`
	// PerClient spreads the clients' own msgs/s.
	PerClient Spread `json:"per_client_msgs_per_sec"`
}

// Spread is the minimum, mean, maximum and population standard deviation of a
// set of values.
type Spread struct {
	Min    float64 `json:"min"`
	Avg    float64 `json:"avg"`
	Max    float64 `json:"max"`
	StdDev float64 `json:"stddev"`
}

// Latency summarises a histogram, in microseconds.
type Latency struct {
	Count int64   `json:"count"`
	Min   float64 `json:"min_us"`
	Mean  float64 `json:"mean_us"`
	P50   float64 `json:"p50_us"`
	P90   float64 `json:"p90_us"`
	P99   float64 `json:"p99_us"`
	P999  float64 `json:"p99_9_us"`
	Max   float64 `json:"max_us"`
}

func spreadOf(v []float64) Spread {
	if len(v) == 0 {
		return Spread{}
	}
	s := Spread{Min: math.Inf(1), Max: math.Inf(-1)}
	for _, x := range v {
		s.Min, s.Max = min(s.Min, x), max(s.Max, x)
		s.Avg += x
	}
	s.Avg /= float64(len(v))
	for _, x := range v {
		s.StdDev += (x - s.Avg) * (x - s.Avg)
	}
	s.StdDev = math.Sqrt(s.StdDev / float64(len(v)))
	return s
}

func latencyOf(h *hdrhistogram.Histogram) *Latency {
	if h == nil || h.TotalCount() == 0 {
		return nil
	}
	us := func(ns int64) float64 { return float64(ns) / 1e3 }
	return &Latency{
		Count: h.TotalCount(),
		Min:   us(h.Min()),
		Mean:  h.Mean() / 1e3,
		P50:   us(h.ValueAtQuantile(50)),
		P90:   us(h.ValueAtQuantile(90)),
		P99:   us(h.ValueAtQuantile(99)),
		P999:  us(h.ValueAtQuantile(99.9)),
		Max:   us(h.Max()),
	}
}

// roleStats aggregates clients that all began at their own start (publishers,
// requesters) or at the run's start (receivers, whose start is zero).
func roleStats(role string, clients []*clientStats, runStart time.Time) RoleStats {
	rs := RoleStats{Role: role, Clients: len(clients)}
	var first, last time.Time
	rates := make([]float64, 0, len(clients))
	for _, c := range clients {
		start := c.start
		if start.IsZero() {
			start = runStart
		}
		n := c.msgs.Load()
		rs.Msgs += n
		rs.Bytes += c.bytes
		if first.IsZero() || start.Before(first) {
			first = start
		}
		if c.end.After(last) {
			last = c.end
		}
		rate := 0.0
		if d := c.end.Sub(start).Seconds(); n > 0 && d > 0 {
			rate = float64(n) / d
		}
		rates = append(rates, rate)
	}
	rs.PerClient = spreadOf(rates)
	if d := last.Sub(first).Seconds(); d > 0 {
		rs.Secs = d
		rs.MsgsPerSec = float64(rs.Msgs) / d
		rs.MiBPerSec = float64(rs.Bytes) / d / (1 << 20)
	}
	return rs
}

// report assembles the Report once every client goroutine has ended.
func (r *runner) report(start time.Time, wall, cpu time.Duration) *Report {
	c := r.cfg
	rep := &Report{
		Scenario: c.Scenario, Servers: redactURLs(c.URLs), Subject: c.Subject, Size: c.Size,
		Pubs: r.shape.pubs, Subs: r.shape.subs, Started: start,
		GeneratorCPUSecs: cpu.Seconds(),
	}
	if !sameServers(c.URLs, c.SubURLs) {
		rep.SubServers = redactURLs(c.SubURLs)
	}
	if c.Duration > 0 {
		rep.DurationSecs = c.Duration.Seconds()
	} else {
		rep.Msgs = c.Msgs
	}
	r.mu.Lock()
	if len(r.conns) > 0 {
		rep.ServerVersion = r.conns[0].info.Version
	}
	r.mu.Unlock()
	if wall > 0 {
		rep.GeneratorCores = cpu.Seconds() / wall.Seconds()
	}
	sendRole, recvRole := "pub", "sub"
	if r.shape.reqrep {
		sendRole, recvRole = "req", "rep"
	}
	rep.Roles = append(rep.Roles, roleStats(sendRole, r.pubs, start))
	if len(r.subs) > 0 {
		rep.Roles = append(rep.Roles, roleStats(recvRole, r.subs, start))
	}
	rep.ElapsedSecs = rep.Roles[len(rep.Roles)-1].Secs

	var hist *hdrhistogram.Histogram
	var connects []float64
	for _, group := range [][]*clientStats{r.pubs, r.subs, r.aux} {
		for _, cs := range group {
			if cs.hist != nil {
				if hist == nil {
					hist = newHist()
				}
				hist.Merge(cs.hist)
			}
			if cs.connect > 0 {
				connects = append(connects, float64(cs.connect.Microseconds()))
			}
			if cs.errText != "" {
				rep.Errors = append(rep.Errors, cs.role+": -ERR '"+cs.errText+"'")
			}
			if cs.err != nil {
				rep.Errors = append(rep.Errors, cs.role+": "+cs.err.Error())
			}
		}
	}
	rep.Latency = latencyOf(hist)
	rep.ConnectMicros = spreadOf(connects)
	for _, s := range r.subs {
		if s.closedByServer {
			rep.SlowConsumers++
		}
	}
	for _, p := range r.pubs {
		rep.Published += p.sent.Load()
	}
	rep.Expected = r.expected()
	rep.Delivered = r.arrived.Load()
	rep.Lost = max(rep.Expected-rep.Delivered, 0)
	rep.FlowControlStalled = r.gate.stalled()
	return rep
}
