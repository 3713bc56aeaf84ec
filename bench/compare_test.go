package bench

import (
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

func TestRenderMarkdown(t *testing.T) {
	rows := compareRows()
	fan := func(id string) row {
		for _, r := range rows {
			if r.ID == id {
				return r
			}
		}
		t.Fatalf("no row %s", id)
		return row{}
	}
	results := []*rowResult{
		{row: fan("fan100"), Cells: []*cell{
			{Target: "nats-server", Samples: []sample{{Rate: 1e6, CPUPerMsgNs: 800, GenCores: 0.5}, {Rate: 1.2e6, CPUPerMsgNs: 700}, {Rate: 1.1e6}}},
			{Target: "evnats", Samples: []sample{{Rate: 2.2e6, CPUPerMsgNs: 200, GenCores: 1.1}, {Rate: 2.2e6, CPUPerMsgNs: 200}, {Rate: 2.2e6}}},
		}},
		{row: fan("route"), Cells: []*cell{
			{Target: "nats-server", Samples: []sample{{Rate: 4e5}}},
			{Target: "evnats", Err: "cluster node: evnats exited at start"},
		}},
		{row: fan("loops"), Cells: []*cell{{Target: "evnats --loops 1", Samples: []sample{{Rate: 3.3e6}}}}},
		skipped(fan("tls"), "skipped: no certificates"),
	}
	cmp := &comparer{rounds: 3, duration: 2 * time.Second, idleConns: 10_000}
	md := renderMarkdown(results, cmp, "evnats-bench compare", ".", time.Minute)
	for _, want := range []string{
		"| 1->100 fan-out 128 B | 1.10M (1.00M–1.20M) | 2.20M | 2.00x |",
		"| 1:1 128 B across a route | 400K | failed [1] |",
		"| evnats --loops 1 | 3.30M | 3.00x |",
		"1. evnats, 1:1 128 B across a route: cluster node: evnats exited at start",
		"2. 1:1 16 B over TLS: skipped: no certificates",
		"evnats delivered 2.00x to 2.00x",
		"up to 1.10 cores",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
}

func TestKeepGoBenchmarks(t *testing.T) {
	old := "# results\n\nold table\n\n## Go benchmarks\n\nBenchmarkFanout 1 ns/op\n"
	got := keepGoBenchmarks("# results\n\nnew table\n", old)
	want := "# results\n\nnew table\n\n## Go benchmarks\n\nBenchmarkFanout 1 ns/op\n"
	if got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if got := keepGoBenchmarks("new\n", "no section\n"); got != "new\n" {
		t.Fatalf("got %q", got)
	}
}
