package bench

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evnats/evnats/options"
	"github.com/evnats/evnats/server"
	"github.com/evnats/evnats/tlsengine"
)

// startEvnats runs an in-process evnats server on a random loopback port until
// the test ends and returns its client URL.
func startEvnats(t testing.TB, mutate func(*options.Options)) string {
	t.Helper()
	o := options.Default()
	o.Host = "127.0.0.1"
	o.Port = options.RandomPort
	o.Loops = 2
	o.Logtime = false
	o.LogFile = filepath.Join(t.TempDir(), "evnats.log")
	if mutate != nil {
		mutate(o)
	}
	s, err := server.New(o)
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	if err := s.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(s.Shutdown)
	return s.ClientURL()
}

func TestScenariosEvnats(t *testing.T) {
	runScenarios(t, startEvnats(t, nil))
}

func TestDurationModeEvnats(t *testing.T) {
	cfg := testConfig(ScenarioFanout, 1, 3, startEvnats(t, nil))
	cfg.Duration = 100e6
	rep := mustRun(t, cfg)
	if rep.Published == 0 || rep.Delivered != 3*rep.Published || rep.Lost != 0 {
		t.Errorf("published %d, delivered %d (lost %d), want 3 deliveries per message", rep.Published, rep.Delivered, rep.Lost)
	}
}

func TestAuthEvnats(t *testing.T) {
	url := startEvnats(t, func(o *options.Options) {
		o.Auth.Username, o.Auth.Password = "alice", "s3cret"
	})
	cfg := testConfig(ScenarioPubSub, 1, 1, url)
	cfg.User, cfg.Password = "alice", "wrong"
	_, err := Run(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), "Authorization Violation") {
		t.Fatalf("wrong password: got %v, want an Authorization Violation", err)
	}
	cfg.Password = "s3cret"
	if rep := mustRun(t, cfg); rep.Delivered != testMsgs {
		t.Errorf("right password: delivered %d, want %d", rep.Delivered, testMsgs)
	}
}

func TestTLSEvnats(t *testing.T) {
	_, certFile, keyFile := selfSignedCert(t, t.TempDir())
	url := startEvnats(t, func(o *options.Options) {
		o.TLS = &tlsengine.Config{CertFile: certFile, KeyFile: keyFile}
	})
	cfg := testConfig(ScenarioPubSub, 1, 1, url)
	cfg.CAFile = certFile
	if rep := mustRun(t, cfg); rep.Delivered != testMsgs {
		t.Errorf("over TLS: delivered %d, want %d", rep.Delivered, testMsgs)
	}
}

// BenchmarkPubSubEvnats measures 1:1 16 B throughput through an in-process
// server; b.N is the message count.
func BenchmarkPubSubEvnats(b *testing.B) {
	benchRun(b, startEvnats(b, nil), ScenarioPubSub, 16, 1)
}

// BenchmarkFanout10Evnats measures 1->10 fan-out of 128 B messages; b.N is the
// number of published messages.
func BenchmarkFanout10Evnats(b *testing.B) {
	benchRun(b, startEvnats(b, nil), ScenarioFanout, 128, 10)
}
