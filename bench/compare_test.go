package bench

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestStatOf(t *testing.T) {
	ss := []sample{{Rate: 3}, {Rate: 1}, {Rate: 2}}
	if s := statOf(ss, rate); s.med != 2 || s.lo != 1 || s.hi != 3 || s.n != 3 {
		t.Errorf("odd: %+v", s)
	}
	if s := statOf(ss[:2], rate); s.med != 2 {
		t.Errorf("even median %v, want 2", s.med)
	}
	if s := statOf(nil, rate); s.n != 0 || fmtStat(s, siText) != "-" {
		t.Errorf("empty: %+v", s)
	}
}

// rowByID returns the compare row with the given id.
func rowByID(t *testing.T, id string) row {
	t.Helper()
	for _, r := range compareRows() {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("no row %s", id)
	return row{}
}

func testComparer(rounds int) *comparer {
	return &comparer{rounds: rounds, duration: 2 * time.Second, idleConns: 10_000, hsClients: 100,
		stormClients: 500, validateMsgs: 1000, src: "."}
}

func TestRenderMarkdown(t *testing.T) {
	hs := func(perSec, cpu float64) sample {
		return sample{Rate: perSec, ServerCores: 0.9, GenCores: 0.5,
			TLS: &tlsSample{PerSec: perSec, CPUPerHSUs: cpu, ConnectP50: 900, ConnectP99: 4000, Failed: 1, Negotiated: "TLS 1.3, TLS_AES_128_GCM_SHA256, X25519"}}
	}
	storm := func(p50, p99 float64) sample {
		return sample{Rate: 5000, P50: p50, P99: p99, P999: 2 * p99, Max: 3 * p99, ServerCores: 1.1, GenCores: 0.8,
			TLS: &tlsSample{PerSec: 700, QuietP50: 60, QuietP99: 150}}
	}
	results := []*rowResult{
		{row: rowByID(t, "fan100"), Cells: []*cell{
			{Target: "nats-server", Samples: []sample{{Rate: 1e6, CPUPerMsgNs: 800, GenCores: 0.5}, {Rate: 1.2e6, CPUPerMsgNs: 700}, {Rate: 1.1e6}}},
			{Target: "evnats", Samples: []sample{{Rate: 2.2e6, CPUPerMsgNs: 200, GenCores: 1.1}, {Rate: 2.2e6, CPUPerMsgNs: 200}, {Rate: 2.2e6}}},
		}},
		{row: rowByID(t, "route"), Cells: []*cell{
			{Target: "nats-server", Samples: []sample{{Rate: 4e5}}},
			{Target: "evnats", Err: "cluster node: evnats exited at start"},
		}},
		{row: rowByID(t, "loops"), Cells: []*cell{{Target: "evnats --loops 1", Samples: []sample{{Rate: 3.3e6}}}}},
		skipped(rowByID(t, "tls"), "not run: no certificates"),
		{row: rowByID(t, "tls-handshake"), Cells: []*cell{
			{Target: "nats-server", Samples: []sample{hs(1000, 1500)}},
			{Target: "evnats", Samples: []sample{hs(1500, 1000)}},
		}},
		{row: rowByID(t, "tls-storm"), Cells: []*cell{
			{Target: "nats-server", Samples: []sample{storm(100, 4000)}},
			{Target: "evnats", Samples: []sample{storm(80, 1000)}},
		}},
	}
	md := renderMarkdown(results, testComparer(3), "evnats-bench compare", time.Minute, "")
	for _, want := range []string{
		"each figure is the median of 3 rounds (range in parentheses)",
		"| 1->100 fan-out 128 B | 1.10M (1.00M–1.20M) | 2.20M | 2.00x |",
		"| 1:1 128 B across a route | 400K | failed [1] |",
		"| evnats --loops 1 | 3.30M | 3.00x |",
		"## TLS handshakes (100 clients connecting at once",
		"| nats-server | 1K | 1,500 | 0.90 | 0.50 | 900 | 4,000 | 1 | TLS 1.3, TLS_AES_128_GCM_SHA256, X25519 |",
		"| evnats / nats-server | 1.50x | 0.67x |",
		"## Request/reply during a TLS reconnect storm (500 clients reconnecting over TLS)",
		"| evnats | 80 | 1,000 | 2,000 | 3,000 | 5K | 60 | 150 | 700 | 0 | 1.10 | 0.80 |",
		"| evnats / nats-server | 0.80x | 0.25x |",
		"1. evnats, 1:1 128 B across a route: cluster node: evnats exited at start",
		"2. 1:1 16 B over TLS: not run: no certificates",
		"evnats delivered 2.00x to 2.00x",
		"up to 1.10 cores",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "## Go benchmarks") || strings.Contains(md, "## Generator check") {
		t.Errorf("sections of rows that did not run:\n%s", md)
	}
}

func TestRenderOneRound(t *testing.T) {
	md := renderMarkdown(nil, testComparer(1), "evnats-bench compare --rounds 1", time.Minute, "")
	if !strings.Contains(md, "each figure comes from a single round") || strings.Contains(md, "1 rounds") {
		t.Errorf("one-round wording:\n%s", md)
	}
}

func TestKeptSections(t *testing.T) {
	old := "# results\n\nold table\n\n## What the numbers mean\n\nold meaning\n\n" +
		"## Generator check: nats bench\n\nold check\n\n## Go benchmarks\n\nBenchmarkFanout 1 ns/op\n\n## Notes\n\n1. old note\n"
	md := renderMarkdown(nil, testComparer(3), "evnats-bench compare", time.Minute, old)
	for _, want := range []string{"## Generator check: nats bench\n\nold check\n\n## Go benchmarks\n\nBenchmarkFanout 1 ns/op\n"} {
		if !strings.Contains(md, want) {
			t.Errorf("kept sections missing %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "old note") || strings.Contains(md, "old meaning") {
		t.Errorf("kept more than the two sections:\n%s", md)
	}
	g := &rowResult{row: rowByID(t, "gobench"), Cells: []*cell{{Target: "go test"}},
		GoBench: &goBenchResult{Command: goBenchCommand(), Date: "today", Commit: "abc", Lines: []string{"BenchmarkPubSub/16B-2 1 2 ns/op"}}}
	md = renderMarkdown([]*rowResult{g}, testComparer(3), "evnats-bench compare", time.Minute, old)
	if strings.Contains(md, "BenchmarkFanout 1 ns/op") || !strings.Contains(md, "BenchmarkPubSub/16B-2 1 2 ns/op") {
		t.Errorf("a new Go benchmark section should replace the old one:\n%s", md)
	}
	if !strings.Contains(md, "old check") {
		t.Errorf("the generator check should still be kept:\n%s", md)
	}
}

func TestSection(t *testing.T) {
	md := "# t\n\n## A\n\na\n\n## B\n\nb\n"
	if got := section(md, "## A"); got != "## A\n\na\n" {
		t.Errorf("section A = %q", got)
	}
	if got := section(md, "## B"); got != "## B\n\nb\n" {
		t.Errorf("section B = %q", got)
	}
	if got := section(md, "## C"); got != "" {
		t.Errorf("section C = %q", got)
	}
}

func TestGoBenchCommand(t *testing.T) {
	want := `go test -run '^$' -bench 'BenchmarkPubSub|BenchmarkFanout|BenchmarkRouteThroughput|BenchmarkPublishPermissions' -benchmem ./server/`
	if got := goBenchCommand(); got != want {
		t.Errorf("command %q, want %q", got, want)
	}
	// Every benchmark the command names must exist in package server.
	files, err := filepath.Glob(filepath.Join("..", "server", "*_test.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no server tests found: %v", err)
	}
	var all strings.Builder
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		all.Write(b)
	}
	for name := range strings.SplitSeq(goBenchArgs[4], "|") {
		if !strings.Contains(all.String(), "func "+name+"(b *testing.B)") {
			t.Errorf("package server has no %s", name)
		}
	}
	out := "goos: linux\ngoarch: amd64\npkg: x\ncpu: AMD\nBenchmarkA-2   10   5 ns/op\nsome log line\nPASS\nok  x 1.0s\n"
	if got := goBenchLines(out); len(got) != 5 || got[4] != "BenchmarkA-2   10   5 ns/op" {
		t.Errorf("goBenchLines = %q", got)
	}
}

func TestValidateVerdict(t *testing.T) {
	g := func(name string, sub, genNs, genCores, srvNs, srvCores float64) genSummary {
		return genSummary{name: name, subRate: sub, genNs: genNs, genCores: genCores, serverNs: srvNs, serverCores: srvCores}
	}
	tests := []struct {
		name          string
		theirs, ours  genSummary
		want, notWant string
	}{
		{name: "agree", theirs: g("nats bench", 1e6, 900, 1, 500, 0.6), ours: g("evnats-bench", 1.1e6, 300, 0.4, 480, 0.6),
			want: "agree within 20% (1.10x)"},
		{name: "generator limit", theirs: g("nats bench", 1e6, 900, 1.1, 500, 0.7), ours: g("evnats-bench", 2e6, 300, 0.5, 450, 0.9),
			want: "the generator was the limit. nats bench spent 900 ns"},
		{name: "unexplained", theirs: g("nats bench", 1e6, 300, 0.3, 500, 0.5), ours: g("evnats-bench", 2e6, 300, 0.5, 450, 0.9),
			want: "MISMATCH", notWant: "was the limit"},
	}
	for _, tc := range tests {
		got := validateVerdict("case", tc.theirs, tc.ours, 2)
		if !strings.Contains(got, tc.want) || (tc.notWant != "" && strings.Contains(got, tc.notWant)) {
			t.Errorf("%s: verdict %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestFailures(t *testing.T) {
	results := []*rowResult{
		{row: rowByID(t, "pub"), Cells: []*cell{{Target: "nats-server", Samples: []sample{{}}}, {Target: "evnats", Samples: []sample{{}}}}},
		{row: rowByID(t, "route"), Cells: []*cell{{Target: "nats-server"}, {Target: "evnats", Err: "no route\nat all"}}},
		skipped(rowByID(t, "idle"), "not run: the budget ran out"),
	}
	got := failures(results)
	if len(got) != 2 || got[0] != "route (evnats: no route at all)" || !strings.HasPrefix(got[1], "idle (all: not run") {
		t.Errorf("failures = %q", got)
	}
}
