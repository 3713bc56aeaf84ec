package proto

import (
	"bytes"
	"encoding/binary"
)

// Mode selects which peer's operations a Parser accepts.
type Mode uint8

const (
	// ModeServer parses what a client sends: CONNECT PUB HPUB SUB UNSUB PING
	// PONG. Any other operation (INFO, MSG, RS+, RMSG, A+, LS+, LMSG, +OK,
	// -ERR, ...) is ErrUnknownOp.
	ModeServer Mode = iota
	// ModeClient parses what a server sends: INFO MSG HMSG PING PONG +OK -ERR.
	ModeClient
	// ModeRoute parses what a route peer sends: INFO CONNECT PING PONG RS+
	// RS- RMSG HMSG (route form) +OK -ERR. LS+, LS- and LMSG are read exactly
	// like RS+, RS- and RMSG.
	ModeRoute
)

// String returns "server", "client" or "route".
func (m Mode) String() string {
	switch m {
	case ModeServer:
		return "server"
	case ModeClient:
		return "client"
	case ModeRoute:
		return "route"
	}
	return "invalid"
}

// peer names who sent what a Parser in mode m reads, for log lines.
func (m Mode) peer() string {
	switch m {
	case ModeServer:
		return "Client"
	case ModeClient:
		return "Server"
	case ModeRoute:
		return "Route"
	}
	return "Unknown"
}

// DefaultMaxControlLine is the control line limit used when
// Parser.MaxControlLine is 0, as in nats-server.
const DefaultMaxControlLine = 4096

// maxRetainedPayload bounds the payload buffer a Parser keeps between
// straddling messages; larger buffers are dropped after use so that one big
// message does not pin memory on an idle connection.
const maxRetainedPayload = 16 << 10

// Parser is the NATS protocol state machine. It consumes whatever bytes it
// is given, keeps partial operations across calls and reports complete ones
// to a Handler.
//
// A Parser is not safe for concurrent use: give each connection its own and
// call it from one goroutine at a time (normally the connection's event
// loop). The zero value is a ModeServer Parser with default limits.
type Parser struct {
	// MaxControlLine limits the argument part of a control line in bytes;
	// 0 means DefaultMaxControlLine. nats-server allows 16 times its client
	// limit on routes: set that here for ModeRoute.
	MaxControlLine int
	// MaxPayload limits the size announced by PUB, HPUB, MSG, HMSG and RMSG
	// (the total for header forms); 0 means unlimited. It is checked before
	// any payload byte is read.
	MaxPayload int
	// RouteAccount, when non-empty in ModeRoute, is the account of a route
	// dedicated to one account: RS+, RS-, RMSG and HMSG then carry no account
	// field and RouteAccount is passed to the Handler instead.
	RouteAccount []byte

	mode      Mode
	state     state
	op        opcode
	pos       uint8 // index into opNames[op] while in stateName
	lineSaved bool  // scratch holds the start of the current control line

	scratch []byte   // split control lines; arguments of a straddling message
	msgBuf  []byte   // payload of a straddling message
	m       msgArgs  // arguments of the message whose payload is awaited
	args    [][]byte // argument fields of the current line
	argArr  [8][]byte

	consumed int // see Consumed
}

// NewParser returns a Parser for the given mode with default limits.
func NewParser(mode Mode) *Parser {
	return &Parser{mode: mode}
}

// Mode returns the current mode.
func (p *Parser) Mode() Mode { return p.mode }

// SetMode changes the mode. Call it while the Parser is Idle, e.g. from a
// Handler method once a CONNECT tells what the peer is; the rest of an
// operation already under way would be checked against the new mode.
func (p *Parser) SetMode(m Mode) { p.mode = m }

// Idle reports whether the Parser is between operations, i.e. holds no
// partial operation.
func (p *Parser) Idle() bool { return p.state == stateStart }

// Reset drops any partial operation so the Parser can be reused, e.g. after
// Parse returned an error. Mode, limits and buffers are kept.
// Consumed reports how many bytes of the last Parse call's buf were used
// when Parse returned an error from the Handler: the operation whose callback
// failed counts as consumed, and the Parser is then between operations, so
// Parse(buf[Consumed():]) continues correctly (for example after the caller
// paused a connection). After a nil return it is len(buf). After a
// *ProtocolError it is meaningless.
func (p *Parser) Consumed() int { return p.consumed }

