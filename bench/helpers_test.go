package bench

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/csv"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/evnats/evnats/proto"
)

// testMsgs keeps scenario tests short.
const testMsgs = 300

// natsServerBin returns an installed nats-server v2.15.3: $EVNATS_NATS_SERVER,
// which must then exist, or the evnats-bench cache, or ../.cache/bin where
// .ci/run installs it. Without any it skips the test. Tests never install it.
func natsServerBin(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("EVNATS_NATS_SERVER"); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("EVNATS_NATS_SERVER names a missing nats-server: %v", err)
		}
		return p
	}
	if p, ok := installedTool("nats-server", NATSServerVersion); ok {
		return p
	}
	if p, err := filepath.Abs(filepath.Join("..", ".cache", "bin", "nats-server")); err == nil {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Skip("nats-server " + NATSServerVersion + " is not installed (run `evnats-bench compare` once, or set EVNATS_NATS_SERVER)")
	return ""
}

// startNATSServer runs the nats-server binary with extra flags until the test ends.
func startNATSServer(t testing.TB, extra ...string) *serverProc {
	t.Helper()
	p, err := startServer(context.Background(), "nats-server", natsServerBin(t), extra...)
	if err != nil {
		t.Fatalf("starting nats-server: %v", err)
	}
	t.Cleanup(p.stop)
	return p
}

// scenarioCase is a short run of one scenario and the deliveries it must make.
type scenarioCase struct {
	sc          Scenario
	pubs, subs  int
	wantDeliver int64
}

func scenarioCases() []scenarioCase {
	return []scenarioCase{
		{sc: ScenarioPub, pubs: 2, wantDeliver: 0},
		{sc: ScenarioSub, subs: 3, wantDeliver: 3 * testMsgs},
		{sc: ScenarioPubSub, pubs: 2, subs: 2, wantDeliver: 2 * testMsgs},
		{sc: ScenarioFanout, subs: 5, wantDeliver: 5 * testMsgs},
		{sc: ScenarioQueue, pubs: 2, subs: 3, wantDeliver: testMsgs},
		{sc: ScenarioReqRep, pubs: 2, subs: 2, wantDeliver: testMsgs},
	}
}

// testConfig is a small, bounded run of sc against urls.
func testConfig(sc Scenario, pubs, subs int, urls ...string) *Config {
	return &Config{
		Scenario:  sc,
		URLs:      urls,
		Msgs:      testMsgs,
		Size:      16,
		Pubs:      pubs,
		Subs:      subs,
		Timeout:   20 * time.Second,
		BatchSize: 1024, // several batches even for a few hundred messages
	}
}

// runScenarios runs every scenario briefly against url and checks exact counts
// and that the JSON and CSV reports parse back.
func runScenarios(t *testing.T, url string) {
	t.Helper()
	for _, tc := range scenarioCases() {
		t.Run(string(tc.sc), func(t *testing.T) {
			rep := mustRun(t, testConfig(tc.sc, tc.pubs, tc.subs, url))
			if rep.Published != testMsgs {
				t.Errorf("published %d, want %d", rep.Published, testMsgs)
			}
			if rep.Delivered != tc.wantDeliver || rep.Expected != tc.wantDeliver || rep.Lost != 0 {
				t.Errorf("delivered %d of %d (lost %d), want exactly %d", rep.Delivered, rep.Expected, rep.Lost, tc.wantDeliver)
			}
			if rep.SlowConsumers != 0 || len(rep.Errors) != 0 {
				t.Errorf("slow consumers %d, errors %q", rep.SlowConsumers, rep.Errors)
			}
			if tc.wantDeliver > 0 {
				if got := rep.Roles[1].Msgs; got != tc.wantDeliver {
					t.Errorf("receiving role counted %d, want %d", got, tc.wantDeliver)
				}
				if rep.Latency == nil || rep.Latency.Count != tc.wantDeliver {
					t.Errorf("latency %+v, want %d samples", rep.Latency, tc.wantDeliver)
				}
			}
			checkReportFormats(t, rep)
		})
	}
}

func mustRun(t testing.TB, cfg *Config) *Report {
	t.Helper()
	rep, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return rep
}

// checkReportFormats checks that the JSON report decodes to the same Report and
// that the CSV has a header plus one row per role.
func checkReportFormats(t *testing.T, rep *Report) {
	t.Helper()
	var buf bytes.Buffer
	if err := rep.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatalf("JSON report does not parse: %v\n%s", err, buf.Bytes())
	}
	back.Started = rep.Started // monotonic clock reading is not serialised
	if !reflect.DeepEqual(&back, rep) {
		t.Errorf("JSON round trip changed the report:\n got %+v\nwant %+v", back, *rep)
	}
	buf.Reset()
	if err := rep.WriteCSV(&buf, true); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatalf("CSV report does not parse: %v", err)
	}
	if len(rows) != 1+len(rep.Roles) {
		t.Errorf("CSV has %d rows, want %d", len(rows), 1+len(rep.Roles))
	}
	buf.Reset()
	if err := rep.WriteText(&buf); err != nil || buf.Len() == 0 {
		t.Errorf("WriteText: %v, %d bytes", err, buf.Len())
	}
}

// fakeServer accepts connections on loopback and hands each to handle.
func fakeServer(t testing.TB, handle func(net.Conn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				handle(c)
			}()
		}
	}()
	return "nats://" + l.Addr().String()
}

// closedPort returns a loopback port nothing listens on.
func closedPort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return "nats://" + addr
}

// selfSignedCert writes a self-signed CA certificate for 127.0.0.1, valid for
// server and client authentication, and its key into dir, and returns the TLS
// certificate and the two paths.
func selfSignedCert(t testing.TB, dir string) (tls.Certificate, string, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "evnats-bench test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return cert, certFile, keyFile
}

// portOf returns the port of a nats:// URL.
func portOf(t testing.TB, url string) int {
	t.Helper()
	_, p, err := net.SplitHostPort(url[len("nats://"):])
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// msgStream returns n MSG frames with 16-byte payloads, each carrying a timestamp.
func msgStream(n int) []byte {
	var buf []byte
	payload := make([]byte, 16)
	for range n {
		buf = proto.AppendMsg(buf, []byte("bench"), []byte("1"), []byte("_INBOX.x"), payload)
	}
	return buf
}
