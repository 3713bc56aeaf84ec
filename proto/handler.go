package proto

// Handler receives the operations Parse recognises, in wire order, on the
// goroutine that called Parse.
//
// All []byte arguments are sub-slices of the buffer given to Parse, or of the
// Parser's own buffers when an operation straddled two Parse calls, or (for
// the account of a route operation) Parser.RouteAccount. They are valid only
// until the method returns: copy what must be kept. Do not modify them.
//
// A non-nil error stops Parse, which returns that error unchanged. A method
// must not call Parse or Reset on the Parser that invoked it; it may call
// SetMode, Idle and Mode, and change MaxControlLine, MaxPayload and
// RouteAccount, which take effect from the next operation.
type Handler interface {
	// Connect gets the JSON text after "CONNECT" (ModeServer, ModeRoute).
	Connect(arg []byte) error
	// Info gets the JSON text after "INFO" (all modes).
	Info(arg []byte) error
	// Pub gets a PUB (ModeServer). reply is nil if absent; payload excludes
	// the trailing CRLF.
	Pub(subject, reply, payload []byte) error
	// HPub gets an HPUB (ModeServer). msg holds the hdrLen header bytes
	// followed by the payload; 0 <= hdrLen <= len(msg).
	HPub(subject, reply []byte, hdrLen int, msg []byte) error
	// Sub gets a SUB (ModeServer). queue is nil if absent.
	Sub(subject, queue, sid []byte) error
	// Unsub gets an UNSUB (ModeServer). max is -1 when absent or not a valid
	// number (nats-server then unsubscribes at once).
	Unsub(sid []byte, max int64) error
	// Ping gets a PING (all modes).
	Ping() error
	// Pong gets a PONG (all modes).
	Pong() error
	// Msg gets a MSG (ModeClient). reply is nil if absent.
	Msg(subject, sid, reply, payload []byte) error
	// HMsg gets an HMSG (ModeClient); msg is as for HPub.
	HMsg(subject, sid, reply []byte, hdrLen int, msg []byte) error
	// OK gets a +OK (all modes).
	OK() error
	// Err gets the text after "-ERR" with surrounding blanks and single
	// quotes removed (all modes).
	Err(text []byte) error
	// RSub gets an RS+ or LS+ (ModeRoute). queue is nil and weight 0 for a
	// plain subscription.
	RSub(account, subject, queue []byte, weight int32) error
	// RUnsub gets an RS- or LS- (ModeRoute). queue is nil if absent.
	RUnsub(account, subject, queue []byte) error
	// RMsg gets an RMSG or LMSG (hdrLen < 0) or a route HMSG (hdrLen >= 0,
	// msg as for HPub) (ModeRoute). queues lists the queue groups of the
	// "+ reply q1 q2" and "| q1 q2" forms; it is empty otherwise and, like
	// the other arguments, is valid only until RMsg returns.
	RMsg(account, subject, reply []byte, queues [][]byte, hdrLen int, msg []byte) error
}

// NopHandler implements Handler; every method returns nil. Embed it to
// implement only the methods of interest. It is safe for concurrent use.
type NopHandler struct{}

// Connect implements Handler.
func (NopHandler) Connect([]byte) error { return nil }

// Info implements Handler.
func (NopHandler) Info([]byte) error { return nil }

// Pub implements Handler.
func (NopHandler) Pub(_, _, _ []byte) error { return nil }

// HPub implements Handler.
func (NopHandler) HPub(_, _ []byte, _ int, _ []byte) error { return nil }

// Sub implements Handler.
func (NopHandler) Sub(_, _, _ []byte) error { return nil }

// Unsub implements Handler.
func (NopHandler) Unsub([]byte, int64) error { return nil }

// Ping implements Handler.
func (NopHandler) Ping() error { return nil }

// Pong implements Handler.
func (NopHandler) Pong() error { return nil }

// Msg implements Handler.
func (NopHandler) Msg(_, _, _, _ []byte) error { return nil }

// HMsg implements Handler.
func (NopHandler) HMsg(_, _, _ []byte, _ int, _ []byte) error { return nil }

// OK implements Handler.
func (NopHandler) OK() error { return nil }

// Err implements Handler.
func (NopHandler) Err([]byte) error { return nil }

// RSub implements Handler.
func (NopHandler) RSub(_, _, _ []byte, _ int32) error { return nil }

// RUnsub implements Handler.
func (NopHandler) RUnsub(_, _, _ []byte) error { return nil }

// RMsg implements Handler.
func (NopHandler) RMsg(_, _, _ []byte, _ [][]byte, _ int, _ []byte) error { return nil }
