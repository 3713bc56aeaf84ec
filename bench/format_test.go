package bench

import (
	"bytes"
	"encoding/csv"
	"math"
	"strings"
	"testing"
	"time"
)

func sampleReport() *Report {
	return &Report{
		Scenario: ScenarioFanout, Servers: []string{"nats://127.0.0.1:4222"}, ServerVersion: "2.15.3",
		Subject: "bench", Size: 128, Pubs: 1, Subs: 10, Msgs: 100_000, Started: time.Unix(0, 0),
		ElapsedSecs: 0.5,
		Roles: []RoleStats{
			{Role: "pub", Clients: 1, Msgs: 100_000, Bytes: 12_800_000, Secs: 0.5, MsgsPerSec: 200_000, MiBPerSec: 24.4,
				PerClient: Spread{Min: 200_000, Avg: 200_000, Max: 200_000}},
			{Role: "sub", Clients: 10, Msgs: 999_000, Bytes: 127_872_000, Secs: 0.5, MsgsPerSec: 1_998_000, MiBPerSec: 243.9,
				PerClient: Spread{Min: 190_000, Avg: 199_800, Max: 200_000, StdDev: 3_000}},
		},
		Latency:       &Latency{Count: 999_000, Min: 3, Mean: 150, P50: 120.4, P90: 300, P99: 1234.5, P999: 5000, Max: 9000},
		ConnectMicros: Spread{Min: 150, Avg: 200, Max: 400},
		Published:     100_000, Expected: 1_000_000, Delivered: 999_000, Lost: 1_000, SlowConsumers: 1,
		Errors:           []string{"sub: connection reset by peer"},
		GeneratorCPUSecs: 0.4, GeneratorCores: 0.8,
	}
}

func TestWriteText(t *testing.T) {
	var buf bytes.Buffer
	if err := sampleReport().WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"fanout: 1 publisher -> 10 subscribers, 128 B payload, 100,000 msgs, nats://127.0.0.1:4222 (server 2.15.3)",
		"1,998,000",
		"p50 120  p90 300  p99 1,235  p99.9 5,000  max 9,000  (999,000 samples)",
		"delivered 999,000 of 1,000,000 expected, lost 1,000, slow-consumer disconnects 1",
		"error: sub: connection reset by peer",
		"generator CPU 0.40 s (0.80 cores)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text report lacks %q:\n%s", want, out)
		}
	}
}

func TestWriteCSV(t *testing.T) {
	var buf bytes.Buffer
	rep := sampleReport()
	if err := rep.WriteCSV(&buf, true); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Fatalf("got %d rows, want header + 2", len(rows))
	}
	col := func(row []string, name string) string {
		for i, h := range rows[0] {
			if h == name {
				return row[i]
			}
		}
		t.Fatalf("no column %q", name)
		return ""
	}
	for _, c := range []struct {
		row       int
		col, want string
	}{
		{1, "role", "pub"},
		{2, "role", "sub"},
		{2, "msgs_per_sec", "1998000.00"},
		{2, "lost", "1000"},
		{1, "slow_consumers", "1"},
		{2, "lat_p99_us", "1234.50"},
		{1, "connect_avg_us", "200.00"},
		{2, "connect_max_us", "400.00"},
	} {
		if got := col(rows[c.row], c.col); got != c.want {
			t.Errorf("row %d %s = %q, want %q", c.row, c.col, got, c.want)
		}
	}

	rep.Latency = nil // a run with payloads too small to carry a timestamp
	buf.Reset()
	if err := rep.WriteCSV(&buf, true); err != nil {
		t.Fatal(err)
	}
	if rows, err = csv.NewReader(&buf).ReadAll(); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"lat_p50_us", "lat_p90_us", "lat_p99_us", "lat_p99_9_us", "lat_max_us"} {
		if got := col(rows[1], name); got != "" {
			t.Errorf("without latency, %s = %q, want empty", name, got)
		}
	}
	if got := col(rows[1], "connect_min_us"); got != "150.00" {
		t.Errorf("without latency, connect_min_us = %q, want 150.00", got)
	}
}

func TestRedactURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{in: "nats://127.0.0.1:4222", want: "nats://127.0.0.1:4222"},
		{in: "nats://alice:s3cret@127.0.0.1:4222", want: "nats://alice:xxxxx@127.0.0.1:4222"},
		{in: "tls://s3cret-token@host:4222", want: "tls://xxxxx@host:4222"},
		{in: "alice:s3cret@host", want: "alice:xxxxx@host"},
		{in: "nats://alice:s3cret@host:99999999x", want: "nats://xxxxx@host:99999999x"},
		{in: "nats://a:b@c@host:1", want: "nats://a:xxxxx@host:1"},
	}
	for _, tc := range tests {
		if got := redactURL(tc.in); got != tc.want {
			t.Errorf("redactURL(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if strings.Contains(redactURL(tc.in), "s3cret") {
			t.Errorf("redactURL(%q) leaks the secret", tc.in)
		}
	}
}

func TestGroup(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0"}, {999, "999"}, {1000, "1,000"}, {1234567.4, "1,234,567"}, {999999.6, "1,000,000"}, {-1234, "-1,234"},
	}
	for _, tc := range tests {
		if got := group(tc.in); got != tc.want {
			t.Errorf("group(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSIText(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{12, "12"}, {12_345, "12K"}, {1_020_000, "1.02M"},
	}
	for _, tc := range tests {
		if got := siText(tc.in); got != tc.want {
			t.Errorf("siText(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in      string
		want    int
		wantErr bool
	}{
		{in: "16", want: 16},
		{in: "128B", want: 128},
		{in: "1KiB", want: 1024},
		{in: "4k", want: 4096},
		{in: "2KB", want: 2048},
		{in: "1MiB", want: 1 << 20},
		{in: "0", want: 0},
		{in: "", wantErr: true},
		{in: "-1", wantErr: true},
		{in: "12x", wantErr: true},
		{in: "65M", wantErr: true},
	}
	for _, tc := range tests {
		got, err := parseSize(tc.in)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d, error %v", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}

func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"16", "1KiB", "4k", "1MiB", "-3", "KiB", "9999999999999999999M"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parseSize(s)
		if err == nil && (n < 0 || n > maxPayload) {
			t.Errorf("parseSize(%q) = %d, outside [0, %d]", s, n, maxPayload)
		}
	})
}

func TestSpreadOf(t *testing.T) {
	s := spreadOf([]float64{2, 4, 4, 4, 5, 5, 7, 9})
	if s.Min != 2 || s.Max != 9 || s.Avg != 5 || math.Abs(s.StdDev-2) > 1e-9 {
		t.Errorf("spreadOf = %+v, want min 2 avg 5 max 9 stddev 2", s)
	}
	if (spreadOf(nil) != Spread{}) {
		t.Errorf("spreadOf(nil) = %+v, want zero", spreadOf(nil))
	}
}

func TestPerClient(t *testing.T) {
	got := perClient(10, 3)
	if len(got) != 3 || got[0] != 4 || got[1] != 3 || got[2] != 3 {
		t.Errorf("perClient(10, 3) = %v, want [4 3 3]", got)
	}
}

func TestRoleStats(t *testing.T) {
	start := time.Unix(100, 0)
	a, b := &clientStats{end: start.Add(time.Second)}, &clientStats{end: start.Add(2 * time.Second)}
	a.msgs.Store(1000)
	b.msgs.Store(1000)
	a.bytes, b.bytes = 1<<20, 1<<20
	rs := roleStats("sub", []*clientStats{a, b}, start)
	if rs.Msgs != 2000 || rs.MsgsPerSec != 1000 || rs.MiBPerSec != 1 {
		t.Errorf("aggregate %+v, want 2000 msgs at 1000/s and 1 MiB/s", rs)
	}
	if rs.PerClient.Min != 500 || rs.PerClient.Max != 1000 {
		t.Errorf("per client %+v, want 500..1000", rs.PerClient)
	}
}
