//go:build !race

package tlsengine

import (
	"crypto/tls"
	"fmt"
	"testing"
)

// The race detector's sync.Pool drops items at random, which makes crypto/tls's record
// buffer pool allocate; these counts only hold without it.

const allocRuns = 200

var allocVersions = []uint16{tls.VersionTLS12, tls.VersionTLS13}

// TestWriteAllocs: encrypting a message and taking the ciphertext allocates nothing.
func TestWriteAllocs(t *testing.T) {
	for _, version := range allocVersions {
		for _, size := range []int{16, 1024} {
			t.Run(fmt.Sprintf("TLS%s/%dB", VersionName(version), size), func(t *testing.T) {
				client, _ := connectedPair(t, ecdsaKey, version)
				msg := randomBytes(t, size)
				allocs := testing.AllocsPerRun(allocRuns, func() {
					if err := client.Write(msg); err != nil {
						t.Fatal(err)
					}
					if len(client.Outbound()) == 0 {
						t.Fatal("no ciphertext")
					}
				})
				if allocs != 0 {
					t.Fatalf("Write+Outbound: %.1f allocs, want 0", allocs)
				}
			})
		}
	}
}

// TestFeedAllocs: the Session allocates nothing to decrypt application data; crypto/tls
// allocates its 24-byte atLeastReader each time it refills its empty raw input buffer
// (readFromUntil, conn.go:837). Session hands it every whole record that fits in that
// buffer and never makes it come back for a would-block probe, so a Feed costs one
// allocation per buffer refill: exactly one when the Feed's records fit (the buffer holds
// about 10 KiB on these connections), and never one per record.
func TestFeedAllocs(t *testing.T) {
	cases := []struct {
		name      string
		size      int // message size
		perFeed   int // records per Feed
		split     bool
		maxAllocs float64
	}{
		{name: "16B", size: 16, perFeed: 1, maxAllocs: 1},
		{name: "1KiB", size: 1024, perFeed: 1, maxAllocs: 1},
		{name: "16KiB", size: 16384, perFeed: 1, maxAllocs: 1},
		{name: "10x16B", size: 16, perFeed: 10, maxAllocs: 1},
		{name: "8x1KiB", size: 1024, perFeed: 8, maxAllocs: 1},
		// 10.2 KiB of records need two refills of a 10 KiB buffer.
		{name: "10x1KiB", size: 1024, perFeed: 10, maxAllocs: 2},
		{name: "1KiB-split", size: 1024, perFeed: 1, split: true, maxAllocs: 1},
	}
	for _, version := range allocVersions {
		for _, tc := range cases {
			t.Run(fmt.Sprintf("TLS%s/%s", VersionName(version), tc.name), func(t *testing.T) {
				client, server := connectedPair(t, ecdsaKey, version)
				msg := randomBytes(t, tc.size)
				// Warm up: a full-size record, fed in thirds, grows the Session's buffers and
				// crypto/tls's raw input buffer to their steady-state sizes.
				if err := client.Write(randomBytes(t, 16384)); err != nil {
					t.Fatal(err)
				}
				warm := client.Outbound()
				for range 3 {
					if _, err := server.Feed(warm[:len(warm)/3]); err != nil {
						t.Fatal(err)
					}
					warm = warm[len(warm)/3:]
				}
				if _, err := server.Feed(warm); err != nil {
					t.Fatal(err)
				}
				// Each run feeds the next prepared batch: records cannot be replayed.
				batches := make([][]byte, allocRuns+1)
				for i := range batches {
					for range tc.perFeed {
						if err := client.Write(msg); err != nil {
							t.Fatal(err)
						}
					}
					batches[i] = client.AppendOutbound(nil)
				}
				want := tc.size * tc.perFeed
				next := 0
				allocs := testing.AllocsPerRun(allocRuns, func() {
					b := batches[next]
					next++
					got := 0
					if tc.split {
						p, err := server.Feed(b[:len(b)/2])
						if err != nil || len(p) != 0 {
							t.Fatalf("first half: %d bytes, %v", len(p), err)
						}
						b = b[len(b)/2:]
					}
					p, err := server.Feed(b)
					if err != nil {
						t.Fatal(err)
					}
					got += len(p)
					if got != want {
						t.Fatalf("got %d plaintext bytes, want %d", got, want)
					}
				})
				t.Logf("%.0f allocs per Feed of %d records", allocs, tc.perFeed)
				if allocs > tc.maxAllocs {
					t.Fatalf("Feed: %.0f allocs, want at most %.0f", allocs, tc.maxAllocs)
				}
			})
		}
	}
}

// TestPartialFeedAllocs: a Feed that completes no record allocates nothing.
func TestPartialFeedAllocs(t *testing.T) {
	client, server := connectedPair(t, ecdsaKey, tls.VersionTLS13)
	msg := randomBytes(t, 16384)
	var wire []byte
	for range 2 {
		if err := client.Write(msg); err != nil {
			t.Fatal(err)
		}
		wire = client.AppendOutbound(wire)
	}
	// The first record, fed in halves, grows the Session's buffers.
	first := recordSize(wire)
	for _, part := range [][]byte{wire[:first/2], wire[first/2 : first]} {
		if _, err := server.Feed(part); err != nil {
			t.Fatal(err)
		}
	}
	// The second, fed one byte at a time, never completes during the measurement.
	second := wire[first:]
	if recordSize(second) <= allocRuns+1 {
		t.Fatal("record too short for the test")
	}
	i := 0
	allocs := testing.AllocsPerRun(allocRuns, func() {
		p, err := server.Feed(second[i : i+1])
		if err != nil || len(p) != 0 {
			t.Fatalf("%d bytes, %v", len(p), err)
		}
		i++
	})
	if allocs != 0 {
		t.Fatalf("partial Feed: %.2f allocs, want 0", allocs)
	}
}
