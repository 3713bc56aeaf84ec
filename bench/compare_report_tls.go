package bench

import (
	"fmt"
	"strconv"
	"strings"
)

// tlsField reads a field of a sample's TLS figures (0 without them).
func tlsField(f func(*tlsSample) float64) func(sample) float64 {
	return func(s sample) float64 {
		if s.TLS == nil {
			return 0
		}
		return f(s.TLS)
	}
}

// ratioText is "1.23x" of the medians of f over b's and a's samples, or "-".
func ratioText(a, b *cell, f func(sample) float64) string {
	sa, sb := statOf(a.Samples, f), statOf(b.Samples, f)
	if sa.n == 0 || sb.n == 0 || sa.med == 0 {
		return "-"
	}
	return timesText(sb.med / sa.med)
}

// timesText formats a ratio: 1.23x, with two significant digits below 0.1
// (0.00018x) and without decimals from 100 on (2,357x).
func timesText(r float64) string {
	switch {
	case r < 0.1:
		return strconv.FormatFloat(r, 'g', 2, 64) + "x"
	case r >= 100:
		return group(r) + "x"
	}
	return strconv.FormatFloat(r, 'f', 2, 64) + "x"
}

// negotiatedText lists the distinct TLS parameters a cell's samples saw.
func negotiatedText(c *cell) string {
	var seen []string
	for _, s := range c.Samples {
		if s.TLS != nil && s.TLS.Negotiated != "" && !strings.Contains(strings.Join(seen, "|"), s.TLS.Negotiated) {
			seen = append(seen, s.TLS.Negotiated)
		}
	}
	if len(seen) == 0 {
		return "-"
	}
	return strings.Join(seen, "; ")
}

func sumFailed(c *cell) string {
	if len(c.Samples) == 0 {
		return "-"
	}
	var n int64
	for _, s := range c.Samples {
		if s.TLS != nil {
			n += s.TLS.Failed
		}
	}
	return strconv.FormatInt(n, 10)
}

// renderHandshakes writes the TLS handshake table of row r.
func renderHandshakes(b *strings.Builder, r *rowResult, cmp *comparer, n *notes) {
	fmt.Fprintf(b, "## TLS handshakes (%d clients connecting at once, each: TCP connect, INFO, full TLS handshake, CONNECT, PING/PONG, close)\n\n", cmp.hsClients)
	if len(r.Cells) < 2 {
		fmt.Fprintf(b, "not run %s\n\n", n.add(r.Title+": "+oneLine(r.Cells[0].Err)))
		return
	}
	perSec := tlsField(func(t *tlsSample) float64 { return t.PerSec })
	cpuHS := tlsField(func(t *tlsSample) float64 { return t.CPUPerHSUs })
	p50 := tlsField(func(t *tlsSample) float64 { return t.ConnectP50 })
	p99 := tlsField(func(t *tlsSample) float64 { return t.ConnectP99 })
	b.WriteString("| server | handshakes/s | server CPU us per handshake | server cores | generator cores | connect time p50 us | p99 us | failed connects | negotiated |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|\n")
	for _, c := range r.Cells {
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", c.Target,
			cellOrNote(c, r, n, perSec, siText), fmtStat(statOf(c.Samples, cpuHS), usText),
			fmtStat(statOf(c.Samples, srvCores), cores), fmtStat(statOf(c.Samples, genCores), cores),
			fmtStat(statOf(c.Samples, p50), usText), fmtStat(statOf(c.Samples, p99), usText),
			sumFailed(c), negotiatedText(c))
	}
	a, e := r.Cells[0], r.Cells[1]
	fmt.Fprintf(b, "| evnats / nats-server | %s | %s | %s | %s | %s | %s | | |\n\n",
		ratioText(a, e, perSec), ratioText(a, e, cpuHS), ratioText(a, e, srvCores), ratioText(a, e, genCores),
		ratioText(a, e, p50), ratioText(a, e, p99))
	b.WriteString("Handshakes/s counts connections the server completed (PONG received) during the measured interval; server CPU per " +
		"handshake is the server's utime+stime over that interval divided by them, so it includes accepting, CONNECT and closing. " +
		"The clients keep no TLS session cache, so every handshake is a full one against the RSA 2048 certificate in configs/certs, " +
		"and they close with RST (SO_LINGER 0) so no TIME_WAIT sockets pile up. The generator does the client half of every handshake " +
		"on the same cores (generator cores), so handshakes/s is what the machine managed with both; CPU per handshake is the server's own cost. " +
		"A ratio below 1x in the CPU column means evnats spent less.\n\n")
}

// renderStorm writes the table of the reconnect-storm row r.
func renderStorm(b *strings.Builder, r *rowResult, cmp *comparer, n *notes) {
	fmt.Fprintf(b, "## Request/reply during a TLS reconnect storm (%d clients reconnecting over TLS)\n\n", cmp.stormClients)
	if len(r.Cells) < 2 {
		fmt.Fprintf(b, "not run %s\n\n", n.add(r.Title+": "+oneLine(r.Cells[0].Err)))
		return
	}
	p50 := func(s sample) float64 { return s.P50 }
	p99 := func(s sample) float64 { return s.P99 }
	p999 := func(s sample) float64 { return s.P999 }
	pmax := func(s sample) float64 { return s.Max }
	q50 := tlsField(func(t *tlsSample) float64 { return t.QuietP50 })
	q99 := tlsField(func(t *tlsSample) float64 { return t.QuietP99 })
	hsRate := tlsField(func(t *tlsSample) float64 { return t.PerSec })
	b.WriteString("| server | p50 us | p99 us | p99.9 us | max us | requests/s | before the storm: p50 us | p99 us | storm handshakes/s | failed connects | server cores | generator cores |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, c := range r.Cells {
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", c.Target,
			cellOrNote(c, r, n, p50, usText), fmtStat(statOf(c.Samples, p99), usText),
			fmtStat(statOf(c.Samples, p999), usText), fmtStat(statOf(c.Samples, pmax), usText),
			fmtStat(statOf(c.Samples, rate), siText),
			fmtStat(statOf(c.Samples, q50), usText), fmtStat(statOf(c.Samples, q99), usText),
			fmtStat(statOf(c.Samples, hsRate), siText), sumFailed(c),
			fmtStat(statOf(c.Samples, srvCores), cores), fmtStat(statOf(c.Samples, genCores), cores))
	}
	a, e := r.Cells[0], r.Cells[1]
	fmt.Fprintf(b, "| evnats / nats-server | %s | %s | %s | %s | %s | %s | %s | %s | | %s | %s |\n\n",
		ratioText(a, e, p50), ratioText(a, e, p99), ratioText(a, e, p999), ratioText(a, e, pmax), ratioText(a, e, rate),
		ratioText(a, e, q50), ratioText(a, e, q99), ratioText(a, e, hsRate), ratioText(a, e, srvCores), ratioText(a, e, genCores))
	fmt.Fprintf(b, "One requester and one replier connect over TLS first; their request/reply latency (128 B, one request in flight, "+
		"round trip through the server) is measured for %v with nothing else going on (\"before the storm\"), then for %v while %d more "+
		"clients each connect over TLS (full handshake, CONNECT, PING/PONG), close and connect again. Latency ratios below 1x mean evnats "+
		"answered faster. Each request is one latency sample, so when few requests complete (requests/s times the interval) the high "+
		"percentiles are just the slowest of them. The storm's client-side handshakes run in the generator process, beside the requester and "+
		"on the same cores as the server; the generator cores column shows that cost was about the same against both servers.\n\n",
		quietFor(cmp.duration), cmp.duration, cmp.stormClients)
}
