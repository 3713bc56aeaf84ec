package bench

import (
	"os"
	"testing"
	"time"
)

func TestParseStatCPU(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{in: "1234 (nats-server) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 8 0 100 0", want: 3 * time.Second},
		{in: "7 (a) b) c) R 1 1 1 0 -1 0 0 0 0 0 1 2 0 0", want: 30 * time.Millisecond},
		{in: "7 (x) R 1 2", wantErr: true},
		{in: "no parenthesis", wantErr: true},
		{in: "7 (x) R 1 1 1 0 -1 0 0 0 0 0 a b 0 0", wantErr: true},
	}
	for _, tc := range tests {
		got, err := parseStatCPU([]byte(tc.in))
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("parseStatCPU(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestParseVmRSS(t *testing.T) {
	got, err := parseVmRSS([]byte("Name:\tx\nVmPeak:\t  9 kB\nVmRSS:\t   2048 kB\nThreads: 3\n"))
	if err != nil || got != 2048<<10 {
		t.Errorf("parseVmRSS = %d, %v; want %d", got, err, 2048<<10)
	}
	if _, err := parseVmRSS([]byte("Name: x\n")); err == nil {
		t.Error("parseVmRSS without VmRSS succeeded")
	}
}

func FuzzParseStatCPU(f *testing.F) {
	f.Add([]byte("1 (x) S 1 1 1 0 -1 0 0 0 0 0 5 6 0 0"))
	f.Add([]byte("1 ((() S"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if d, err := parseStatCPU(b); err == nil && d < 0 {
			t.Errorf("negative CPU time %v", d)
		}
	})
}

func FuzzParseVmRSS(f *testing.F) {
	f.Add([]byte("VmRSS:\t 12 kB\n"))
	f.Add([]byte("VmRSS:"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if n, err := parseVmRSS(b); err == nil && n < 0 {
			t.Errorf("negative RSS %d", n)
		}
	})
}

func TestProcSelf(t *testing.T) {
	pid := os.Getpid()
	if cpu, err := procCPU(pid); err != nil || cpu < 0 {
		t.Errorf("procCPU(self) = %v, %v", cpu, err)
	}
	if rss, err := procRSS(pid); err != nil || rss <= 0 {
		t.Errorf("procRSS(self) = %d, %v", rss, err)
	}
	if lim, err := raiseFileLimit(); err != nil || lim == 0 {
		t.Errorf("raiseFileLimit = %d, %v", lim, err)
	}
}
