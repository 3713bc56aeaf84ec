package proto

import (
	"math"
	"testing"
)

func TestEncoders(t *testing.T) {
	b := func(s string) []byte { return []byte(s) }
	hdr := b(hdrBlock + "hi")
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		{"info", AppendInfo(nil, b(`{"a":1}`)), "INFO {\"a\":1} \r\n"},
		{"connect", AppendConnect(nil, b(`{}`)), "CONNECT {}\r\n"},
		{"pub", AppendPub(nil, b("foo"), nil, b("hello")), "PUB foo 5\r\nhello\r\n"},
		{"pub reply", AppendPub(nil, b("foo"), b("bar"), b("hello")), "PUB foo bar 5\r\nhello\r\n"},
		{"pub empty", AppendPub(nil, b("foo"), nil, nil), "PUB foo 0\r\n\r\n"},
		{"hpub", AppendHPub(nil, b("foo"), nil, 12, hdr), "HPUB foo 12 14\r\n" + hdrBlock + "hi\r\n"},
		{"hpub reply", AppendHPub(nil, b("foo"), b("r"), 12, hdr), "HPUB foo r 12 14\r\n" + hdrBlock + "hi\r\n"},
		{"sub", AppendSub(nil, b("foo"), nil, b("1")), "SUB foo 1\r\n"},
		{"sub queue", AppendSub(nil, b("foo"), b("q"), b("1")), "SUB foo q 1\r\n"},
		{"unsub", AppendUnsub(nil, b("1"), -1), "UNSUB 1\r\n"},
		{"unsub max", AppendUnsub(nil, b("1"), 10), "UNSUB 1 10\r\n"},
		{"unsub zero", AppendUnsub(nil, b("1"), 0), "UNSUB 1 0\r\n"},
		{"msg", AppendMsg(nil, b("foo"), b("1"), nil, b("hello")), "MSG foo 1 5\r\nhello\r\n"},
		{"msg reply", AppendMsg(nil, b("foo"), b("1"), b("bar"), b("hello")), "MSG foo 1 bar 5\r\nhello\r\n"},
		{"hmsg", AppendHMsg(nil, b("foo"), b("1"), nil, 12, hdr), "HMSG foo 1 12 14\r\n" + hdrBlock + "hi\r\n"},
		{"hmsg reply", AppendHMsg(nil, b("foo"), b("1"), b("r"), 12, hdr), "HMSG foo 1 r 12 14\r\n" + hdrBlock + "hi\r\n"},
		{"rs+", AppendRSub(nil, b("$G"), b("foo"), nil, 0), "RS+ $G foo\r\n"},
		{"rs+ queue", AppendRSub(nil, b("$G"), b("foo"), b("q1"), 2), "RS+ $G foo q1 2\r\n"},
		{"rs+ dedicated", AppendRSub(nil, nil, b("foo"), b("q1"), 2), "RS+ foo q1 2\r\n"},
		{"rs-", AppendRUnsub(nil, b("$G"), b("foo"), nil), "RS- $G foo\r\n"},
		{"rs- queue", AppendRUnsub(nil, b("$G"), b("foo"), b("q1")), "RS- $G foo q1\r\n"},
		{"rs- dedicated", AppendRUnsub(nil, nil, b("foo"), nil), "RS- foo\r\n"},
		{"rmsg", AppendRMsg(nil, b("$G"), b("foo"), nil, nil, -1, b("hi")), "RMSG $G foo 2\r\nhi\r\n"},
		{"rmsg reply", AppendRMsg(nil, b("$G"), b("foo"), b("r"), nil, -1, b("hi")), "RMSG $G foo r 2\r\nhi\r\n"},
		{"rmsg plus", AppendRMsg(nil, b("$G"), b("foo"), b("r"), [][]byte{b("q1")}, -1, b("hi")), "RMSG $G foo + r q1 2\r\nhi\r\n"},
		{"rmsg pipe", AppendRMsg(nil, b("$G"), b("foo"), nil, [][]byte{b("q1"), b("q2")}, -1, b("hi")), "RMSG $G foo | q1 q2 2\r\nhi\r\n"},
		{"rmsg dedicated", AppendRMsg(nil, nil, b("foo"), nil, nil, -1, b("hi")), "RMSG foo 2\r\nhi\r\n"},
		{"route hmsg", AppendRMsg(nil, b("$G"), b("foo"), nil, [][]byte{b("q1")}, 12, hdr), "HMSG $G foo | q1 12 14\r\n" + hdrBlock + "hi\r\n"},
		{"route hmsg plain", AppendRMsg(nil, b("$G"), b("foo"), nil, nil, 12, hdr), "HMSG $G foo 12 14\r\n" + hdrBlock + "hi\r\n"},
		{"err", AppendErr(nil, "Authorization Violation"), "-ERR 'Authorization Violation'\r\n"},
		{"appends", AppendPub([]byte("PING\r\n"), b("a"), nil, b("x")), "PING\r\nPUB a 1\r\nx\r\n"},
		{"ping", PingFrame, "PING\r\n"},
		{"pong", PongFrame, "PONG\r\n"},
		{"ok", OKFrame, "+OK\r\n"},
	}
	for _, tc := range tests {
		if string(tc.got) != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}

func TestEncodersGrowOnce(t *testing.T) {
	// A nil dst must end with exactly enough room, proving the size estimate
	// covers the frame (no second growth).
	subj, sid, reply := []byte("foo.bar"), []byte("12345"), []byte("_INBOX.x")
	for _, n := range []int{0, 9, 10, 99, 100, 12345} {
		pay := make([]byte, n)
		out := AppendMsg(nil, subj, sid, reply, pay)
		if want := len("MSG foo.bar 12345 _INBOX.x ") + len(itoa(n)) + 4 + n; len(out) != want {
			t.Fatalf("len %d, want %d", len(out), want)
		}
	}
}

func TestAppendInt(t *testing.T) {
	for _, n := range []int64{0, 7, 10, 99, 100, 123456789, -1, -42, math.MaxInt64, math.MinInt64} {
		want := itoaSlow(n)
		if got := string(AppendInt([]byte("x"), n)); got != "x"+want {
			t.Errorf("AppendInt(%d) = %q, want %q", n, got, "x"+want)
		}
	}
}

func itoaSlow(n int64) string {
	if n == math.MinInt64 {
		return "-9223372036854775808"
	}
	if n < 0 {
		return "-" + itoaSlow(-n)
	}
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoaSlow(n/10) + string(rune('0'+n%10))
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"0", 0},
		{"5", 5},
		{"0042", 42},
		{"1048576", 1048576},
		{"999999999999999999", 999999999999999999},
		{"", -1},
		{"-1", -1},
		{"+1", -1},
		{"1x", -1},
		{" 1", -1},
		{"1 ", -1},
		{":", -1},
		{"/", -1},
		{"9999999999999999999", -1},
	}
	for _, tc := range tests {
		if got := ParseSize([]byte(tc.in)); got != tc.want {
			t.Errorf("ParseSize(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}
