package bench

import (
	"os"
	"testing"
	"time"

	"github.com/evnats/evnats/proto"
)

// benchRun publishes b.N messages through the server at url and reports the
// delivered rate; b.SetBytes makes ns/op and MB/s refer to one published message.
func benchRun(b *testing.B, url string, sc Scenario, size, subs int) {
	b.Helper()
	cfg := &Config{Scenario: sc, URLs: []string{url}, Msgs: int64(b.N), Size: size, Pubs: 1, Subs: subs, Timeout: 2 * time.Minute}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	rep := mustRun(b, cfg)
	b.StopTimer()
	last := rep.Roles[len(rep.Roles)-1]
	b.ReportMetric(last.MsgsPerSec, "delivered/s")
	b.ReportMetric(float64(rep.Lost), "lost")
}

// externalURL is a server named by $EVNATS_BENCH_URL, or a started nats-server.
func externalURL(b *testing.B) string {
	if u := os.Getenv("EVNATS_BENCH_URL"); u != "" {
		return u
	}
	return startNATSServer(b).url
}

func BenchmarkPubSubExternal(b *testing.B) { benchRun(b, externalURL(b), ScenarioPubSub, 16, 1) }

func BenchmarkFanout10External(b *testing.B) { benchRun(b, externalURL(b), ScenarioFanout, 128, 10) }

// BenchmarkReceive measures the subscriber's parse, count and latency-record
// path alone; one op is one message.
func BenchmarkReceive(b *testing.B) {
	buf := msgStream(1000)
	p := proto.NewParser(proto.ModeClient)
	h := &recvHandler{hist: newHist()}
	b.SetBytes(int64(len(buf)) / 1000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += 1000 {
		if err := p.Parse(buf, h); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBatch measures stamping and framing one 64 KiB publisher batch.
func BenchmarkBatch(b *testing.B) {
	bt := newBatch([]byte("bench"), nil, 16, DefaultBatchSize)
	b.SetBytes(int64(len(bt.buf)))
	b.ReportAllocs()
	for b.Loop() {
		_ = bt.bytes(bt.frames, nanotime())
	}
}
