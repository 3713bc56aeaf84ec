package bench

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
)

// WriteText writes rep as a human-readable table.
func (rep *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s, %s payload, %s, %s", rep.Scenario, rep.clientsText(), sizeText(rep.Size),
		rep.boundText(), strings.Join(rep.Servers, ","))
	if len(rep.SubServers) > 0 {
		fmt.Fprintf(&b, " -> %s", strings.Join(rep.SubServers, ","))
	}
	if rep.ServerVersion != "" {
		fmt.Fprintf(&b, " (server %s)", rep.ServerVersion)
	}
	b.WriteString("\n\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "role\tclients\tmsgs\tmsgs/s\tMiB/s\tper client msgs/s: min\tavg\tmax\tstddev\t")
	for _, r := range rep.Roles {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%.1f\t%s\t%s\t%s\t%s\t\n", r.Role, r.Clients, group(float64(r.Msgs)),
			group(r.MsgsPerSec), r.MiBPerSec, group(r.PerClient.Min), group(r.PerClient.Avg),
			group(r.PerClient.Max), group(r.PerClient.StdDev))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	b.WriteByte('\n')
	if l := rep.Latency; l != nil {
		what := "publish to receive, under load"
		if rep.Scenario == ScenarioReqRep {
			what = "request round trip"
		}
		fmt.Fprintf(&b, "latency (%s, us): p50 %s  p90 %s  p99 %s  p99.9 %s  max %s  (%s samples)\n", what,
			usText(l.P50), usText(l.P90), usText(l.P99), usText(l.P999), usText(l.Max), group(float64(l.Count)))
	}
	fmt.Fprintf(&b, "connect time (us): min %s  avg %s  max %s\n",
		usText(rep.ConnectMicros.Min), usText(rep.ConnectMicros.Avg), usText(rep.ConnectMicros.Max))
	fmt.Fprintf(&b, "delivered %s of %s expected, lost %s, slow-consumer disconnects %d\n",
		group(float64(rep.Delivered)), group(float64(rep.Expected)), group(float64(rep.Lost)), rep.SlowConsumers)
	if rep.FlowControlStalled {
		b.WriteString("flow control stalled: publishers stopped waiting for subscribers\n")
	}
	for _, e := range rep.Errors {
		fmt.Fprintf(&b, "error: %s\n", e)
	}
	fmt.Fprintf(&b, "generator CPU %.2f s (%.2f cores)\n", rep.GeneratorCPUSecs, rep.GeneratorCores)
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON writes rep as one indented JSON object.
func (rep *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// csvHeader names the columns of WriteCSV.
var csvHeader = []string{
	"scenario", "role", "clients", "size", "msgs", "bytes", "secs", "msgs_per_sec", "mib_per_sec",
	"client_min", "client_avg", "client_max", "client_stddev",
	"lat_p50_us", "lat_p90_us", "lat_p99_us", "lat_p99_9_us", "lat_max_us",
	"connect_min_us", "connect_avg_us", "connect_max_us",
	"expected", "delivered", "lost", "slow_consumers", "generator_cpu_secs",
}

// WriteCSV writes the column names (when header is set) and one row per role. Run-wide columns (latency,
// connect time, loss, generator CPU) repeat on every row; the latency columns are empty when the run
// measured no latency (payloads under 8 bytes).
func (rep *Report) WriteCSV(w io.Writer, header bool) error {
	cw := csv.NewWriter(w)
	if header {
		if err := cw.Write(csvHeader); err != nil {
			return err
		}
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }
	i := func(v int64) string { return strconv.FormatInt(v, 10) }
	lat := make([]string, 5)
	if l := rep.Latency; l != nil {
		lat = []string{f(l.P50), f(l.P90), f(l.P99), f(l.P999), f(l.Max)}
	}
	for _, r := range rep.Roles {
		row := []string{
			string(rep.Scenario), r.Role, strconv.Itoa(r.Clients), strconv.Itoa(rep.Size), i(r.Msgs), i(r.Bytes),
			f(r.Secs), f(r.MsgsPerSec), f(r.MiBPerSec),
			f(r.PerClient.Min), f(r.PerClient.Avg), f(r.PerClient.Max), f(r.PerClient.StdDev),
			lat[0], lat[1], lat[2], lat[3], lat[4],
			f(rep.ConnectMicros.Min), f(rep.ConnectMicros.Avg), f(rep.ConnectMicros.Max),
			i(rep.Expected), i(rep.Delivered), i(rep.Lost), strconv.Itoa(rep.SlowConsumers), f(rep.GeneratorCPUSecs),
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func (rep *Report) clientsText() string {
	switch rep.Scenario {
	case ScenarioPub:
		return plural(rep.Pubs, "publisher")
	case ScenarioQueue:
		return plural(rep.Pubs, "publisher") + " -> queue group of " + strconv.Itoa(rep.Subs)
	case ScenarioReqRep:
		return plural(rep.Pubs, "requester") + " -> " + plural(rep.Subs, "replier")
	}
	return plural(rep.Pubs, "publisher") + " -> " + plural(rep.Subs, "subscriber")
}

func (rep *Report) boundText() string {
	if rep.DurationSecs > 0 {
		return strconv.FormatFloat(rep.DurationSecs, 'g', -1, 64) + " s"
	}
	unit := " msgs"
	if rep.Scenario == ScenarioReqRep {
		unit = " requests"
	}
	return group(float64(rep.Msgs)) + unit
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

func sizeText(n int) string {
	if n >= 1024 && n%1024 == 0 {
		return strconv.Itoa(n/1024) + " KiB"
	}
	return strconv.Itoa(n) + " B"
}

// group formats v rounded to an integer with thousands separators.
func group(v float64) string {
	s := strconv.FormatInt(int64(math.Round(v)), 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// usText formats microseconds with precision suited to their size.
func usText(v float64) string {
	switch {
	case v >= 1000:
		return group(v)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

// siText formats a rate as 1.23M, 456K or 789.
func siText(v float64) string {
	switch {
	case v >= 1e6:
		return strconv.FormatFloat(v/1e6, 'f', 2, 64) + "M"
	case v >= 1e3:
		return strconv.FormatFloat(v/1e3, 'f', 0, 64) + "K"
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}
