package bench

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/evnats/evnats/proto"
)

// readBufSize is the size of every connection's read buffer: large enough that a
// busy subscriber parses hundreds of messages per read.
const readBufSize = 256 << 10

// maxPayload bounds what the client parser accepts, far above any server limit.
const maxPayload = 64 << 20

// serverInfo holds the INFO fields the generator uses.
type serverInfo struct {
	ServerID     string `json:"server_id"`
	Version      string `json:"version"`
	TLSRequired  bool   `json:"tls_required"`
	TLSAvailable bool   `json:"tls_available"`
	AuthRequired bool   `json:"auth_required"`
	MaxPayload   int64  `json:"max_payload"`
}

// connectArgs is the CONNECT JSON the generator sends.
type connectArgs struct {
	Verbose      bool   `json:"verbose"`
	Pedantic     bool   `json:"pedantic"`
	TLSRequired  bool   `json:"tls_required"`
	Name         string `json:"name,omitempty"`
	Lang         string `json:"lang"`
	Version      string `json:"version"`
	Protocol     int    `json:"protocol"`
	Echo         bool   `json:"echo"`
	Headers      bool   `json:"headers"`
	NoResponders bool   `json:"no_responders"`
	User         string `json:"user,omitempty"`
	Pass         string `json:"pass,omitempty"`
	Token        string `json:"auth_token,omitempty"`
}

// endpoint is a parsed server URL with the credentials and TLS settings to use.
type endpoint struct {
	raw      string
	addr     string // host:port
	host     string
	wantTLS  bool
	tls      *tls.Config // nil unless TLS was asked for or the server requires it
	user     string
	password string
	token    string
}

// dialer turns Config URLs into endpoints and connections. It is read-only after
// newDialer, so any number of goroutines may use it.
type dialer struct {
	tlsConf *tls.Config
	name    string
	timeout time.Duration
}

// newDialer loads the TLS files named in c once for all connections.
func newDialer(c *Config) (*dialer, error) {
	d := &dialer{name: c.Name, timeout: min(c.Timeout, 10*time.Second)}
	if c.CAFile == "" && c.CertFile == "" && !c.TLSInsecure {
		return d, nil
	}
	conf := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: c.TLSInsecure}
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return nil, fmt.Errorf("reading --tlsca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--tlsca %s: no PEM certificates found", c.CAFile)
		}
		conf.RootCAs = pool
	}
	if c.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("loading --tlscert/--tlskey: %w", err)
		}
		conf.Certificates = []tls.Certificate{cert}
	}
	d.tlsConf = conf
	return d, nil
}

// endpoint parses one server URL such as nats://user:pw@127.0.0.1:4222 or
// tls://host. The scheme may be omitted; the port defaults to 4222.
func (d *dialer) endpoint(raw string, c *Config) (*endpoint, error) {
	s := raw
	if !strings.Contains(s, "://") {
		s = "nats://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its text repeats the URL, credentials included
		}
		return nil, fmt.Errorf("server URL %q: %w", redactURL(raw), err)
	}
	e := &endpoint{raw: raw, host: u.Hostname(), user: c.User, password: c.Password, token: c.Token}
	switch u.Scheme {
	case "nats":
	case "tls":
		e.wantTLS = true
	default:
		return nil, fmt.Errorf("server URL %q: scheme must be nats or tls", redactURL(raw))
	}
	if e.host == "" {
		return nil, fmt.Errorf("server URL %q: no host", redactURL(raw))
	}
	port := u.Port()
	if port == "" {
		port = "4222"
	}
	e.addr = net.JoinHostPort(e.host, port)
	if u.User != nil {
		if pw, ok := u.User.Password(); ok {
			e.user, e.password = u.User.Username(), pw
		} else {
			e.token = u.User.Username()
		}
	}
	e.wantTLS = e.wantTLS || d.tlsConf != nil
	conf := d.tlsConf
	if conf == nil {
		conf = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	e.tls = conf.Clone()
	e.tls.ServerName = e.host
	return e, nil
}

// redacted replaces a password or token in reports and errors.
const redacted = "xxxxx"

// redactURL hides the credentials of a server URL: nats://alice:pw@host
// becomes nats://alice:xxxxx@host and nats://token@host nats://xxxxx@host.
// A URL that does not parse loses everything before its last '@'.
func redactURL(raw string) string {
	if !strings.Contains(raw, "@") {
		return raw
	}
	s, scheme := raw, ""
	if i := strings.Index(s, "://"); i >= 0 {
		scheme, s = s[:i+3], s[i+3:]
	}
	u, err := url.Parse("nats://" + s)
	if err != nil || u.User == nil {
		return scheme + redacted + "@" + s[strings.LastIndexByte(s, '@')+1:]
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), redacted)
	} else {
		u.User = url.User(redacted)
	}
	return scheme + strings.TrimPrefix(u.String(), "nats://")
}

// redactURLs applies redactURL to each of urls.
func redactURLs(urls []string) []string {
	out := make([]string, len(urls))
	for i, u := range urls {
		out[i] = redactURL(u)
	}
	return out
}

// conn is one raw NATS client connection. Its read side (rbuf, parser) belongs to
// one goroutine; Write may be called from any goroutine, as net.Conn allows.
type conn struct {
	net.Conn
	tcp  net.Conn // the socket under a TLS session (the same as Conn without TLS)
	ep   *endpoint
	info serverInfo
	p    *proto.Parser
	rbuf []byte
}

// handshakeHandler collects what the server sends before the first PONG.
type handshakeHandler struct {
	proto.NopHandler
	info    []byte
	pong    bool
	errText string
}

