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
	// nats-server stands in for evnats: the rows run A against A, and the sweep
	// row fails because nats-server has no --loops flag, exercising the notes.
	code, out, errOut := runMainT(t, "compare", "--nats-server", bin, "--evnats", bin,
		"--rows", "1to1-16,reqrep,idle,loops", "--rounds", "1", "--duration", "100ms", "--idle-conns", "50", "--loops", "2", "-o", md)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	b, err := os.ReadFile(md)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != out {
		t.Error("the file differs from what was printed")
	}
	for _, want := range []string{"# evnats benchmark results", "- Commit: ", "| 1:1 16 B |", "| request/reply",
		"| nats-server | ", "evnats --loops 2 | failed [1]", "## What the numbers mean", "1. evnats --loops 2"} {
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