func (p *Parser) Reset() {
	p.state, p.op, p.pos, p.lineSaved = stateStart, opNone, 0, false
	p.scratch = p.scratch[:0]
	p.releasePayload()
}

func (p *Parser) maxControlLine() int {
	if p.MaxControlLine > 0 {
		return p.MaxControlLine
	}
	return DefaultMaxControlLine
}

// Parse consumes all of buf, calling h for every operation it completes, and
// keeps any trailing partial operation for the next call, copying what it
// needs of it. The caller may reuse buf once Parse returns: the Parser never
// reads it again.
//
// On malformed input it returns a *ProtocolError, and the Parser must be
// Reset before it is used again. If h returns an error, Parse returns it
// unchanged and stops after that operation: Consumed says how much of buf was
// used, and parsing may continue with buf[Consumed():].
func (p *Parser) Parse(buf []byte, h Handler) error {
	p.consumed = len(buf)
	i := 0
	for i < len(buf) {
		switch p.state {
		case stateStart:
			if len(buf)-i > 5 {
				if n := p.quickOp(buf[i:]); n > 0 {
					i += n
					continue
				}
			}
			if !p.begin(buf[i]) {
				return p.unknownOp(buf, i)
			}
			i++

		case stateP:
			var ok bool
			switch buf[i] {
			case 'U', 'u':
				ok = p.expect(opPub, 2)
			case 'I', 'i':
				ok = p.expect(opPing, 2)
			case 'O', 'o':
				ok = p.expect(opPong, 2)
			}
			if !ok {
				return p.unknownOp(buf, i)
			}
			i++

		case stateR:
			switch buf[i] {
			case 'S', 's':
				p.state = stateRS
			case 'M', 'm':
				if !p.expect(opRMsg, 2) {
					return p.unknownOp(buf, i)
				}
			default:
				return p.unknownOp(buf, i)
			}
			i++

		case stateRS:
			switch buf[i] {
			case '+':
				p.op = opRSub
			case '-':
				p.op = opRUnsub
			default:
				return p.unknownOp(buf, i)
			}
			p.state = stateOpEnd
			i++

		case stateName:
			name := opNames[p.op]
			for int(p.pos) < len(name) {
				if i == len(buf) {
					return nil
				}
				// Names past their first byte are ASCII letters only, so
				// b|0x20 folds case without matching anything else.
				if buf[i]|0x20 != name[p.pos] {
					return p.unknownOp(buf, i)
				}
				p.pos++
				i++
			}
			p.state = afterName[p.op]

		case stateOpEnd:
			if b := buf[i]; b != ' ' && b != '\t' {
				return p.unknownOp(buf, i)
			}
			i++
			p.state = stateArgSkip
			fallthrough

		case stateArgSkip:
			for i < len(buf) && (buf[i] == ' ' || buf[i] == '\t') {
				i++
			}
			if i == len(buf) {
				continue
			}
			p.state = stateArg
			fallthrough

		case stateArg:
			rest := buf[i:]
			j := bytes.IndexByte(rest, '\n')
			if j < 0 {
				return p.saveLine(rest)
			}
			line, fromScratch := rest[:j], p.lineSaved
			if fromScratch {
				var err error
				if line, err = p.joinLine(line); err != nil {
					return err
				}
			} else {
				if j > 0 && line[j-1] == '\r' {
					line = line[:j-1]
				}
				if len(line) > p.maxControlLine() {
					return p.controlLineErr(len(line))
				}
			}
			i += j + 1
			p.state = stateStart
			if !p.op.isMessage() {
				if err := p.control(h, line); err != nil {
					p.consumed = i
					return err
				}
				continue
			}
			var m msgArgs
			if err := p.parseMsgArgs(line, &m); err != nil {
				return err
			}
			// Fast path: payload and its CRLF are in buf; deliver in place
			// without looking at the payload bytes.
			if m.size <= len(buf)-i-2 {
				end := i + m.size
				if buf[end] != '\r' || buf[end+1] != '\n' {
					p.state = statePayloadCR
					return p.unknownOp(buf, end)
				}
				if err := deliver(h, p.op, &m, buf[i:end]); err != nil {
					p.consumed = end + 2
					return err
				}
				i = end + 2
				continue
			}
			if err := p.hold(line, fromScratch, &m); err != nil {
				return err
			}

		case stateSkipLine:
			j := bytes.IndexByte(buf[i:], '\n')
			if j < 0 {
				return nil
			}
			i += j + 1
			p.state = stateStart
			var err error
			switch p.op {
			case opPing:
				err = h.Ping()
			case opPong:
				err = h.Pong()
			default:
				err = h.OK()
			}
			if err != nil {
				p.consumed = i
				return err
			}

		case statePayload:
			n := min(p.m.size-len(p.msgBuf), len(buf)-i)
			p.msgBuf = append(p.msgBuf, buf[i:i+n]...)
			i += n
			if len(p.msgBuf) == p.m.size {
				p.state = statePayloadCR
			}

		case statePayloadCR:
			if buf[i] != '\r' {
				return p.unknownOp(buf, i)
			}
			i++
			p.state = statePayloadLF

		case statePayloadLF:
			if buf[i] != '\n' {
				return p.unknownOp(buf, i)
			}
			i++
			p.state = stateStart
			err := deliver(h, p.op, &p.m, p.msgBuf)
			p.releasePayload()
			if err != nil {
				p.consumed = i
				return err
			}

		default:
			return p.unknownOp(buf, i)
		}
	}
	return nil
}

