package proto

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestByteByByte(t *testing.T) {
	type input struct {
		name  string
		mode  Mode
		setup func(*Parser)
		in    string
	}
	var inputs []input
	for _, tc := range parseCases {
		inputs = append(inputs, input{tc.name, tc.mode, tc.setup, tc.in})
	}
	for _, tc := range errorCases {
		inputs = append(inputs, input{"error/" + tc.name, tc.mode, tc.setup, tc.in})
	}
	for _, tc := range inputs {
		t.Run(tc.mode.String()+"/"+tc.name, func(t *testing.T) {
			data := []byte(tc.in)
			whole := run(tc.mode, tc.setup, data, nil)
			requireSame(t, "byte-by-byte", whole, run(tc.mode, tc.setup, data, byteCuts(len(data))))
			for cut := 1; cut < len(data); cut++ {
				requireSame(t, "split at "+itoa(cut), whole, run(tc.mode, tc.setup, data, []int{cut}))
			}
		})
	}
}

// pipeline is an encoded sequence of operations and the events it must
// produce.
type pipeline struct {
	mode  Mode
	setup func(*Parser)
	data  []byte
	want  []string
}

// gen builds random but valid operations with the encoders.
type gen struct {
	r *rand.Rand
}

func (g gen) token(prefix string) string {
	const alpha = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-$*>"
	b := []byte(prefix)
	for n := 1 + g.r.IntN(12); n > 0; n-- {
		b = append(b, alpha[g.r.IntN(len(alpha))])
	}
	return string(b)
}

func (g gen) maybe(prefix string) string {
	if g.r.IntN(2) == 0 {
		return ""
	}
	return g.token(prefix)
}

// payload returns random bytes, occasionally large enough to exceed the
// retained buffer size, and often containing protocol-looking text.
func (g gen) payload() string {
	var n int
	switch g.r.IntN(60) {
	case 0:
		n = maxRetainedPayload + g.r.IntN(maxRetainedPayload)
	case 1, 2:
		n = 0
	default:
		n = g.r.IntN(300)
	}
	b := make([]byte, n)
	for k := range b {
		b[k] = byte(g.r.IntN(256))
	}
	if n > 12 && g.r.IntN(3) == 0 {
		copy(b[g.r.IntN(n-12):], "\r\nPING\r\nMSG ")
	}
	return string(b)
}

func (g gen) headers() (int, string) {
	h := "NATS/1.0\r\nK: " + g.token("v") + "\r\n\r\n"
	return len(h), h + g.payload()
}

func (g gen) queues() []string {
	q := make([]string, g.r.IntN(4))
	for k := range q {
		q[k] = g.token("q")
	}
	return q
}

func (g gen) pipeline(mode Mode) pipeline {
	pl := pipeline{mode: mode}
	account := ""
	if mode == ModeRoute && g.r.IntN(2) == 0 {
		account = "ACC"
		pl.setup = routeAccount(account)
	}
	for n := 1 + g.r.IntN(40); n > 0; n-- {
		var ev string
		switch mode {
		case ModeServer:
			pl.data, ev = g.serverOp(pl.data)
		case ModeClient:
			pl.data, ev = g.clientOp(pl.data)
		default:
			pl.data, ev = g.routeOp(pl.data, account)
		}
		pl.want = append(pl.want, ev)
	}
	return pl
}

func (g gen) common(dst []byte) ([]byte, string) {
	if g.r.IntN(2) == 0 {
		return append(dst, PingFrame...), "PING"
	}
	return append(dst, PongFrame...), "PONG"
}

func (g gen) serverOp(dst []byte) ([]byte, string) {
	switch g.r.IntN(7) {
	case 0:
		js := `{"name":"` + g.token("n") + `"}`
		return AppendConnect(dst, []byte(js)), evConnect(js)
	case 1, 2:
		s, r, pay := g.token("s."), g.maybe("r."), g.payload()
		return AppendPub(dst, []byte(s), []byte(r), []byte(pay)), evPub(s, r, pay)
	case 3:
		s, r := g.token("s."), g.maybe("r.")
		hl, msg := g.headers()
		return AppendHPub(dst, []byte(s), []byte(r), hl, []byte(msg)), evHPub(s, r, hl, msg)
	case 4:
		s, q, sid := g.token("s."), g.maybe("q"), itoa(g.r.IntN(1000))
		return AppendSub(dst, []byte(s), []byte(q), []byte(sid)), evSub(s, q, sid)
	case 5:
		sid, max := itoa(g.r.IntN(1000)), int64(g.r.IntN(3))-1
		return AppendUnsub(dst, []byte(sid), max), evUnsub(sid, max)
	}
	return g.common(dst)
}

