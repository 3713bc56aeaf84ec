package proto

import (
	"errors"
	"testing"
)

var errPauseHere = errors.New("stop here")

// stopAfterConnect records operations and stops the parser after CONNECT,
// as a server does while it waits for an authorization verdict.
type stopAfterConnect struct {
	NopHandler
	ops []string
}

func (h *stopAfterConnect) Connect(arg []byte) error {
	h.ops = append(h.ops, "CONNECT "+string(arg))
	return errPauseHere
}

func (h *stopAfterConnect) Pub(subject, reply, payload []byte) error {
	h.ops = append(h.ops, "PUB "+string(subject)+" "+string(payload))
	return nil
}

func (h *stopAfterConnect) Ping() error {
	h.ops = append(h.ops, "PING")
	return errPauseHere
}

func TestConsumedResumesAfterHandlerError(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  []string
	}{
		{"connect then pub", "CONNECT {}\r\nPUB a 2\r\nhi\r\n", []string{"CONNECT {}", "PUB a hi"}},
		{"ping stops too", "PING\r\nPUB b 1\r\nx\r\n", []string{"PING", "PUB b x"}},
		{"nothing after", "CONNECT {\"a\":1}\r\n", []string{`CONNECT {"a":1}`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for split := 0; split <= len(tc.input); split++ {
				p := NewParser(ModeServer)
				h := &stopAfterConnect{}
				rest := []byte(tc.input[:split])
				tail := []byte(tc.input[split:])
				for _, chunk := range [][]byte{rest, tail} {
					for len(chunk) > 0 {
						err := p.Parse(chunk, h)
						if err == nil {
							break
						}
						if !errors.Is(err, errPauseHere) {
							t.Fatalf("split %d: %v", split, err)
						}
						chunk = chunk[p.Consumed():]
					}
				}
				if len(h.ops) != len(tc.want) {
					t.Fatalf("split %d: got %q, want %q", split, h.ops, tc.want)
				}
				for i := range h.ops {
					if h.ops[i] != tc.want[i] {
						t.Fatalf("split %d: got %q, want %q", split, h.ops, tc.want)
					}
				}
			}
		})
	}
}