func (h *handshakeHandler) Info(arg []byte) error {
	h.info = append(h.info[:0], arg...)
	return nil
}

func (h *handshakeHandler) Pong() error {
	h.pong = true
	return nil
}

func (h *handshakeHandler) Err(text []byte) error {
	h.errText = string(text)
	return nil
}

// errServer is wrapped by errors that carry a server's -ERR.
var errServer = errors.New("server error")

// dial connects to e, completes INFO, optional TLS, CONNECT and a PING/PONG
// round trip, and returns the ready connection. extra is written between CONNECT
// and PING (e.g. SUB frames), so the PONG also confirms it. The handshake is
// bounded by the dialer's timeout and by ctx.
func (d *dialer) dial(ctx context.Context, e *endpoint, role string, idx int, extra []byte) (*conn, error) {
	c, err := d.dialSmall(ctx, e, role, idx, extra)
	if err != nil {
		return nil, err
	}
	c.rbuf = make([]byte, readBufSize)
	return c, nil
}

// dialSmall is dial with a 4 KiB read buffer: enough for clients that only
// connect (the TLS churn), without a large allocation per connection.
func (d *dialer) dialSmall(ctx context.Context, e *endpoint, role string, idx int, extra []byte) (*conn, error) {
	ctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	var nd net.Dialer
	nc, err := nd.DialContext(ctx, "tcp", e.addr)
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", e.addr, unwrapOp(err))
	}
	stop := context.AfterFunc(ctx, func() { _ = nc.SetDeadline(time.Now()) })
	defer stop()
	c := &conn{Conn: nc, tcp: nc, ep: e, p: proto.NewParser(proto.ModeClient), rbuf: make([]byte, 4096)}
	c.p.MaxPayload = maxPayload
	if err := c.handshake(role, idx, d.name, extra); err != nil {
		_ = c.Close()
		if ctx.Err() != nil && !errors.Is(err, errServer) {
			return nil, fmt.Errorf("connecting to %s: no answer within %v", e.addr, d.timeout)
		}
		return nil, fmt.Errorf("connecting to %s: %w", e.addr, err)
	}
	if !stop() {
		_ = c.Close()
		return nil, fmt.Errorf("connecting to %s: no answer within %v", e.addr, d.timeout)
	}
	_ = c.SetDeadline(time.Time{})
	return c, nil
}

// tlsState returns the negotiated TLS parameters, or false without TLS.
func (c *conn) tlsState() (tls.ConnectionState, bool) {
	tc, ok := c.Conn.(*tls.Conn)
	if !ok {
		return tls.ConnectionState{}, false
	}
	return tc.ConnectionState(), true
}

// closeHard closes c without lingering (see closeHard).
func (c *conn) closeHard() {
	if tc, ok := c.tcp.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = c.Close()
}

func (c *conn) handshake(role string, idx int, name string, extra []byte) error {
	var h handshakeHandler
	if err := c.readUntil(&h, func() bool { return h.info != nil || h.errText != "" }); err != nil {
		return err
	}
	if h.errText != "" {
		return fmt.Errorf("%w: -ERR '%s'", errServer, h.errText)
	}
	if err := json.Unmarshal(h.info, &c.info); err != nil {
		return fmt.Errorf("bad INFO from server: %w", err)
	}
	useTLS := c.ep.wantTLS || c.info.TLSRequired
	if c.ep.wantTLS && !c.info.TLSRequired && !c.info.TLSAvailable {
		return errors.New("TLS was asked for but the server does not offer it")
	}
	if useTLS {
		tc := tls.Client(c.Conn, c.ep.tls)
		if err := tc.Handshake(); err != nil {
			return fmt.Errorf("TLS handshake: %w", err)
		}
		c.Conn = tc
	}
	js, err := json.Marshal(connectArgs{
		TLSRequired: useTLS,
		Name:        name + "-" + role + "-" + strconv.Itoa(idx),
		Lang:        "go",
		Version:     "evnats-bench",
		Protocol:    1,
		Echo:        true,
		User:        c.ep.user,
		Pass:        c.ep.password,
		Token:       c.ep.token,
	})
	if err != nil {
		return err
	}
	out := proto.AppendConnect(nil, js)
	out = append(out, extra...)
	out = append(out, proto.PingFrame...)
	if _, err := c.Write(out); err != nil {
		return fmt.Errorf("sending CONNECT: %w", unwrapOp(err))
	}
	if err := c.readUntil(&h, func() bool { return h.pong || h.errText != "" }); err != nil {
		return err
	}
	if h.errText != "" {
		return fmt.Errorf("%w: -ERR '%s'", errServer, h.errText)
	}
	return nil
}

// readUntil reads and parses until done reports true. Data after the operation
// that satisfied done stays parsed into h, so callers stop at a PONG, after
// which a well-behaved server sends nothing until it is asked.
func (c *conn) readUntil(h proto.Handler, done func() bool) error {
	for !done() {
		n, err := c.Read(c.rbuf)
		if n > 0 {
			if perr := c.p.Parse(c.rbuf[:n], h); perr != nil {
				return fmt.Errorf("parsing server data: %w", perr)
			}
			continue
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				return errors.New("server closed the connection")
			}
			return unwrapOp(err)
		}
	}
	return nil
}

// closeHard closes without lingering, so the closing side keeps no TIME_WAIT
// state. Used for the thousands of connections of the idle-memory test.
func closeHard(nc net.Conn) {
	if tc, ok := nc.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = nc.Close()
}

// unwrapOp drops the *net.OpError wrapper, whose text repeats the addresses.
func unwrapOp(err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err
	}
	return err
}
