// Command evnats-bench is a NATS load generator and the harness that compares
// evnats with nats-server. See package bench for what it measures and how.
package main

import (
	"os"

	"github.com/evnats/evnats/bench"
)

func main() {
	os.Exit(bench.Main(os.Args[1:], os.Stdout, os.Stderr))
}
