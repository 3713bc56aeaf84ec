package options

import (
	"strings"
	"testing"

	"github.com/evnats/evnats/conf"
	"github.com/evnats/evnats/tlsengine"
)

// FuzzOptions feeds arbitrary configurations to option processing and Validate:
// neither may panic, and errors must carry positions. TLS files are not read (a
// fuzzed cert_file could name /dev/zero) and includes are left to conf's fuzz
// target, which runs them on an in-memory file system.
func FuzzOptions(f *testing.F) {
	for _, s := range []string{
		"listen: 127.0.0.1:4222\nmax_payload: 1MB\nping_interval: \"2m\"\n",
		"tls { cert_file: a, key_file: b, verify: optional, cipher_suites: [TLS_AES_128_GCM_SHA256], handshake_first: auto, min_version: 1.3 }",
		"authorization { users: [{user: a, permissions: {publish: {allow: [\"a.>\"], deny: b}, allow_responses: {max: 2}}}] }",
		"authorization { user: a, token: b, timeout: 1m }",
		"cluster { listen: -1, routes: [nats-route://u:p@h:1], compression: {mode: fast}, authorization { user: u } }",
		"jetstream: true\nbogus: 1\nport: x\nlog_size_limit: 1",
		"max_connections: 0\nhttp: 1\nhttps: 2\n",
	} {
		f.Add(s)
	}
	noFiles := func(*tlsengine.Config) error { return nil }
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 1<<14 || strings.Contains(strings.ToLower(src), "include") {
			t.Skip("inputs are bounded; includes are fuzzed in package conf")
		}
		doc, err := conf.ParseWithPositions(src)
		if err != nil {
			return
		}
		o := Default()
		if err := o.applyDocument(doc, noFiles); err != nil {
			if !strings.Contains(err.Error(), ":") {
				t.Fatalf("error without a position: %v", err)
			}
			return
		}
		_ = o.Validate()
		if _, err := Diff(Default(), o); err != nil && !strings.HasPrefix(err.Error(), "config reload not supported for ") {
			t.Fatalf("Diff: %v", err)
		}
	})
}
