//go:build !race

package bench

import (
	"testing"

	"github.com/evnats/evnats/proto"
)

func TestReceiveAllocs(t *testing.T) {
	buf := msgStream(1000)
	p := proto.NewParser(proto.ModeClient)
	tests := []struct {
		name string
		h    *recvHandler
	}{
		{name: "subscriber", h: &recvHandler{hist: newHist()}},
		{name: "replier", h: &recvHandler{replier: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.h.now = nanotime()
			_ = p.Parse(buf, tc.h) // grows the replier's output buffer once
			allocs := testing.AllocsPerRun(50, func() {
				tc.h.out = tc.h.out[:0]
				if err := p.Parse(buf, tc.h); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Errorf("%v allocations per 1000 messages, want 0", allocs)
			}
		})
	}
}

func TestBatchAllocs(t *testing.T) {
	b := newBatch([]byte("bench"), nil, 16, 4096)
	_ = b.bytes(b.frames-1, 1) // grows the tail buffer once
	allocs := testing.AllocsPerRun(100, func() {
		_ = b.bytes(b.frames, nanotime())
		_ = b.bytes(b.frames-1, nanotime())
	})
	if allocs != 0 {
		t.Errorf("%v allocations per batch, want 0", allocs)
	}
}
