package proto

import "math"

// state is where the Parser is within an operation.
type state uint8

const (
	stateStart     state = iota // before the first byte of an operation
	stateP                      // read "P": PUB, PING or PONG follows
	stateR                      // read "R" or "L": RS+, RS- or RMSG follows
	stateRS                     // read "RS": '+' or '-' follows
	stateName                   // matching the rest of opNames[op]
	stateOpEnd                  // name complete; a space or tab must follow
	stateArgSkip                // skipping blanks before the arguments
	stateArg                    // reading arguments up to '\n'
	stateSkipLine               // PING, PONG, +OK: ignoring bytes up to '\n'
	statePayload                // collecting a payload that straddles calls
	statePayloadCR              // expecting the '\r' after a payload
	statePayloadLF              // expecting the '\n' after a payload
)

var stateNames = [...]string{
	stateStart:     "start",
	stateP:         "p",
	stateR:         "r",
	stateRS:        "rs",
	stateName:      "name",
	stateOpEnd:     "op-end",
	stateArgSkip:   "arg-skip",
	stateArg:       "arg",
	stateSkipLine:  "skip-line",
	statePayload:   "payload",
	statePayloadCR: "payload-cr",
	statePayloadLF: "payload-lf",
}

func (s state) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "invalid"
}

// opcode identifies the operation being parsed.
type opcode uint8

const (
	opNone opcode = iota
	opPub
	opHPub
	opSub
	opUnsub
	opConnect
	opInfo
	opPing
	opPong
	opOK
	opErr
	opMsg
	opHMsg   // client form: HMSG <subject> <sid> ...
	opRSub   // RS+ or LS+
	opRUnsub // RS- or LS-
	opRMsg   // RMSG or LMSG
	opRHMsg  // route form: HMSG <account> <subject> ...
)

// opNames spells each operation in lower case. stateName compares input
// against these from index pos on.
var opNames = [...]string{
	opNone:    "",
	opPub:     "pub",
	opHPub:    "hpub",
	opSub:     "sub",
	opUnsub:   "unsub",
	opConnect: "connect",
	opInfo:    "info",
	opPing:    "ping",
	opPong:    "pong",
	opOK:      "+ok",
	opErr:     "-err",
	opMsg:     "msg",
	opHMsg:    "hmsg",
	opRSub:    "rs+",
	opRUnsub:  "rs-",
	opRMsg:    "rmsg",
	opRHMsg:   "hmsg",
}

const (
	inServer = 1 << ModeServer
	inClient = 1 << ModeClient
	inRoute  = 1 << ModeRoute
)

// opModes says in which modes each operation is accepted.
var opModes = [...]uint8{
	opPub:     inServer,
	opHPub:    inServer,
	opSub:     inServer,
	opUnsub:   inServer,
	opConnect: inServer | inRoute,
	opInfo:    inServer | inClient | inRoute,
	opPing:    inServer | inClient | inRoute,
	opPong:    inServer | inClient | inRoute,
	opOK:      inServer | inClient | inRoute,
	opErr:     inServer | inClient | inRoute,
	opMsg:     inClient,
	opHMsg:    inClient,
	opRSub:    inRoute,
	opRUnsub:  inRoute,
	opRMsg:    inRoute,
	opRHMsg:   inRoute,
}

// afterName is the state that follows a complete operation name. CONNECT,
// INFO and -ERR need no blank before their argument, as in nats-server.
var afterName = [...]state{
	opPub:     stateOpEnd,
	opHPub:    stateOpEnd,
	opSub:     stateOpEnd,
	opUnsub:   stateOpEnd,
	opConnect: stateArgSkip,
	opInfo:    stateArgSkip,
	opPing:    stateSkipLine,
	opPong:    stateSkipLine,
	opOK:      stateSkipLine,
	opErr:     stateArgSkip,
	opMsg:     stateOpEnd,
	opHMsg:    stateOpEnd,
	opRSub:    stateOpEnd,
	opRUnsub:  stateOpEnd,
	opRMsg:    stateOpEnd,
	opRHMsg:   stateOpEnd,
}

// isMessage reports whether op carries a payload.
func (op opcode) isMessage() bool {
	switch op {
	case opPub, opHPub, opMsg, opHMsg, opRMsg, opRHMsg:
		return true
	}
	return false
}

// msgArgs holds the parsed control line of an operation with a payload.
type msgArgs struct {
	account, subject, sid, reply []byte
	queues                       [][]byte
	hdr                          int // header length, -1 for forms without headers
	size                         int // payload size (total for header forms)
}

// isBlank reports whether c separates arguments. Argument bytes are nearly
// always above ' ', so the first comparison settles most calls.
func isBlank(c byte) bool {
	return c <= ' ' && (c == ' ' || c == '\t' || c == '\r')
}

