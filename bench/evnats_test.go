package bench

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evnats/evnats/options"
	"github.com/evnats/evnats/server"
	"github.com/evnats/evnats/tlsengine"
)

// startEvnats runs an in-process evnats server on a random loopback port until
// the test ends and returns its client URL.
func startEvnats(t testing.TB, mutate func(*options.Options)) string {
	t.Helper()
	return startEvnatsServer(t, mutate).ClientURL()
}

// startEvnatsServer is startEvnats returning the server itself.
func startEvnatsServer(t testing.TB, mutate func(*options.Options)) *server.Server {
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
	return s
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

// slowConsumerConfig publishes 20 MB to one subscriber that reads nothing
// until the publisher is done: far more than socket buffers and max_pending
// hold, so the server must close it as a slow consumer.
func slowConsumerConfig(url string) *Config {
	cfg := testConfig(ScenarioFanout, 1, 1, url)
	cfg.Msgs, cfg.Size = 20_000, 1024
	cfg.NoFlowControl = true
	cfg.Timeout = time.Minute
	cfg.holdReceivers = 1
	return cfg
}

// checkSlowConsumerReport checks that rep shows one slow consumer and the
// messages it never got, in every format.
func checkSlowConsumerReport(t *testing.T, rep *Report) {
	t.Helper()
	if rep.SlowConsumers != 1 {
		t.Errorf("slow consumers %d, want 1 (errors %q)", rep.SlowConsumers, rep.Errors)
	}
	if rep.Published != 20_000 || rep.Lost == 0 || rep.Delivered+rep.Lost != rep.Expected {
		t.Errorf("published %d, delivered %d of %d, lost %d; want all published and some lost", rep.Published, rep.Delivered, rep.Expected, rep.Lost)
	}
	var buf bytes.Buffer
	if err := rep.WriteText(&buf); err != nil || !strings.Contains(buf.String(), "slow-consumer disconnects 1") {
		t.Errorf("text report (%v) lacks the slow consumer:\n%s", err, buf.String())
	}
	buf.Reset()
	if err := rep.WriteJSON(&buf); err != nil || !strings.Contains(buf.String(), `"slow_consumers": 1`) {
		t.Errorf("JSON report (%v) lacks the slow consumer:\n%s", err, buf.String())
	}
}

func TestSlowConsumerReportedEvnats(t *testing.T) {
	s := startEvnatsServer(t, func(o *options.Options) { o.MaxPending, o.MaxPayload = 256<<10, 64<<10 })
	rep := mustRun(t, slowConsumerConfig(s.ClientURL()))
	checkSlowConsumerReport(t, rep)
	if n := s.Varz().SlowConsumers; n != 1 {
		t.Errorf("the server counts %d slow consumers, want 1", n)
	}
}

func TestReportRedactsCredentials(t *testing.T) {
	url := startEvnats(t, func(o *options.Options) {
		o.Auth.Username, o.Auth.Password = "alice", "s3cret"
	})
	withCreds := strings.Replace(url, "nats://", "nats://alice:s3cret@", 1)
	rep := mustRun(t, testConfig(ScenarioPubSub, 1, 1, withCreds))
	if rep.Delivered != testMsgs {
		t.Errorf("delivered %d, want %d", rep.Delivered, testMsgs)
	}
	var buf bytes.Buffer
	for _, write := range []func(io.Writer) error{rep.WriteText, rep.WriteJSON, func(w io.Writer) error { return rep.WriteCSV(w, true) }} {
		if err := write(&buf); err != nil {
			t.Fatal(err)
		}
	}
	if out := buf.String(); strings.Contains(out, "s3cret") || !strings.Contains(out, "alice:xxxxx@") {
		t.Errorf("reports leak the password or lack the redacted URL:\n%s", out)
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
