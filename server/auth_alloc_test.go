//go:build !race

package server

import "testing"

// A permitted publish allocates nothing, with permissions or without: running
// 2000 PUBs in a loop callback costs no more allocations than running 1000
// (the callback itself allocates a few).
func TestPublishWithPermissionsDoesNotAllocate(t *testing.T) {
	for _, user := range []string{"open", "limited"} {
		t.Run(user, func(t *testing.T) {
			h := newPubHarness(t, user)
			small := testing.AllocsPerRun(20, func() { h.run(1000) })
			large := testing.AllocsPerRun(20, func() { h.run(2000) })
			if per := (large - small) / 1000; per > 0.01 {
				t.Fatalf("%.3f allocations per publish (%v per 1000, %v per 2000)", per, small, large)
			}
		})
	}
}
