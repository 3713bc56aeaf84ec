package proto

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

type parseCase struct {
	name  string
	mode  Mode
	setup func(*Parser)
	in    string
	want  []string
}

func limits(maxLine, maxPayload int) func(*Parser) {
	return func(p *Parser) { p.MaxControlLine, p.MaxPayload = maxLine, maxPayload }
}

func routeAccount(acc string) func(*Parser) {
	return func(p *Parser) { p.RouteAccount = []byte(acc) }
}

const hdrBlock = "NATS/1.0\r\n\r\n" // 12 bytes

var manyQueues = func() []string {
	q := make([]string, 20)
	for k := range q {
		q[k] = "q" + strings.Repeat("x", k)
	}
	return q
}()

var parseCases = []parseCase{
	// ModeServer: what clients send.
	{name: "connect", mode: ModeServer, in: "CONNECT {\"verbose\":false}\r\n", want: []string{evConnect(`{"verbose":false}`)}},
	{name: "connect lower, blanks trimmed", mode: ModeServer, in: "connect\t {} \t\r\n", want: []string{evConnect("{}")}},
	{name: "connect without blank", mode: ModeServer, in: "CONNECT{}\r\n", want: []string{evConnect("{}")}},
	{name: "connect empty", mode: ModeServer, in: "CONNECT\r\n", want: []string{evConnect("")}},
	{name: "connect bare LF", mode: ModeServer, in: "CoNnEcT {}\n", want: []string{evConnect("{}")}},
	{name: "pub", mode: ModeServer, in: "PUB foo 5\r\nhello\r\n", want: []string{evPub("foo", "", "hello")}},
	{name: "pub reply", mode: ModeServer, in: "pub foo bar 5\r\nhello\r\n", want: []string{evPub("foo", "bar", "hello")}},
	{name: "pub mixed case", mode: ModeServer, in: "pUb foo 1\r\nx\r\n", want: []string{evPub("foo", "", "x")}},
	{name: "pub tabs and runs", mode: ModeServer, in: "PUB\t foo\t\t bar  \t5 \t\r\nhello\r\n", want: []string{evPub("foo", "bar", "hello")}},
	{name: "pub bare LF", mode: ModeServer, in: "PUB foo 5\nhello\r\n", want: []string{evPub("foo", "", "hello")}},
	{name: "pub empty payload", mode: ModeServer, in: "PUB foo 0\r\n\r\n", want: []string{evPub("foo", "", "")}},
	{name: "pub payload is CRLF", mode: ModeServer, in: "PUB foo 2\r\n\r\n\r\n", want: []string{evPub("foo", "", "\r\n")}},
	{name: "pub payload looks like ops", mode: ModeServer, in: "PUB foo 11\r\nPING\r\nPUB x\r\n", want: []string{evPub("foo", "", "PING\r\nPUB x")}},
	{name: "pub binary payload", mode: ModeServer, in: "PUB foo 4\r\n\x00\xff\n\r\r\n", want: []string{evPub("foo", "", "\x00\xff\n\r")}},
	{name: "pub at max payload", mode: ModeServer, setup: limits(0, 5), in: "PUB foo 5\r\nhello\r\n", want: []string{evPub("foo", "", "hello")}},
	{name: "pub at max control line", mode: ModeServer, setup: limits(16, 0), in: "PUB 0123456789abcd 1\r\nx\r\n", want: []string{evPub("0123456789abcd", "", "x")}},
	{name: "hpub", mode: ModeServer, in: "HPUB foo 12 14\r\n" + hdrBlock + "hi\r\n", want: []string{evHPub("foo", "", 12, hdrBlock+"hi")}},
	{name: "hpub reply lower", mode: ModeServer, in: "hpub foo bar 12 14\r\n" + hdrBlock + "hi\r\n", want: []string{evHPub("foo", "bar", 12, hdrBlock+"hi")}},
	{name: "hpub zero", mode: ModeServer, in: "HPUB foo 0 0\r\n\r\n", want: []string{evHPub("foo", "", 0, "")}},
	{name: "hpub header only", mode: ModeServer, in: "HPUB foo 12 12\r\n" + hdrBlock + "\r\n", want: []string{evHPub("foo", "", 12, hdrBlock)}},
	{name: "sub", mode: ModeServer, in: "SUB foo 1\r\n", want: []string{evSub("foo", "", "1")}},
	{name: "sub queue", mode: ModeServer, in: "sub\tfoo  q\t1 \r\n", want: []string{evSub("foo", "q", "1")}},
	{name: "sub wildcard", mode: ModeServer, in: "SUB foo.*.> 22\n", want: []string{evSub("foo.*.>", "", "22")}},
	{name: "unsub", mode: ModeServer, in: "UNSUB 1\r\n", want: []string{evUnsub("1", -1)}},
	{name: "unsub max", mode: ModeServer, in: "unsub 1 10\r\n", want: []string{evUnsub("1", 10)}},
	{name: "unsub bad max means none", mode: ModeServer, in: "UNSUB 1 x\r\n", want: []string{evUnsub("1", -1)}},
	{name: "ping", mode: ModeServer, in: "PING\r\n", want: []string{"PING"}},
	{name: "ping lower bare LF", mode: ModeServer, in: "ping\n", want: []string{"PING"}},
	{name: "ping ignores rest of line", mode: ModeServer, in: "PINGXYZ 1 2\r\n", want: []string{"PING"}},
	{name: "pong", mode: ModeServer, in: "PONG\r\npong junk\r\n", want: []string{"PONG", "PONG"}},
	// A client may send INFO, +OK and -ERR: nats-server ignores the first two
	// and closes on the third, so the parser passes them on.
	{name: "server info", mode: ModeServer, in: "INFO {}\r\n", want: []string{evInfo("{}")}},
	{name: "server ok err", mode: ModeServer, in: "+OK\r\n-ERR 'x'\r\n", want: []string{"OK", evErr("x")}},
	{name: "pipeline", mode: ModeServer, in: "CONNECT {}\r\nPING\r\nSUB a 1\r\nPUB a 1\r\nx\r\nHPUB a r 12 13\r\n" + hdrBlock + "y\r\nUNSUB 1\r\nPONG\r\n",
		want: []string{evConnect("{}"), "PING", evSub("a", "", "1"), evPub("a", "", "x"), evHPub("a", "r", 12, hdrBlock+"y"), evUnsub("1", -1), "PONG"}},

	// ModeClient: what servers send.
	{name: "info", mode: ModeClient, in: "INFO {\"server_id\":\"N\"} \r\n", want: []string{evInfo(`{"server_id":"N"}`)}},
	{name: "info lower", mode: ModeClient, in: "info {}\n", want: []string{evInfo("{}")}},
	{name: "msg", mode: ModeClient, in: "MSG foo 1 5\r\nhello\r\n", want: []string{evMsg("foo", "1", "", "hello")}},
	{name: "msg reply", mode: ModeClient, in: "msg\tfoo 1  bar 5\r\nhello\r\n", want: []string{evMsg("foo", "1", "bar", "hello")}},
	{name: "msg empty", mode: ModeClient, in: "MSG foo 1 0\r\n\r\n", want: []string{evMsg("foo", "1", "", "")}},
	{name: "hmsg", mode: ModeClient, in: "HMSG foo 1 12 14\r\n" + hdrBlock + "hi\r\n", want: []string{evHMsg("foo", "1", "", 12, hdrBlock+"hi")}},
	{name: "hmsg reply", mode: ModeClient, in: "hmsg foo 1 bar 12 14\r\n" + hdrBlock + "hi\r\n", want: []string{evHMsg("foo", "1", "bar", 12, hdrBlock+"hi")}},
	{name: "ok", mode: ModeClient, in: "+OK\r\n+ok\n", want: []string{"OK", "OK"}},
	{name: "err quoted", mode: ModeClient, in: "-ERR 'Authorization Violation'\r\n", want: []string{evErr("Authorization Violation")}},
	{name: "err unquoted lower", mode: ModeClient, in: "-err  Stale Connection \r\n", want: []string{evErr("Stale Connection")}},
	{name: "err empty", mode: ModeClient, in: "-ERR\r\n", want: []string{evErr("")}},
	{name: "client ping pong", mode: ModeClient, in: "PING\r\nPONG\r\n", want: []string{"PING", "PONG"}},

	// ModeRoute: what route peers send.
	{name: "route info", mode: ModeRoute, in: "INFO {\"cluster\":\"C1\"} \r\n", want: []string{evInfo(`{"cluster":"C1"}`)}},
	{name: "route connect", mode: ModeRoute, in: "CONNECT {\"name\":\"S\"}\r\n", want: []string{evConnect(`{"name":"S"}`)}},
	{name: "rs+", mode: ModeRoute, in: "RS+ $G foo\r\n", want: []string{evRSub("$G", "foo", "", 0)}},
	{name: "rs+ queue", mode: ModeRoute, in: "rs+ $G foo q1 2\r\n", want: []string{evRSub("$G", "foo", "q1", 2)}},
	{name: "rs-", mode: ModeRoute, in: "RS- $G foo\r\n", want: []string{evRUnsub("$G", "foo", "")}},
	{name: "rs- queue", mode: ModeRoute, in: "Rs-\t$G foo q1\r\n", want: []string{evRUnsub("$G", "foo", "q1")}},
	{name: "ls+ ls-", mode: ModeRoute, in: "LS+ $G foo q 3\r\nls- $G foo q\r\n", want: []string{evRSub("$G", "foo", "q", 3), evRUnsub("$G", "foo", "q")}},
	{name: "rmsg", mode: ModeRoute, in: "RMSG $G foo 2\r\nhi\r\n", want: []string{evRMsg("$G", "foo", "", "", -1, "hi")}},
	{name: "rmsg reply", mode: ModeRoute, in: "rmsg $G foo r 2\r\nhi\r\n", want: []string{evRMsg("$G", "foo", "r", "", -1, "hi")}},
	{name: "rmsg plus", mode: ModeRoute, in: "RMSG $G foo + r q1 2\r\nhi\r\n", want: []string{evRMsg("$G", "foo", "r", "q1", -1, "hi")}},
	{name: "rmsg plus no queues", mode: ModeRoute, in: "RMSG $G foo + r 2\r\nhi\r\n", want: []string{evRMsg("$G", "foo", "r", "", -1, "hi")}},
	{name: "rmsg pipe", mode: ModeRoute, in: "RMSG $G foo | q1 q2 2\r\nhi\r\n", want: []string{evRMsg("$G", "foo", "", "q1,q2", -1, "hi")}},
	{name: "rmsg many queues", mode: ModeRoute, in: "RMSG $G foo | " + strings.Join(manyQueues, " ") + " 2\r\nhi\r\n",
		want: []string{evRMsg("$G", "foo", "", strings.Join(manyQueues, ","), -1, "hi")}},
	{name: "lmsg", mode: ModeRoute, in: "LMSG $G foo 2\r\nhi\r\n", want: []string{evRMsg("$G", "foo", "", "", -1, "hi")}},
	{name: "route hmsg", mode: ModeRoute, in: "HMSG $G foo 12 14\r\n" + hdrBlock + "hi\r\n", want: []string{evRMsg("$G", "foo", "", "", 12, hdrBlock+"hi")}},
	{name: "route hmsg reply", mode: ModeRoute, in: "HMSG $G foo r 12 14\r\n" + hdrBlock + "hi\r\n", want: []string{evRMsg("$G", "foo", "r", "", 12, hdrBlock+"hi")}},
	{name: "route hmsg pipe", mode: ModeRoute, in: "HMSG $G foo | q1 12 14\r\n" + hdrBlock + "hi\r\n", want: []string{evRMsg("$G", "foo", "", "q1", 12, hdrBlock+"hi")}},
	{name: "route hmsg plus", mode: ModeRoute, in: "hmsg $G foo + r q1 q2 12 14\r\n" + hdrBlock + "hi\r\n", want: []string{evRMsg("$G", "foo", "r", "q1,q2", 12, hdrBlock+"hi")}},
	{name: "route ping pong ok err", mode: ModeRoute, in: "PING\r\nPONG\r\n+OK\r\n-ERR 'x y'\r\n", want: []string{"PING", "PONG", "OK", evErr("x y")}},
	{name: "dedicated rs+", mode: ModeRoute, setup: routeAccount("ACC"), in: "RS+ foo\r\nRS+ foo q 1\r\n", want: []string{evRSub("ACC", "foo", "", 0), evRSub("ACC", "foo", "q", 1)}},
	{name: "dedicated rs-", mode: ModeRoute, setup: routeAccount("ACC"), in: "RS- foo q\r\n", want: []string{evRUnsub("ACC", "foo", "q")}},
	{name: "dedicated rmsg", mode: ModeRoute, setup: routeAccount("ACC"), in: "RMSG foo + r q 2\r\nhi\r\nHMSG foo 12 12\r\n" + hdrBlock + "\r\n",
		want: []string{evRMsg("ACC", "foo", "r", "q", -1, "hi"), evRMsg("ACC", "foo", "", "", 12, hdrBlock)}},
}

