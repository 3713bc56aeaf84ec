package bench

import (
	"os"
	"testing"
)

// TestMain lets the test binary stand in for evnats-bench when a test runs it
// as a child process (validate does), with childEnv set.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}
