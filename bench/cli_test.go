package bench

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runMainT(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Main(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestMainUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{name: "no arguments", args: nil},
		{name: "unknown scenario", args: []string{"bogus"}},
		{name: "unknown flag", args: []string{"pub", "--bogus"}},
		{name: "json and csv", args: []string{"pub", "--json", "--csv"}},
		{name: "stray argument", args: []string{"pub", "extra"}},
		{name: "bad size", args: []string{"pub", "--size", "big"}},
		{name: "compare unknown row", args: []string{"compare", "--rows", "nope"}},
		{name: "compare stray argument", args: []string{"compare", "extra"}},
		{name: "compare zero storm clients", args: []string{"compare", "--storm-clients", "0"}},
		{name: "cert without key", args: []string{"pub", "--tlscert", "cert.pem"}},
		{name: "key without cert", args: []string{"pub", "--tlskey", "key.pem"}},
		{name: "no messages", args: []string{"pub", "--msgs", "0"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if code, _, _ := runMainT(t, tc.args...); code != 2 {
				t.Errorf("exit code %d, want 2", code)
			}
		})
	}
}

func TestMainUnreachable(t *testing.T) {
	code, out, errOut := runMainT(t, "pub", "-s", closedPort(t), "--timeout", "5s")
	if code != 1 || out != "" {
		t.Errorf("exit %d, stdout %q; want 1 and nothing", code, out)
	}
	if !strings.HasPrefix(errOut, "evnats-bench: connecting to ") || strings.Count(errOut, "\n") != 1 {
		t.Errorf("stderr %q, want one line about connecting", errOut)
	}
}

func TestMainReports(t *testing.T) {
	srv := startNATSServer(t)
	code, out, errOut := runMainT(t, "fanout", "-s", srv.url, "--msgs", "200", "--subs", "3", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var rep Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("--json output does not parse: %v\n%s", err, out)
	}
	if rep.Delivered != 600 || rep.Subs != 3 {
		t.Errorf("delivered %d to %d subscribers, want 600 to 3", rep.Delivered, rep.Subs)
	}
	code, out, errOut = runMainT(t, "reqrep", "-s", srv.url, "--msgs", "50", "--csv")
	if code != 0 || !strings.HasPrefix(out, "scenario,role,") || strings.Count(out, "\n") != 3 {
		t.Errorf("--csv: exit %d, output %q, stderr %q", code, out, errOut)
	}
	code, out, _ = runMainT(t, "queue", "-s", srv.url, "--msgs", "100")
	if code != 0 || !strings.Contains(out, "delivered 100 of 100 expected, lost 0") {
		t.Errorf("text: exit %d, output %q", code, out)
	}
}

func TestMainCompare(t *testing.T) {
	bin := natsServerBin(t)
	md := filepath.Join(t.TempDir(), "RESULTS.md")
	// No --evnats: compare builds ../cmd/evnats itself, as the documented command does.
	code, out, errOut := runMainT(t, "compare", "--src", "..", "--nats-server", bin,
		"--rows", "1to1-16,reqrep,tls-handshake,tls-storm,idle", "--rounds", "1", "--duration", "200ms",
		"--idle-conns", "50", "--handshake-clients", "8", "--storm-clients", "20", "-o", md)
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, errOut, out)
	}
	b, err := os.ReadFile(md)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != out {
		t.Error("the file differs from what was printed")
	}
	if _, err := os.Stat(md + ".partial"); err == nil {
		t.Error("a successful run wrote a .partial file")
	}
	for _, want := range []string{"# evnats benchmark results", "- Commit: ", "each figure comes from a single round",
		"| 1:1 16 B |", "| request/reply", "| nats-server | ", "| evnats | ",
		"## TLS handshakes (8 clients", "## Request/reply during a TLS reconnect storm (20 clients",
		"| evnats / nats-server |", "## What the numbers mean"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "## Notes") || strings.Contains(out, "failed [") {
		t.Errorf("a row failed:\n%s", out)
	}
}

func TestMainCompareFailedRow(t *testing.T) {
	bin := natsServerBin(t)
	md := filepath.Join(t.TempDir(), "RESULTS.md")
	const good = "# a good earlier report\n"
	if err := os.WriteFile(md, []byte(good), 0o644); err != nil {
		t.Fatal(err)
	}
	// nats-server stands in for evnats: the sweep row fails, because
	// nats-server has no --loops flag.
	code, out, errOut := runMainT(t, "compare", "--nats-server", bin, "--evnats", bin,
		"--rows", "1to1-16,loops", "--rounds", "1", "--duration", "100ms", "--loops", "2", "-o", md)
	if code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, errOut)
	}
	if !strings.Contains(errOut, "1 of 2 rows failed or were not run: loops (evnats --loops 2: ") {
		t.Errorf("stderr does not name the failed row:\n%s", errOut)
	}
	if !strings.Contains(errOut, "wrote "+md+".partial") {
		t.Errorf("stderr does not say where the report went:\n%s", errOut)
	}
	if b, err := os.ReadFile(md); err != nil || string(b) != good {
		t.Errorf("the earlier report was overwritten (%v): %q", err, b)
	}
	b, err := os.ReadFile(md + ".partial")
	if err != nil || string(b) != out {
		t.Errorf("the .partial file (%v) differs from what was printed", err)
	}
	for _, want := range []string{"| 1:1 16 B |", "evnats --loops 2 | failed [1]", "1. evnats --loops 2"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

func TestMainValidate(t *testing.T) {
	bin := natsServerBin(t)
	cli, ok := installedTool("nats", NATSCLIVersion)
	if !ok {
		t.Skip("natscli " + NATSCLIVersion + " is not installed (run `evnats-bench validate` once)")
	}
	code, out, errOut := runMainT(t, "validate", "--nats-server", bin, "--nats", cli, "--msgs", "20000", "--rounds", "1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"| pubsub 1:1 16 B | nats bench |", "| fanout 1->10 128 B | evnats-bench |", "| evnats-bench / nats bench |", "- fanout 1->10 128 B: "} {
		if !strings.Contains(out, want) {
			t.Errorf("validate output lacks %q:\n%s", want, out)
		}
	}
}