// Little-endian words of lower-case operation names, for quickOp.
const (
	wordPub  = 'p' | 'u'<<8 | 'b'<<16
	wordSub  = 's' | 'u'<<8 | 'b'<<16
	wordMsg  = 'm' | 's'<<8 | 'g'<<16
	wordHPub = 'h' | 'p'<<8 | 'u'<<16 | 'b'<<24
	wordHMsg = 'h' | 'm'<<8 | 's'<<16 | 'g'<<24
	wordRMsg = 'r' | 'm'<<8 | 's'<<16 | 'g'<<24
	wordPing = 'p' | 'i'<<8 | 'n'<<16 | 'g'<<24
	wordPong = 'p' | 'o'<<8 | 'n'<<16 | 'g'<<24
)

// quickOp recognises the frequent operation names, with the blank that
// must follow most of them, in one step; b must hold more than 5 bytes. It
// returns the bytes consumed and leaves the Parser where the byte-wise path
// would be, or returns 0 and changes nothing, leaving b to that path.
func (p *Parser) quickOp(b []byte) int {
	// OR-ing 0x20 lower-cases letters and maps no other byte onto a
	// lower-case letter, and all names matched here are letters only.
	w := binary.LittleEndian.Uint32(b) | 0x20202020
	var op opcode
	var n int
	switch w3 := w & 0xffffff; {
	case w == wordPing:
		op, n = opPing, 4
	case w == wordPong:
		op, n = opPong, 4
	case w3 == wordPub && isOpBlank(b[3]):
		op, n = opPub, 4
	case w3 == wordSub && isOpBlank(b[3]):
		op, n = opSub, 4
	case w3 == wordMsg && isOpBlank(b[3]):
		op, n = opMsg, 4
	case w == wordHPub && isOpBlank(b[4]):
		op, n = opHPub, 5
	case w == wordHMsg && isOpBlank(b[4]):
		op, n = opHMsg, 5
		if p.mode == ModeRoute {
			op = opRHMsg
		}
	case w == wordRMsg && isOpBlank(b[4]):
		op, n = opRMsg, 5
	default:
		return 0
	}
	if opModes[op]&(1<<p.mode) == 0 {
		return 0
	}
	p.op, p.state = op, afterName[op]
	if p.state == stateOpEnd {
		p.state = stateArgSkip // the blank was consumed above
	}
	return n
}

// isOpBlank reports whether c may follow an operation name.
func isOpBlank(c byte) bool { return c == ' ' || c == '\t' }

