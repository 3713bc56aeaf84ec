package monitor

import (
	"fmt"
	"testing"
)

// BenchmarkConnz measures a full /connz request over 10k connections: copy
// out of the fake Source, filter, sort, page and encode.
func BenchmarkConnz(b *testing.B) {
	for _, q := range []string{"", "sort=msgs_to&limit=100", "sort=rtt&limit=100&offset=5000", "cid=5000"} {
		b.Run(fmt.Sprintf("q=%q", q), func(b *testing.B) {
			src := &fakeSource{varz: sampleVarz(), conns: makeConns(10_000)}
			for i := range src.conns {
				src.conns[i].RTT = fmt.Sprintf("%dµs", i%997)
			}
			h := newTestHandler(b, src, "")
			b.ReportAllocs()
			for b.Loop() {
				if rec := get(b, h, "/connz?"+q); rec.Code != 200 {
					b.Fatal(rec.Code)
				}
			}
		})
	}
}

func BenchmarkVarz(b *testing.B) {
	h := newTestHandler(b, &fakeSource{varz: sampleVarz()}, "")
	b.ReportAllocs()
	for b.Loop() {
		get(b, h, "/varz")
	}
}

func BenchmarkMetrics(b *testing.B) {
	loops := make([]LoopInfo, 8)
	for i := range loops {
		loops[i] = LoopInfo{Index: i, Connections: i, InMsgs: uint64(i) * 1000}
	}
	h := newTestHandler(b, &fakeSource{varz: sampleVarz(), loops: loops}, "")
	b.ReportAllocs()
	for b.Loop() {
		get(b, h, "/metrics")
	}
}

func BenchmarkMatchLiteral(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		matchLiteral("orders.eu.west.created", "orders.*.west.>")
	}
}
