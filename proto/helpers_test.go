package proto

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"testing"
)

var errStop = errors.New("stop requested by handler")

// recorder is a Handler that renders every callback into a string, which
// deep-copies the arguments. With failAt > 0 it returns errStop from the
// failAt-th callback.
type recorder struct {
	events []string
	failAt int
}

func (r *recorder) add(format string, args ...any) error {
	r.events = append(r.events, fmt.Sprintf(format, args...))
	if r.failAt > 0 && len(r.events) == r.failAt {
		return errStop
	}
	return nil
}

func (r *recorder) Connect(arg []byte) error { return r.add("CONNECT %q", arg) }
func (r *recorder) Info(arg []byte) error    { return r.add("INFO %q", arg) }
func (r *recorder) Pub(subject, reply, payload []byte) error {
	return r.add("PUB %q %q %q", subject, reply, payload)
}

func (r *recorder) HPub(subject, reply []byte, hdrLen int, msg []byte) error {
	return r.add("HPUB %q %q %d %q", subject, reply, hdrLen, msg)
}

func (r *recorder) Sub(subject, queue, sid []byte) error {
	return r.add("SUB %q %q %q", subject, queue, sid)
}
func (r *recorder) Unsub(sid []byte, max int64) error { return r.add("UNSUB %q %d", sid, max) }
func (r *recorder) Ping() error                       { return r.add("PING") }
func (r *recorder) Pong() error                       { return r.add("PONG") }
func (r *recorder) Msg(subject, sid, reply, payload []byte) error {
	return r.add("MSG %q %q %q %q", subject, sid, reply, payload)
}

func (r *recorder) HMsg(subject, sid, reply []byte, hdrLen int, msg []byte) error {
	return r.add("HMSG %q %q %q %d %q", subject, sid, reply, hdrLen, msg)
}
func (r *recorder) OK() error             { return r.add("OK") }
func (r *recorder) Err(text []byte) error { return r.add("ERR %q", text) }
func (r *recorder) RSub(account, subject, queue []byte, weight int32) error {
	return r.add("RSUB %q %q %q %d", account, subject, queue, weight)
}

func (r *recorder) RUnsub(account, subject, queue []byte) error {
	return r.add("RUNSUB %q %q %q", account, subject, queue)
}

func (r *recorder) RMsg(account, subject, reply []byte, queues [][]byte, hdrLen int, msg []byte) error {
	return r.add("RMSG %q %q %q [%s] %d %q", account, subject, reply, bytes.Join(queues, []byte(",")), hdrLen, msg)
}

// Event renderers shared by the table and the random pipelines.
func evPub(subject, reply, payload string) string {
	return fmt.Sprintf("PUB %q %q %q", subject, reply, payload)
}

func evHPub(subject, reply string, hdr int, msg string) string {
	return fmt.Sprintf("HPUB %q %q %d %q", subject, reply, hdr, msg)
}
func evSub(subject, queue, sid string) string {
	return fmt.Sprintf("SUB %q %q %q", subject, queue, sid)
}
func evUnsub(sid string, max int64) string { return fmt.Sprintf("UNSUB %q %d", sid, max) }
func evMsg(subject, sid, reply, payload string) string {
	return fmt.Sprintf("MSG %q %q %q %q", subject, sid, reply, payload)
}

func evHMsg(subject, sid, reply string, hdr int, msg string) string {
	return fmt.Sprintf("HMSG %q %q %q %d %q", subject, sid, reply, hdr, msg)
}

func evRSub(account, subject, queue string, weight int32) string {
	return fmt.Sprintf("RSUB %q %q %q %d", account, subject, queue, weight)
}

func evRUnsub(account, subject, queue string) string {
	return fmt.Sprintf("RUNSUB %q %q %q", account, subject, queue)
}

func evRMsg(account, subject, reply, queues string, hdr int, msg string) string {
	return fmt.Sprintf("RMSG %q %q %q [%s] %d %q", account, subject, reply, queues, hdr, msg)
}
func evConnect(arg string) string { return fmt.Sprintf("CONNECT %q", arg) }
func evInfo(arg string) string    { return fmt.Sprintf("INFO %q", arg) }
func evErr(text string) string    { return fmt.Sprintf("ERR %q", text) }

// result is what one parse run produced.
type result struct {
	events []string
	err    error
}

// run parses data with a fresh Parser, cut into chunks at the given sorted
// offsets. Each chunk is a private copy that is overwritten once Parse
// returns, so any reference the Parser kept to its input shows up as
// corrupted events.
func run(mode Mode, setup func(*Parser), data []byte, cuts []int) result {
	p := NewParser(mode)
	if setup != nil {
		setup(p)
	}
	rec := &recorder{}
	prev := 0
	for _, c := range append(slices.Clone(cuts), len(data)) {
		chunk := bytes.Clone(data[prev:c])
		prev = c
		err := p.Parse(chunk, rec)
		for k := range chunk {
			chunk[k] = '#'
		}
		if err != nil {
			return result{events: rec.events, err: err}
		}
	}
	return result{events: rec.events}
}

// byteCuts cuts data into one-byte chunks.
func byteCuts(n int) []int {
	cuts := make([]int, 0, n)
	for k := 1; k < n; k++ {
		cuts = append(cuts, k)
	}
	return cuts
}

// errKey renders an error for comparison: protocol errors by Text only, as
// the Log may differ with chunking.
func errKey(err error) string {
	var pe *ProtocolError
	switch {
	case err == nil:
		return "<nil>"
	case errors.As(err, &pe):
		return fmt.Sprintf("ProtocolError(%q)", pe.Text)
	}
	return err.Error()
}

// requireSame fails unless two runs produced the same events and the same
// error (by errKey).
func requireSame(t *testing.T, what string, want, got result) {
	t.Helper()
	if !slices.Equal(want.events, got.events) || errKey(want.err) != errKey(got.err) {
		t.Fatalf("%s differs from whole-buffer parse:\nwhole:   %q err=%s\nchunked: %q err=%s",
			what, want.events, errKey(want.err), got.events, errKey(got.err))
	}
}