type errorCase struct {
	name    string
	mode    Mode
	setup   func(*Parser)
	in      string
	want    *ProtocolError // a sentinel
	wantLog string         // substring of the Log, if set
	events  int            // callbacks expected before the error
}

var errorCases = []errorCase{
	// Operations not allowed in the mode, or misspelt.
	{name: "server info misspelt", mode: ModeServer, in: "INFX {}\r\n", want: ErrUnknownOp, wantLog: "Client parser ERROR"},
	{name: "server msg", mode: ModeServer, in: "MSG foo 1 2\r\nhi\r\n", want: ErrUnknownOp},
	{name: "server hmsg", mode: ModeServer, in: "HMSG foo 1 2 2\r\nhi\r\n", want: ErrUnknownOp},
	{name: "server rs+", mode: ModeServer, in: "RS+ $G foo\r\n", want: ErrUnknownOp},
	{name: "server rmsg", mode: ModeServer, in: "RMSG $G foo 2\r\nhi\r\n", want: ErrUnknownOp},
	{name: "server a+", mode: ModeServer, in: "A+ foo\r\n", want: ErrUnknownOp},
	{name: "server ls+", mode: ModeServer, in: "LS+ $G foo\r\n", want: ErrUnknownOp},
	{name: "server lmsg", mode: ModeServer, in: "LMSG $G foo 2\r\nhi\r\n", want: ErrUnknownOp},
	{name: "misspelt", mode: ModeServer, in: "PUX foo 1\r\n", want: ErrUnknownOp, wantLog: `proto='"X foo 1\r\n"...'`},
	{name: "no blank after op", mode: ModeServer, in: "PUBfoo 1\r\n", want: ErrUnknownOp},
	{name: "op without args", mode: ModeServer, in: "PUB\r\n", want: ErrUnknownOp},
	{name: "empty line", mode: ModeServer, in: "\r\n", want: ErrUnknownOp},
	{name: "leading blank", mode: ModeServer, in: " PING\r\n", want: ErrUnknownOp},
	{name: "vertical tab is not plus", mode: ModeClient, in: "\vOK\r\n", want: ErrUnknownOp},
	{name: "error after good op", mode: ModeServer, in: "PING\r\nXYZ\r\n", want: ErrUnknownOp, events: 1},
	{name: "payload too long", mode: ModeServer, in: "PUB foo 5\r\nhelloX\r\n", want: ErrUnknownOp},
	{name: "payload bare LF", mode: ModeServer, in: "PUB foo 5\r\nhello\n", want: ErrUnknownOp},
	{name: "payload CR then junk", mode: ModeServer, in: "PUB foo 5\r\nhello\rX", want: ErrUnknownOp},
	{name: "hpub payload too short", mode: ModeServer, in: "HPUB foo 12 14\r\n" + hdrBlock + "h\r\n\r\n", want: ErrUnknownOp},
	{name: "invalid mode", mode: Mode(7), in: "PING\r\n", want: ErrUnknownOp, wantLog: "Unknown parser ERROR"},

	// Argument errors: silent close.
	{name: "pub no size", mode: ModeServer, in: "PUB foo\r\n", want: ErrBadArgs, wantLog: `processPub Parse Error: "foo"`},
	{name: "pub bad size", mode: ModeServer, in: "PUB foo x\r\n", want: ErrBadArgs, wantLog: `processPub Bad or Missing Size: "foo x"`},
	{name: "pub too many args", mode: ModeServer, in: "PUB a b c 1\r\n", want: ErrBadArgs},
	{name: "pub blank args", mode: ModeServer, in: "PUB   \r\n", want: ErrBadArgs},
	{name: "pub negative size", mode: ModeServer, in: "PUB foo -1\r\n", want: ErrBadArgs},
	{name: "pub size overflow", mode: ModeServer, in: "PUB foo 9999999999999999999\r\n", want: ErrBadArgs},
	{name: "hpub hdr > total", mode: ModeServer, in: "HPUB foo 10 5\r\n", want: ErrBadArgs, wantLog: "Header Size larger than TotalSize"},
	{name: "hpub one size", mode: ModeServer, in: "HPUB foo 5\r\n", want: ErrBadArgs},
	{name: "hpub bad hdr", mode: ModeServer, in: "HPUB foo x 5\r\n", want: ErrBadArgs},
	{name: "hpub bad total", mode: ModeServer, in: "HPUB foo 1 x\r\n", want: ErrBadArgs},
	{name: "sub one arg", mode: ModeServer, in: "SUB foo\r\n", want: ErrBadArgs, wantLog: "processSub Parse Error"},
	{name: "sub four args", mode: ModeServer, in: "SUB a b c d\r\n", want: ErrBadArgs},
	{name: "unsub blank", mode: ModeServer, in: "UNSUB \r\n", want: ErrBadArgs},
	{name: "unsub three args", mode: ModeServer, in: "UNSUB 1 2 3\r\n", want: ErrBadArgs},
	{name: "msg no sid", mode: ModeClient, in: "MSG foo 5\r\n", want: ErrBadArgs},
	{name: "msg bad size", mode: ModeClient, in: "MSG foo 1 x\r\n", want: ErrBadArgs},
	{name: "hmsg hdr > total", mode: ModeClient, in: "HMSG foo 1 5 4\r\n", want: ErrBadArgs},
	{name: "hmsg too few", mode: ModeClient, in: "HMSG foo 1 4\r\n", want: ErrBadArgs},
	{name: "rs+ no subject", mode: ModeRoute, in: "RS+ $G\r\n", want: ErrBadArgs},
	{name: "rs+ queue without weight", mode: ModeRoute, in: "RS+ $G foo q\r\n", want: ErrBadArgs},
	{name: "rs+ bad weight", mode: ModeRoute, in: "RS+ $G foo q x\r\n", want: ErrBadArgs},
	{name: "rs+ weight overflow", mode: ModeRoute, in: "RS+ $G foo q 2147483648\r\n", want: ErrBadArgs},
	{name: "rs- no subject", mode: ModeRoute, in: "RS- $G\r\n", want: ErrBadArgs},
	{name: "rs- four args", mode: ModeRoute, in: "RS- a b c d\r\n", want: ErrBadArgs},
	{name: "rmsg too few", mode: ModeRoute, in: "RMSG $G 2\r\n", want: ErrBadArgs},
	{name: "rmsg bad size", mode: ModeRoute, in: "RMSG $G foo x\r\n", want: ErrBadArgs},
	{name: "rmsg long indicator", mode: ModeRoute, in: "RMSG $G foo ++ r q 2\r\n", want: ErrBadArgs},
	{name: "rmsg bad indicator", mode: ModeRoute, in: "RMSG $G foo * r q 2\r\n", want: ErrBadArgs},
	{name: "route hmsg too few", mode: ModeRoute, in: "HMSG $G foo 2\r\n", want: ErrBadArgs},
	{name: "route hmsg hdr > total", mode: ModeRoute, in: "HMSG $G foo 5 2\r\n", want: ErrBadArgs},
	{name: "route hmsg bad indicator", mode: ModeRoute, in: "HMSG $G foo x r q 1 2\r\n", want: ErrBadArgs},
	{name: "dedicated rs+ with account", mode: ModeRoute, setup: routeAccount("A"), in: "RS+ $G foo q\r\n", want: ErrBadArgs},

	// Limits.
	{name: "max payload pub", mode: ModeServer, setup: limits(0, 10), in: "PUB foo 11\r\n", want: ErrMaxPayload, wantLog: "size 11 > max_payload 10"},
	{name: "max payload hpub total", mode: ModeServer, setup: limits(0, 10), in: "HPUB foo 2 11\r\n", want: ErrMaxPayload},
	{name: "max payload msg", mode: ModeClient, setup: limits(0, 10), in: "MSG foo 1 11\r\n", want: ErrMaxPayload},
	{name: "max payload rmsg", mode: ModeRoute, setup: limits(0, 10), in: "RMSG $G foo 11\r\n", want: ErrMaxPayload},
	{name: "control line", mode: ModeServer, setup: limits(16, 0), in: "PUB 0123456789abcde 1\r\nx\r\n", want: ErrControlLine},
	{name: "control line unterminated", mode: ModeServer, setup: limits(16, 0), in: "SUB 0123456789abcdef0", want: ErrControlLine},
	{name: "control line connect", mode: ModeServer, in: "CONNECT {\"x\":\"" + strings.Repeat("a", DefaultMaxControlLine) + "\"}\r\n", want: ErrControlLine},
	{name: "control line route", mode: ModeRoute, setup: limits(8, 0), in: "RS+ $G foo.bar\r\n", want: ErrControlLine},
}