// split stores the blank-separated fields of line in dst and returns their
// number, or len(dst)+1 if there are more than fit. Callers pass a stack
// array sized for the operation's largest valid form.
func split(line []byte, dst [][]byte) int {
	n, k := 0, 0
	for {
		for k < len(line) && isBlank(line[k]) {
			k++
		}
		if k == len(line) {
			return n
		}
		start := k
		for k < len(line) && !isBlank(line[k]) {
			k++
		}
		if n == len(dst) {
			return n + 1
		}
		dst[n] = line[start:k]
		n++
	}
}

// splitRoute is split for route operations: dst[0] receives RouteAccount
// when it is set, so the fields always start with the account.
func (p *Parser) splitRoute(line []byte, dst [][]byte) int {
	if len(p.RouteAccount) == 0 {
		return split(line, dst)
	}
	dst[0] = p.RouteAccount
	return 1 + split(line, dst[1:])
}

// maxRetainedArgs bounds the field array a Parser keeps between route
// messages, so one message listing thousands of queues does not pin it.
const maxRetainedArgs = 256

// fields splits a route message line, whose queue list has no fixed bound,
// into p.args (grown as needed and kept for reuse up to maxRetainedArgs).
// The result is valid until the next call.
func (p *Parser) fields(line []byte) [][]byte {
	args := p.args[:0]
	if cap(args) == 0 || cap(args) > maxRetainedArgs {
		args = p.argArr[:0]
	}
	if len(p.RouteAccount) > 0 {
		args = append(args, p.RouteAccount)
	}
	for k := 0; ; {
		for k < len(line) && isBlank(line[k]) {
			k++
		}
		if k == len(line) {
			break
		}
		start := k
		for k < len(line) && !isBlank(line[k]) {
			k++
		}
		args = append(args, line[start:k])
	}
	p.args = args
	return args
}

// parseMsgArgs parses the control line of a message operation into m, which
// must be zero, and checks the announced size against MaxPayload.
func (p *Parser) parseMsgArgs(line []byte, m *msgArgs) error {
	var err error
	switch p.op {
	case opPub:
		err = p.parsePub(line, m)
	case opHPub:
		err = p.parseHPub(line, m)
	case opMsg:
		err = p.parseMsg(line, m)
	case opHMsg:
		err = p.parseHMsg(line, m)
	case opRMsg:
		err = p.parseRMsg(line, m)
	default:
		err = p.parseRHMsg(line, m)
	}
	if err != nil {
		return err
	}
	if p.MaxPayload > 0 && m.size > p.MaxPayload {
		return maxPayloadErr(m.size, p.MaxPayload)
	}
	return nil
}

// PUB <subject> [reply] <size>
func (p *Parser) parsePub(line []byte, m *msgArgs) error {
	var a [3][]byte
	var size []byte
	switch split(line, a[:]) {
	case 2:
		m.subject, m.reply, size = a[0], nil, a[1]
	case 3:
		m.subject, m.reply, size = a[0], a[1], a[2]
	default:
		return argErr("processPub Parse Error", line)
	}
	m.hdr = -1
	if m.size = ParseSize(size); m.size < 0 {
		return argErr("processPub Bad or Missing Size", line)
	}
	return nil
}

// HPUB <subject> [reply] <hdr> <total>
func (p *Parser) parseHPub(line []byte, m *msgArgs) error {
	var a [4][]byte
	n := split(line, a[:])
	switch n {
	case 3:
		m.subject, m.reply = a[0], nil
	case 4:
		m.subject, m.reply = a[0], a[1]
	default:
		return argErr("processHeaderPub Parse Error", line)
	}
	return sizes(m, a[:n], "processHeaderPub", line)
}

// MSG <subject> <sid> [reply] <size>
func (p *Parser) parseMsg(line []byte, m *msgArgs) error {
	var a [4][]byte
	var size []byte
	switch split(line, a[:]) {
	case 3:
		m.subject, m.sid, m.reply, size = a[0], a[1], nil, a[2]
	case 4:
		m.subject, m.sid, m.reply, size = a[0], a[1], a[2], a[3]
	default:
		return argErr("processMsgArgs Parse Error", line)
	}
	m.hdr = -1
	if m.size = ParseSize(size); m.size < 0 {
		return argErr("processMsgArgs Bad or Missing Size", line)
	}
	return nil
}

// HMSG <subject> <sid> [reply] <hdr> <total>
func (p *Parser) parseHMsg(line []byte, m *msgArgs) error {
	var a [5][]byte
	n := split(line, a[:])
	switch n {
	case 4:
		m.subject, m.sid, m.reply = a[0], a[1], nil
	case 5:
		m.subject, m.sid, m.reply = a[0], a[1], a[2]
	default:
		return argErr("processHeaderMsgArgs Parse Error", line)
	}
	return sizes(m, a[:n], "processHeaderMsgArgs", line)
}