func (g gen) clientOp(dst []byte) ([]byte, string) {
	switch g.r.IntN(7) {
	case 0:
		js := `{"server_id":"` + g.token("N") + `"}`
		return AppendInfo(dst, []byte(js)), evInfo(js)
	case 1, 2:
		s, sid, r, pay := g.token("s."), itoa(g.r.IntN(100)), g.maybe("r."), g.payload()
		return AppendMsg(dst, []byte(s), []byte(sid), []byte(r), []byte(pay)), evMsg(s, sid, r, pay)
	case 3:
		s, sid, r := g.token("s."), itoa(g.r.IntN(100)), g.maybe("r.")
		hl, msg := g.headers()
		return AppendHMsg(dst, []byte(s), []byte(sid), []byte(r), hl, []byte(msg)), evHMsg(s, sid, r, hl, msg)
	case 4:
		return append(dst, OKFrame...), "OK"
	case 5:
		text := "Permissions Violation for Publish to " + g.token("s.")
		return AppendErr(dst, text), evErr(text)
	}
	return g.common(dst)
}

func (g gen) routeOp(dst []byte, fixedAccount string) ([]byte, string) {
	acc, encAcc := g.token("A"), ""
	if fixedAccount != "" {
		acc = fixedAccount
	} else {
		encAcc = acc
	}
	switch g.r.IntN(9) {
	case 0:
		js := `{"server_id":"` + g.token("N") + `"}`
		return AppendInfo(dst, []byte(js)), evInfo(js)
	case 1:
		js := `{"name":"` + g.token("N") + `"}`
		return AppendConnect(dst, []byte(js)), evConnect(js)
	case 2:
		s, q := g.token("s."), g.maybe("q")
		var w int32
		if q != "" {
			w = int32(g.r.IntN(100))
		}
		return AppendRSub(dst, []byte(encAcc), []byte(s), []byte(q), w), evRSub(acc, s, q, w)
	case 3:
		s, q := g.token("s."), g.maybe("q")
		return AppendRUnsub(dst, []byte(encAcc), []byte(s), []byte(q)), evRUnsub(acc, s, q)
	case 4, 5:
		s, r, qs := g.token("s."), g.maybe("r."), g.queues()
		hl, msg := -1, g.payload()
		if g.r.IntN(2) == 0 {
			hl, msg = g.headers()
		}
		return AppendRMsg(dst, []byte(encAcc), []byte(s), []byte(r), toBytes(qs), hl, []byte(msg)),
			evRMsg(acc, s, r, strings.Join(qs, ","), hl, msg)
	case 6:
		return append(dst, OKFrame...), "OK"
	case 7:
		return AppendErr(dst, "Duplicate Route"), evErr("Duplicate Route")
	}
	return g.common(dst)
}

func toBytes(ss []string) [][]byte {
	out := make([][]byte, len(ss))
	for k, s := range ss {
		out[k] = []byte(s)
	}
	return out
}

// randomCuts picks sorted cut points in [1, n): few, many, or one per byte.
func randomCuts(r *rand.Rand, n int) []int {
	if n < 2 {
		return nil
	}
	var k int
	switch r.IntN(4) {
	case 0:
		k = 1
	case 1:
		k = r.IntN(8)
	case 2:
		k = r.IntN(min(n/4, 2000) + 1)
	default:
		k = r.IntN(64)
	}
	cuts := make([]int, k)
	for j := range cuts {
		cuts[j] = 1 + r.IntN(n-1)
	}
	slices.Sort(cuts)
	return slices.Compact(cuts)
}

func TestRandomChunks(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, seed>>1))
	g := gen{r: r}
	iterations := 200
	if testing.Short() {
		iterations = 30
	}
	for it := 0; it < iterations; it++ {
		mode := Mode(it % 3)
		pl := g.pipeline(mode)
		whole := run(mode, pl.setup, pl.data, nil)
		if whole.err != nil {
			t.Fatalf("seed %d iteration %d: whole parse error: %v", seed, it, whole.err)
		}
		if !slices.Equal(whole.events, pl.want) {
			t.Fatalf("seed %d iteration %d: whole parse does not match what was encoded:\n got %.300q\nwant %.300q",
				seed, it, whole.events, pl.want)
		}
		for c := 0; c < 4; c++ {
			cuts := randomCuts(r, len(pl.data))
			got := run(mode, pl.setup, pl.data, cuts)
			if !slices.Equal(got.events, whole.events) || got.err != nil {
				t.Fatalf("seed %d iteration %d cuts %v: chunked parse differs (err %v)", seed, it, cuts, got.err)
			}
		}
	}
}