func TestParse(t *testing.T) {
	for _, tc := range parseCases {
		t.Run(tc.mode.String()+"/"+tc.name, func(t *testing.T) {
			got := run(tc.mode, tc.setup, []byte(tc.in), nil)
			if got.err != nil {
				t.Fatalf("Parse(%q) error: %v", tc.in, got.err)
			}
			if !slices.Equal(got.events, tc.want) {
				t.Fatalf("Parse(%q)\n got %q\nwant %q", tc.in, got.events, tc.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range errorCases {
		t.Run(tc.mode.String()+"/"+tc.name, func(t *testing.T) {
			got := run(tc.mode, tc.setup, []byte(tc.in), nil)
			var pe *ProtocolError
			if !errors.As(got.err, &pe) {
				t.Fatalf("Parse(%q) = %v, want a *ProtocolError", tc.in, got.err)
			}
			if !errors.Is(got.err, tc.want) || pe.Text != tc.want.Text {
				t.Fatalf("Parse(%q) = %v, want Text %q", tc.in, got.err, tc.want.Text)
			}
			if pe.Log == "" || !strings.Contains(pe.Log, tc.wantLog) {
				t.Fatalf("Parse(%q) Log = %q, want it to contain %q", tc.in, pe.Log, tc.wantLog)
			}
			if len(got.events) != tc.events {
				t.Fatalf("Parse(%q) made callbacks %q before the error, want %d", tc.in, got.events, tc.events)
			}
		})
	}
}

func TestHandlerErrorStopsParse(t *testing.T) {
	in := []byte("PING\r\nPUB a 1\r\nx\r\nPONG\r\n")
	for failAt := 1; failAt <= 3; failAt++ {
		p := NewParser(ModeServer)
		rec := &recorder{failAt: failAt}
		if err := p.Parse(in, rec); err != errStop {
			t.Fatalf("failAt %d: Parse = %v, want the handler's error unchanged", failAt, err)
		}
		if len(rec.events) != failAt {
			t.Fatalf("failAt %d: got %d callbacks, want %d", failAt, len(rec.events), failAt)
		}
	}
}

func TestHandlerErrorOnStraddlingPayload(t *testing.T) {
	p := NewParser(ModeServer)
	rec := &recorder{failAt: 1}
	if err := p.Parse([]byte("PUB a 3\r\nx"), rec); err != nil {
		t.Fatal(err)
	}
	if err := p.Parse([]byte("yz\r\n"), rec); err != errStop {
		t.Fatalf("Parse = %v, want errStop", err)
	}
	p.Reset()
	if !p.Idle() {
		t.Fatal("not idle after Reset")
	}
	rec.failAt = 0
	if err := p.Parse([]byte("PING\r\n"), rec); err != nil {
		t.Fatal(err)
	}
	if want := []string{evPub("a", "", "xyz"), "PING"}; !slices.Equal(rec.events, want) {
		t.Fatalf("got %q, want %q", rec.events, want)
	}
}

func TestResetDropsPartialOp(t *testing.T) {
	p := NewParser(ModeServer)
	rec := &recorder{}
	for _, partial := range []string{"PU", "PUB foo", "PUB foo 5\r\nhel", "PING", "SUB foo 1\r"} {
		if err := p.Parse([]byte(partial), rec); err != nil {
			t.Fatalf("%q: %v", partial, err)
		}
		if p.Idle() {
			t.Fatalf("%q: Idle with a partial op", partial)
		}
		p.Reset()
		if err := p.Parse([]byte("SUB a 1\r\n"), rec); err != nil {
			t.Fatalf("after %q: %v", partial, err)
		}
	}
	if len(rec.events) != 5 {
		t.Fatalf("got %q", rec.events)
	}
}

// modeSwitcher moves its Parser to ModeRoute when it sees CONNECT.
type modeSwitcher struct {
	recorder
	p *Parser
}

func (m *modeSwitcher) Connect(arg []byte) error {
	if !m.p.Idle() {
		return errors.New("not idle inside a callback")
	}
	m.p.SetMode(ModeRoute)
	return m.recorder.Connect(arg)
}

func TestSetModeFromHandler(t *testing.T) {
	p := NewParser(ModeServer)
	h := &modeSwitcher{p: p}
	if err := p.Parse([]byte("CONNECT {}\r\nRS+ $G foo\r\n"), h); err != nil {
		t.Fatal(err)
	}
	if p.Mode() != ModeRoute {
		t.Fatalf("mode %v", p.Mode())
	}
	if want := []string{evConnect("{}"), evRSub("$G", "foo", "", 0)}; !slices.Equal(h.events, want) {
		t.Fatalf("got %q, want %q", h.events, want)
	}
}

func TestControlLineLimitAcrossReads(t *testing.T) {
	p := NewParser(ModeServer)
	p.MaxControlLine = 32
	chunk := []byte("PUB ")
	if err := p.Parse(chunk, NopHandler{}); err != nil {
		t.Fatal(err)
	}
	var err error
	for k := 0; k < 8 && err == nil; k++ {
		err = p.Parse([]byte("abcdefgh"), NopHandler{})
	}
	if !errors.Is(err, ErrControlLine) {
		t.Fatalf("err = %v, want ErrControlLine", err)
	}
	if cap(p.scratch) > 64 {
		t.Fatalf("scratch grew to %d bytes for a 32-byte limit", cap(p.scratch))
	}
}

func TestControlLineTrailingCRNotCounted(t *testing.T) {
	// Exactly at the limit, with the CR arriving in one read and LF in the next.
	for _, cut := range []int{len("SUB 0123456789ab"), len("SUB 0123456789ab\r")} {
		got := run(ModeServer, limits(12, 0), []byte("SUB 0123456789ab\r\n"), []int{cut})
		// "0123456789ab" is 12 bytes: one field, so SUB fails on argument count.
		if !errors.Is(got.err, ErrBadArgs) {
			t.Fatalf("cut %d: err = %v, want ErrBadArgs (limit not exceeded)", cut, got.err)
		}
	}
}

func TestLargeStraddlingPayloadIsReleased(t *testing.T) {
	p := NewParser(ModeServer)
	payload := strings.Repeat("z", 4*maxRetainedPayload)
	in := []byte("PUB big " + itoa(len(payload)) + "\r\n" + payload + "\r\n")
	rec := &recorder{}
	if err := p.Parse(in[:100], rec); err != nil {
		t.Fatal(err)
	}
	if err := p.Parse(in[100:], rec); err != nil {
		t.Fatal(err)
	}
	if len(rec.events) != 1 || rec.events[0] != evPub("big", "", payload) {
		t.Fatal("big payload not delivered intact")
	}
	if cap(p.msgBuf) > maxRetainedPayload {
		t.Fatalf("kept a %d-byte payload buffer", cap(p.msgBuf))
	}
}

func TestBogusSizeAllocatesLazily(t *testing.T) {
	p := NewParser(ModeServer)
	if err := p.Parse([]byte("PUB foo 900000000000000000\r\nabc"), NopHandler{}); err != nil {
		t.Fatal(err)
	}
	if cap(p.msgBuf) > 1<<20 {
		t.Fatalf("allocated %d bytes up front for an unbacked size", cap(p.msgBuf))
	}
}

func TestProtocolError(t *testing.T) {
	e := &ProtocolError{Text: ErrMaxPayload.Text, Log: "detail"}
	if !errors.Is(e, ErrMaxPayload) || errors.Is(e, ErrUnknownOp) || errors.Is(e, ErrBadArgs) {
		t.Fatal("Is must compare by Text")
	}
	if got, want := e.Error(), "proto: Maximum Payload Violation: detail"; got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}
	if got, want := ErrUnknownOp.Error(), "proto: Unknown Protocol Operation"; got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}
	if got, want := (&ProtocolError{Log: "x"}).Error(), "proto: x"; got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}
	if ErrControlLine.Text != "maximum control line exceeded" {
		t.Fatal("control line text must be lowercase as in nats-server")
	}
}

func TestStrings(t *testing.T) {
	for m, want := range map[Mode]string{ModeServer: "server", ModeClient: "client", ModeRoute: "route", Mode(9): "invalid"} {
		if m.String() != want {
			t.Errorf("Mode(%d).String() = %q, want %q", m, m.String(), want)
		}
	}
	for s := stateStart; s <= statePayloadLF; s++ {
		if s.String() == "" || s.String() == "invalid" {
			t.Errorf("state %d has no name", s)
		}
	}
	if state(200).String() != "invalid" {
		t.Error("out-of-range state must say invalid")
	}
}

func itoa(n int) string { return string(AppendInt(nil, int64(n))) }