// RMSG <account> <subject> [reply | + reply q.. | '|' q..] <size>
func (p *Parser) parseRMsg(line []byte, m *msgArgs) error {
	a := p.fields(line)
	n := len(a)
	if n < 3 {
		return argErr("processRoutedMsgArgs Parse Error", line)
	}
	*m = msgArgs{account: a[0], subject: a[1], hdr: -1}
	if err := routeReply(m, a, 1, "processRoutedMsgArgs", line); err != nil {
		return err
	}
	if m.size = ParseSize(a[n-1]); m.size < 0 {
		return argErr("processRoutedMsgArgs Bad or Missing Size", line)
	}
	return nil
}

// HMSG <account> <subject> [reply | + reply q.. | '|' q..] <hdr> <total>
func (p *Parser) parseRHMsg(line []byte, m *msgArgs) error {
	a := p.fields(line)
	if len(a) < 4 {
		return argErr("processRoutedHeaderMsgArgs Parse Error", line)
	}
	*m = msgArgs{account: a[0], subject: a[1]}
	if err := routeReply(m, a, 2, "processRoutedHeaderMsgArgs", line); err != nil {
		return err
	}
	return sizes(m, a, "processRoutedHeaderMsgArgs", line)
}

// routeReply reads what sits between the subject (a[1]) and the trailing
// nsizes size fields of a route message: nothing, a reply, or a '+'/'|'
// indicator followed by the reply (for '+') and queue names.
func routeReply(m *msgArgs, a [][]byte, nsizes int, who string, line []byte) error {
	mid := a[2 : len(a)-nsizes]
	switch len(mid) {
	case 0:
		return nil
	case 1:
		m.reply = mid[0]
		return nil
	}
	if len(mid[0]) != 1 {
		return argErr(who+" Bad or Missing Reply Indicator", line)
	}
	switch mid[0][0] {
	case '+':
		m.reply, m.queues = mid[1], mid[2:]
	case '|':
		m.queues = mid[1:]
	default:
		return argErr(who+" Bad or Missing Reply Indicator", line)
	}
	return nil
}

// sizes reads the trailing "<hdr> <total>" of a header form.
func sizes(m *msgArgs, a [][]byte, who string, line []byte) error {
	n := len(a)
	if m.hdr = ParseSize(a[n-2]); m.hdr < 0 {
		return argErr(who+" Bad or Missing Header Size", line)
	}
	if m.size = ParseSize(a[n-1]); m.size < 0 {
		return argErr(who+" Bad or Missing Total Size", line)
	}
	if m.hdr > m.size {
		return argErr(who+" Header Size larger than TotalSize", line)
	}
	return nil
}

// control dispatches an operation without payload.
func (p *Parser) control(h Handler, line []byte) error {
	switch p.op {
	case opSub:
		var a [3][]byte
		switch split(line, a[:]) {
		case 2:
			return h.Sub(a[0], nil, a[1])
		case 3:
			return h.Sub(a[0], a[1], a[2])
		}
		return argErr("processSub Parse Error", line)
	case opUnsub:
		var a [2][]byte
		switch split(line, a[:]) {
		case 1:
			return h.Unsub(a[0], -1)
		case 2:
			// Like nats-server, an unparsable max means "no max".
			return h.Unsub(a[0], int64(ParseSize(a[1])))
		}
		return argErr("processUnsub Parse Error", line)
	case opConnect:
		return h.Connect(trimBlanks(line))
	case opInfo:
		return h.Info(trimBlanks(line))
	case opErr:
		return h.Err(unquote(trimBlanks(line)))
	case opRSub:
		var a [4][]byte
		switch p.splitRoute(line, a[:]) {
		case 2:
			return h.RSub(a[0], a[1], nil, 0)
		case 4:
			w := ParseSize(a[3])
			if w < 0 || w > math.MaxInt32 {
				return argErr("processRemoteSub Bad Queue Weight", line)
			}
			return h.RSub(a[0], a[1], a[2], int32(w))
		}
		return argErr("processRemoteSub Parse Error", line)
	default: // opRUnsub
		var a [3][]byte
		switch p.splitRoute(line, a[:]) {
		case 2:
			return h.RUnsub(a[0], a[1], nil)
		case 3:
			return h.RUnsub(a[0], a[1], a[2])
		}
		return argErr("processRemoteUnsub Parse Error", line)
	}
}

func trimBlanks(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

// unquote strips one pair of enclosing single quotes.
func unquote(b []byte) []byte {
	if n := len(b); n >= 2 && b[0] == '\'' && b[n-1] == '\'' {
		return b[1 : n-1]
	}
	return b
}
