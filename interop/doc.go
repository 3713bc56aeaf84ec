// Package interop tests evnats against the reference broker: mixed clusters
// of in-process evnats servers and real nats-server v2.15.3 processes, with
// nats.go clients on both sides.
//
// It is a module of its own so that nats-server never enters evnats' go.mod:
// the tests run a nats-server binary, found through $EVNATS_NATS_SERVER,
// then `nats-server` in PATH, then $(go env GOPATH)/bin, and otherwise built
// with `go install github.com/nats-io/nats-server/v2@v2.15.3` into a
// temporary GOBIN.
//
// Run with: cd interop && go test -race ./...
package interop
