//go:build !race

package proto

import "testing"

// nop is a Handler held in an interface once, so calls do not box.
var nop Handler = NopHandler{}

func TestParseAllocs(t *testing.T) {
	tests := []struct {
		name string
		mode Mode
		in   string
	}{
		{"pub", ModeServer, "PUB foo.bar _INBOX.1 5\r\nhello\r\n"},
		{"hpub", ModeServer, "HPUB foo 12 14\r\n" + hdrBlock + "hi\r\n"},
		{"sub", ModeServer, "SUB foo.* q 1\r\n"},
		{"unsub", ModeServer, "UNSUB 1 10\r\n"},
		{"ping", ModeServer, "PING\r\n"},
		{"connect", ModeServer, "CONNECT {\"verbose\":false}\r\n"},
		{"msg", ModeClient, "MSG foo.bar 1 _INBOX.1 5\r\nhello\r\n"},
		{"hmsg", ModeClient, "HMSG foo 1 12 14\r\n" + hdrBlock + "hi\r\n"},
		{"rs+", ModeRoute, "RS+ $G foo q 1\r\n"},
		{"rmsg queues", ModeRoute, "RMSG $G foo + r q1 q2 q3 2\r\nhi\r\n"},
	}
	for _, tc := range tests {
		p := NewParser(tc.mode)
		buf := []byte(tc.in)
		allocs := testing.AllocsPerRun(200, func() {
			if err := p.Parse(buf, nop); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%s: %.1f allocs per Parse, want 0", tc.name, allocs)
		}
	}
}

func TestSplitParseAllocs(t *testing.T) {
	tests := []struct {
		name string
		in   string
		cut  int
	}{
		{"pub split in payload", "PUB foo.bar 11\r\nhello world\r\n", 20},
		{"pub split in args", "PUB foo.bar 11\r\nhello world\r\n", 6},
		{"pub split before LF", "PUB foo.bar 11\r\nhello world\r\n", 28},
		{"sub split", "SUB foo.bar q 1\r\n", 9},
	}
	for _, tc := range tests {
		p := NewParser(ModeServer)
		a, b := []byte(tc.in[:tc.cut]), []byte(tc.in[tc.cut:])
		parse := func() {
			if err := p.Parse(a, nop); err != nil {
				t.Fatal(err)
			}
			if err := p.Parse(b, nop); err != nil {
				t.Fatal(err)
			}
		}
		parse() // warm-up sizes the parser's buffers
		if allocs := testing.AllocsPerRun(200, parse); allocs != 0 {
			t.Errorf("%s: %.1f allocs per split parse, want 0", tc.name, allocs)
		}
	}
}

func TestEncodeAllocs(t *testing.T) {
	subj, sid, reply, pay := []byte("foo.bar"), []byte("1"), []byte("_INBOX.1"), make([]byte, 128)
	hdr := []byte(hdrBlock + "payload")
	dst := make([]byte, 0, 1024)
	var frame MsgFrame
	tests := map[string]func(){
		"MsgFrame": func() {
			frame.Reset(subj, reply, -1, pay)
			dst = frame.Append(dst[:0], sid)
			dst = frame.Append(dst, sid)
		},
		"AppendMsg":  func() { dst = AppendMsg(dst[:0], subj, sid, reply, pay) },
		"AppendHMsg": func() { dst = AppendHMsg(dst[:0], subj, sid, reply, 12, hdr) },
		"AppendPub":  func() { dst = AppendPub(dst[:0], subj, reply, pay) },
		"AppendRMsg": func() { dst = AppendRMsg(dst[:0], []byte("$G"), subj, reply, [][]byte{sid}, -1, pay) },
	}
	for name, fn := range tests {
		if allocs := testing.AllocsPerRun(200, fn); allocs != 0 {
			t.Errorf("%s: %.1f allocs, want 0", name, allocs)
		}
	}
}
