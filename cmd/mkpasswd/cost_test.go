//go:build !race

package main

import (
	"strings"
	"testing"
)

// TestDefaultCost runs bcrypt at cost 11, too slow under the race detector.
func TestDefaultCost(t *testing.T) {
	if testing.Short() {
		t.Skip("cost 11 is slow")
	}
	code, out, _ := runCmd(t, nil, env{})
	if code != 0 || !strings.HasPrefix(field(t, out, "bcrypt hash: "), "$2a$11$") {
		t.Fatalf("exit %d, output %q", code, out)
	}
}
