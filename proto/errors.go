package proto

import "fmt"

// ProtocolError is returned by Parse for malformed or forbidden input. The
// connection that produced it must be closed.
//
// Text is the exact nats-server -ERR text to send to the peer before closing
// (see AppendErr), or "" when nats-server closes silently, as it does for
// argument errors. Log is a detailed line meant for the server log; it may
// quote a short snippet of the offending input.
//
// errors.Is compares ProtocolErrors by Text, so a fresh *ProtocolError that
// carries a Log still matches the sentinel with the same Text.
type ProtocolError struct {
	Text string
	Log  string
}

// Error reports Text and Log.
func (e *ProtocolError) Error() string {
	switch {
	case e.Log == "":
		return "proto: " + e.Text
	case e.Text == "":
		return "proto: " + e.Log
	}
	return "proto: " + e.Text + ": " + e.Log
}

// Is reports whether target is a *ProtocolError with the same Text.
func (e *ProtocolError) Is(target error) bool {
	t, ok := target.(*ProtocolError)
	return ok && t.Text == e.Text
}

// Sentinel protocol errors, for use with errors.Is. Parse returns fresh
// values carrying a Log; never modify these.
var (
	// ErrUnknownOp: an unknown or, for the Parser's Mode, forbidden operation,
	// or a payload not followed by exactly "\r\n".
	ErrUnknownOp = &ProtocolError{Text: "Unknown Protocol Operation"}
	// ErrControlLine: the arguments of a control line exceed MaxControlLine.
	ErrControlLine = &ProtocolError{Text: "maximum control line exceeded"}
	// ErrMaxPayload: a message size exceeds MaxPayload.
	ErrMaxPayload = &ProtocolError{Text: "Maximum Payload Violation"}
	// ErrBadArgs matches every argument error (wrong count, bad size, header
	// larger than total). Its Text is empty: nats-server sends no -ERR for
	// these and closes the connection silently.
	ErrBadArgs = &ProtocolError{}
)

// snippetLen bounds how much input a Log line quotes.
const snippetLen = 32

func (p *Parser) unknownOp(buf []byte, i int) error {
	end := min(i+snippetLen, len(buf))
	return &ProtocolError{
		Text: ErrUnknownOp.Text,
		Log: fmt.Sprintf("%s parser ERROR, state=%d(%s), i=%d: proto='%q...'",
			p.mode.peer(), p.state, p.state, i, buf[i:end]),
	}
}

func (p *Parser) controlLineErr(n int) error {
	return &ProtocolError{
		Text: ErrControlLine.Text,
		Log: fmt.Sprintf("%s, op %s, max_control_line %d, line length %d",
			ErrControlLine.Text, opNames[p.op], p.maxControlLine(), n),
	}
}

func maxPayloadErr(size, limit int) error {
	return &ProtocolError{
		Text: ErrMaxPayload.Text,
		Log:  fmt.Sprintf("%s: size %d > max_payload %d", ErrMaxPayload.Text, size, limit),
	}
}

// argErr builds the silent-close error for bad arguments, e.g.
// `processPub Bad or Missing Size: "foo x"`.
func argErr(what string, line []byte) error {
	return &ProtocolError{Log: fmt.Sprintf("%s: %q", what, line)}
}