// begin starts an operation from its first byte.
func (p *Parser) begin(b byte) bool {
	var op opcode
	switch b {
	case 'P', 'p':
		p.state = stateP
		return true
	case 'R', 'r', 'L', 'l':
		if p.mode != ModeRoute {
			return false
		}
		p.state = stateR
		return true
	case 'H', 'h':
		switch p.mode {
		case ModeServer:
			op = opHPub
		case ModeClient:
			op = opHMsg
		default:
			op = opRHMsg
		}
	case 'S', 's':
		op = opSub
	case 'U', 'u':
		op = opUnsub
	case 'C', 'c':
		op = opConnect
	case 'I', 'i':
		op = opInfo
	case 'M', 'm':
		op = opMsg
	case '+':
		op = opOK
	case '-':
		op = opErr
	default:
		return false
	}
	return p.expect(op, 1)
}

// expect checks that op is allowed in the current mode and enters stateName
// with pos bytes of its name already matched.
func (p *Parser) expect(op opcode, pos uint8) bool {
	if opModes[op]&(1<<p.mode) == 0 {
		return false
	}
	p.op, p.pos, p.state = op, pos, stateName
	return true
}

// saveLine keeps the start of a control line that continues in the next
// Parse call, enforcing MaxControlLine on what has been seen so far.
func (p *Parser) saveLine(part []byte) error {
	n := len(part)
	if p.lineSaved {
		n += len(p.scratch)
	}
	// A trailing '\r' may turn out to be the line's terminator.
	effective := n
	if part[len(part)-1] == '\r' {
		effective--
	}
	if effective > p.maxControlLine() {
		return p.controlLineErr(effective)
	}
	if !p.lineSaved {
		p.lineSaved = true
		p.scratch = p.scratch[:0]
	}
	p.scratch = append(p.scratch, part...)
	return nil
}

// joinLine completes a control line whose start is in scratch with tail
// (which excludes the '\n') and returns it without its '\r'.
func (p *Parser) joinLine(tail []byte) ([]byte, error) {
	n := len(p.scratch) + len(tail)
	var last byte
	if len(tail) > 0 {
		last = tail[len(tail)-1]
	} else {
		last = p.scratch[len(p.scratch)-1]
	}
	if last == '\r' {
		n--
	}
	if n > p.maxControlLine() {
		return nil, p.controlLineErr(n)
	}
	p.lineSaved = false
	p.scratch = append(p.scratch, tail...)
	return p.scratch[:n], nil
}

// hold keeps a message whose payload straddles Parse calls: its arguments
// move to scratch (unless already there) and the payload accumulates in
// msgBuf. The caller's buffer is not referenced afterwards.
func (p *Parser) hold(line []byte, fromScratch bool, m *msgArgs) error {
	if !fromScratch {
		p.scratch = append(p.scratch[:0], line...)
		// Re-deriving the fields from the copy is cheaper to get right than
		// rebasing every slice; this path runs once per straddling message.
		*m = msgArgs{}
		if err := p.parseMsgArgs(p.scratch, m); err != nil {
			return err
		}
	}
	p.m = *m
	if cap(p.msgBuf) < m.size && (m.size <= maxRetainedPayload || m.size <= p.MaxPayload) {
		p.msgBuf = make([]byte, 0, m.size)
	}
	// Otherwise msgBuf grows with the bytes actually received, so a bogus
	// size costs nothing up front.
	p.msgBuf = p.msgBuf[:0]
	p.state = statePayload
	return nil
}

// releasePayload forgets the held message and trims an oversized buffer.
func (p *Parser) releasePayload() {
	p.m = msgArgs{}
	if cap(p.msgBuf) > maxRetainedPayload {
		p.msgBuf = nil
	} else {
		p.msgBuf = p.msgBuf[:0]
	}
}

// deliver hands a complete message to h.
func deliver(h Handler, op opcode, m *msgArgs, msg []byte) error {
	switch op {
	case opPub:
		return h.Pub(m.subject, m.reply, msg)
	case opHPub:
		return h.HPub(m.subject, m.reply, m.hdr, msg)
	case opMsg:
		return h.Msg(m.subject, m.sid, m.reply, msg)
	case opHMsg:
		return h.HMsg(m.subject, m.sid, m.reply, m.hdr, msg)
	default:
		return h.RMsg(m.account, m.subject, m.reply, m.queues, m.hdr, msg)
	}
}
