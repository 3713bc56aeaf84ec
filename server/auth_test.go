package server

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"golang.org/x/crypto/bcrypt"

	"github.com/evnats/evnats/options"
	"github.com/evnats/evnats/tlsengine"
)

// runConf starts a server from a configuration file with the given text, as
// `evnats -c file`, on a random loopback port.
func runConf(t testing.TB, text string, mutate func(*options.Options)) (*Server, *logSink) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "evnats.conf")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return runArgs(t, mutate, "-c", path)
}

// runArgs starts a server from command-line arguments, on a random loopback port.
func runArgs(t testing.TB, mutate func(*options.Options), args ...string) (*Server, *logSink) {
	t.Helper()
	fs := flag.NewFlagSet("evnats", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	args = append(args, "-a", "127.0.0.1", "-p", "-1", "--loops", fmt.Sprint(testLoops()))
	o, _, err := options.Configure(fs, args)
	if err != nil {
		t.Fatalf("Configure %q: %v", args, err)
	}
	if mutate != nil {
		mutate(o)
	}
	return startLogged(t, o)
}

// cheapHash is a bcrypt hash at the lowest cost, for tests of the bcrypt path.
func cheapHash(t testing.TB, secret string) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(secret), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return string(h)
}

func TestAuthUserPassword(t *testing.T) {
	for _, kind := range []string{"plain", "bcrypt"} {
		t.Run(kind, func(t *testing.T) {
			stored := "s3cr3t-Pa55"
			if kind == "bcrypt" {
				stored = cheapHash(t, "s3cr3t-Pa55")
			}
			s, log := runServerLog(t, func(o *options.Options) {
				o.Auth.Username, o.Auth.Password = "derek", stored
				o.Trace = true
			})
			if info := readInfo(t, s); info["auth_required"] != true {
				t.Fatalf("INFO: %v", info)
			}
			a := connect(t, s, nats.UserInfo("derek", "s3cr3t-Pa55"), nats.Name("good"))
			b := connect(t, s, nats.UserInfo("derek", "s3cr3t-Pa55"))
			checkTraffic(t, a, b)
			for _, c := range []struct{ user, pass string }{{"derek", "wrong-Pa55"}, {"someone", "s3cr3t-Pa55"}, {"", ""}} {
				nc, err := nats.Connect(s.ClientURL(), nats.UserInfo(c.user, c.pass), nats.Name("bad"), nats.MaxReconnects(0))
				if !errors.Is(err, nats.ErrAuthorization) {
					if nc != nil {
						nc.Close()
					}
					t.Fatalf("user %q pass %q: %v", c.user, c.pass, err)
				}
			}
			// Refusals are errors naming the client, never the secret.
			log.waitLine(t, `\[ERR\] 127\.0\.0\.1:\d+ - cid:\d+ - "bad" - authentication error - User "derek": wrong password$`)
			log.waitLine(t, `\[ERR\] 127\.0\.0\.1:\d+ - cid:\d+ - "bad" - authentication error - User "someone": unknown user$`)
			log.waitLine(t, `\[TRC\] 127\.0\.0\.1:\d+ - cid:\d+ - <<- \[CONNECT .*"pass":"\[REDACTED\]"`)
			for _, secret := range []string{"s3cr3t-Pa55", "wrong-Pa55"} {
				if lines := log.matching(regexp.QuoteMeta(secret)); len(lines) > 0 {
					t.Fatalf("the log shows a password: %q", lines)
				}
			}
		})
	}
}

func TestAuthToken(t *testing.T) {
	for _, kind := range []string{"plain", "bcrypt"} {
		t.Run(kind, func(t *testing.T) {
			stored := "T0k3n-xyz"
			if kind == "bcrypt" {
				stored = cheapHash(t, "T0k3n-xyz")
			}
			s, log := runServerLog(t, func(o *options.Options) { o.Auth.Token = stored; o.Trace = true })
			checkTraffic(t, connect(t, s, nats.Token("T0k3n-xyz")), connect(t, s, nats.Token("T0k3n-xyz")))
			for _, tok := range []string{"wrong", ""} {
				if _, err := nats.Connect(s.ClientURL(), nats.Token(tok), nats.MaxReconnects(0)); !errors.Is(err, nats.ErrAuthorization) {
					t.Fatalf("token %q: %v", tok, err)
				}
			}
			log.waitLine(t, `\[ERR\] 127\.0\.0\.1:\d+ - cid:\d+ - authentication error: wrong token$`)
			log.waitLine(t, `"auth_token":"\[REDACTED\]"`)
			if lines := log.matching(`T0k3n-xyz`); len(lines) > 0 {
				t.Fatalf("the log shows the token: %q", lines)
			}
		})
	}
}

func TestAuthFlags(t *testing.T) {
	t.Run("--user --pass", func(t *testing.T) {
		s, _ := runArgs(t, nil, "--user", "derek", "--pass", "flagpass")
		checkTraffic(t, connect(t, s, nats.UserInfo("derek", "flagpass")), connect(t, s, nats.UserInfo("derek", "flagpass")))
		if _, err := nats.Connect(s.ClientURL(), nats.UserInfo("derek", "nope"), nats.MaxReconnects(0)); !errors.Is(err, nats.ErrAuthorization) {
			t.Fatalf("wrong password: %v", err)
		}
	})
	t.Run("--auth", func(t *testing.T) {
		s, _ := runArgs(t, nil, "--auth", "flagtoken")
		checkTraffic(t, connect(t, s, nats.Token("flagtoken")), connect(t, s, nats.Token("flagtoken")))
		if _, err := nats.Connect(s.ClientURL(), nats.MaxReconnects(0)); !errors.Is(err, nats.ErrAuthorization) {
			t.Fatalf("no token: %v", err)
		}
	})
	t.Run("flags override the file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "a.conf")
		if err := os.WriteFile(path, []byte("authorization { user: fileuser, password: filepass }\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		s, _ := runArgs(t, nil, "-c", path, "--user", "flaguser", "--pass", "flagpass")
		connect(t, s, nats.UserInfo("flaguser", "flagpass"))
	})
}

func TestAuthTimeoutWithoutConnect(t *testing.T) {
	s := runServer(t, func(o *options.Options) {
		o.Auth.Username, o.Auth.Password = "u", "p"
		o.Auth.Timeout = 300 * time.Millisecond
	})
	r := dialRaw(t, s)
	r.expect(`^INFO .*"auth_required":true`)
	r.expect(`^-ERR 'Authentication Timeout'$`)
	r.expectClosed()
}

func TestAuthOperationsBeforeConnect(t *testing.T) {
	s := runServer(t, func(o *options.Options) { o.Auth.Username, o.Auth.Password = "u", "p" })
	watcher := connect(t, s, nats.UserInfo("u", "p"))
	sub, err := watcher.SubscribeSync("foo")
	if err != nil {
		t.Fatal(err)
	}
	if err := watcher.Flush(); err != nil {
		t.Fatal(err)
	}
	for _, op := range []string{"PUB foo 5\r\nsneak\r\n", "SUB foo 1\r\n", "PING\r\n"} {
		r := dialRaw(t, s)
		r.expect(`^INFO `)
		r.send(op)
		r.expect(`^-ERR 'Authorization Violation'$`)
		r.expectClosed()
	}
	// Nothing got through: the first message the watcher sees is this one.
	if err := watcher.Publish("foo", []byte("marker")); err != nil {
		t.Fatal(err)
	}
	if m, err := sub.NextMsg(5 * time.Second); err != nil || string(m.Data) != "marker" {
		t.Fatalf("got %v %v", m, err)
	}
}

const permissionsConf = `
authorization {
  default_permissions: { publish: "public.>", subscribe: "public.>" }
  users = [
    {user: allow, password: pw, permissions: {publish: ["foo.*", "bar.>"], subscribe: ["foo.>", "_INBOX.>"]}}
    {user: deny, password: pw, permissions: {publish: {deny: ["secret.>", "*.private"]}, subscribe: {deny: "secret.>"}}}
    {user: both, password: pw, permissions: {
      publish: {allow: "orders.>", deny: "orders.internal.*"}
      subscribe: {allow: "orders.>", deny: "orders.*.audit"}
    }}
    {user: queue, password: pw, permissions: {subscribe: ["work.* workers"]}}
    {user: replier, password: pw, permissions: {publish: {deny: ">"}, subscribe: "svc.>", allow_responses: true}}
    {user: requester, password: pw, permissions: {publish: "svc.>", subscribe: "_INBOX.>"}}
    {user: guest, password: pw}
  ]
}
`

func TestPermissions(t *testing.T) {
	s, _ := runConf(t, permissionsConf, nil)
	pubErr := func(subj string) string { return `^-ERR 'Permissions Violation for Publish to "` + subj + `"'$` }
	subErr := func(subj string) string { return `^-ERR 'Permissions Violation for Subscription to "` + subj + `"'$` }
	tests := []struct {
		name, user, send string
		expect           []string // every reply up to the final PONG: the connection stays open
	}{
		{"allow: permitted", "allow", "SUB foo.a 1\r\nPUB foo.a 2\r\nhi\r\nPUB bar.x.y 0\r\n\r\n", []string{`^MSG foo.a 1 2$`, `^hi$`}},
		{"allow: publish outside", "allow", "PUB baz 2\r\nhi\r\n", []string{pubErr("baz")}},
		{"allow: * is one token", "allow", "PUB foo.a.b 0\r\n\r\n", []string{pubErr("foo.a.b")}},
		{"allow: subscribe outside", "allow", "SUB baz 1\r\n", []string{subErr("baz")}},
		{"allow: subscribe wildcard inside", "allow", "SUB foo.* 1\r\nSUB foo.> 2\r\n", nil},
		{"allow: subscribe wildcard wider", "allow", "SUB > 1\r\n", []string{subErr(">")}},
		{"deny: denied", "deny", "PUB secret.plans 0\r\n\r\nPUB a.private 0\r\n\r\n", []string{pubErr("secret.plans"), pubErr("a.private")}},
		{"deny: others pass", "deny", "PUB a.b.private 0\r\n\r\nPUB public 0\r\n\r\nSUB public 1\r\n", nil},
		{"deny: subscribe", "deny", "SUB secret.> 1\r\nSUB secret.x 2\r\n", []string{subErr("secret.>"), subErr("secret.x")}},
		{"both: allowed", "both", "SUB orders.a.b 1\r\nPUB orders.a.b 0\r\n\r\n", []string{`^MSG orders.a.b 1 0$`, `^$`}},
		{"both: deny wins", "both", "PUB orders.internal.x 0\r\n\r\nSUB orders.eu.audit 1\r\n", []string{pubErr("orders.internal.x"), subErr("orders.eu.audit")}},
		{"both: outside allow", "both", "PUB invoices 0\r\n\r\n", []string{pubErr("invoices")}},
		{"queue: permitted group", "queue", "SUB work.a workers 1\r\n", nil},
		{"queue: other group", "queue", "SUB work.a idlers 1\r\n", []string{`^-ERR 'Permissions Violation for Subscription to "work.a" using queue "idlers"'$`}},
		{"queue: plain subscribe", "queue", "SUB work.a 1\r\n", []string{subErr("work.a")}},
		{"default_permissions", "guest", "SUB public.> 1\r\nPUB public.news 1\r\nx\r\nPUB private 0\r\n\r\nSUB private 2\r\n",
			[]string{`^MSG public.news 1 1$`, `^x$`, pubErr("private"), subErr("private")}},
		{"reply the publisher cannot receive", "requester", "PUB svc.a elsewhere.r 0\r\n\r\nPUB svc.a _INBOX.r 0\r\n\r\n",
			[]string{`^-ERR 'Permissions Violation for Publish with Reply of "elsewhere.r"'$`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := dialRaw(t, s)
			r.connectRaw(`{"verbose":false,"user":"` + tc.user + `","pass":"pw"}`)
			r.send(tc.send + "PING\r\n")
			for _, e := range tc.expect {
				r.expect(e)
			}
			r.expect(`^PONG$`)
		})
	}
}

func TestPermissionsAllowResponses(t *testing.T) {
	s, _ := runConf(t, permissionsConf, nil)
	replier := dialRaw(t, s)
	replier.connectRaw(`{"verbose":false,"user":"replier","pass":"pw"}`)
	replier.send("SUB svc.echo 1\r\nPING\r\n")
	replier.expect(`^PONG$`)
	requester := dialRaw(t, s)
	requester.connectRaw(`{"verbose":false,"user":"requester","pass":"pw"}`)
	requester.send("SUB _INBOX.r1 1\r\nPUB svc.echo _INBOX.r1 2\r\nhi\r\nPING\r\n")
	requester.expect(`^PONG$`)
	replier.expect(`^MSG svc.echo 1 _INBOX.r1 2$`)
	replier.expect(`^hi$`)
	// One answer is allowed, a second is not, nor any other publish.
	replier.send("PUB _INBOX.r1 3\r\none\r\nPUB _INBOX.r1 3\r\ntwo\r\nPUB svc.echo 0\r\n\r\nPING\r\n")
	replier.expect(`^-ERR 'Permissions Violation for Publish to "_INBOX.r1"'$`)
	replier.expect(`^-ERR 'Permissions Violation for Publish to "svc.echo"'$`)
	replier.expect(`^PONG$`)
	requester.send("PING\r\n")
	requester.expect(`^MSG _INBOX.r1 1 3$`)
	requester.expect(`^one$`)
	requester.expect(`^PONG$`)

	// The same through nats.go: Request works, a second Respond is refused.
	errs := make(chan error, 4)
	rep := connect(t, s, nats.UserInfo("replier", "pw"), nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { errs <- err }))
	if _, err := rep.Subscribe("svc.twice", func(m *nats.Msg) { _ = m.Respond([]byte("1")); _ = m.Respond([]byte("2")) }); err != nil {
		t.Fatal(err)
	}
	if err := rep.Flush(); err != nil {
		t.Fatal(err)
	}
	req := connect(t, s, nats.UserInfo("requester", "pw"))
	if m, err := req.Request("svc.twice", nil, 5*time.Second); err != nil || string(m.Data) != "1" {
		t.Fatalf("request: %v %v", m, err)
	}
	select {
	case err := <-errs:
		if !strings.Contains(err.Error(), `Permissions Violation for Publish to "_INBOX.`) {
			t.Fatalf("unexpected async error: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no permissions violation for the second response")
	}
}

// slowHash is bcrypt cost 12 of "pw": about 0.25 s to check, 3 s under -race.
const slowHash = "$2a$12$CxwyUUg654FHgRJyPlqa2OhDMuqLG7KBY.0eCIqVxukRKVPvFhSHe"

func TestAuthBcryptLeavesTheLoopFree(t *testing.T) {
	conf := `
authorization {
  timeout: "60s"
  users = [
    {user: fast, password: pw}
    {user: slow, password: "` + slowHash + `"}
  ]
}`
	s, _ := runConf(t, conf, func(o *options.Options) { o.Loops = 1 })
	responder := connect(t, s, nats.UserInfo("fast", "pw"))
	if _, err := responder.Subscribe("svc", func(m *nats.Msg) { _ = m.Respond(m.Data) }); err != nil {
		t.Fatal(err)
	}
	if err := responder.Flush(); err != nil {
		t.Fatal(err)
	}
	requester := connect(t, s, nats.UserInfo("fast", "pw"))

	slow := dialRaw(t, s)
	slow.connectRaw(`{"verbose":false,"user":"slow","pass":"pw"}`)
	slow.send("PING\r\n")
	waitFor(t, 10*time.Second, func() error {
		if s.workers.running() == 0 {
			return errors.New("bcrypt has not started")
		}
		return nil
	})
	// Round trips on the same (only) loop while the verdict is being computed.
	during := 0
	for s.workers.running() > 0 {
		if _, err := requester.Request("svc", []byte("x"), 5*time.Second); err != nil {
			t.Fatal(err)
		}
		if s.workers.running() > 0 {
			during++
		}
	}
	// Under -race the check outlasts the server's first PING (2 s).
	for slow.expect(`^P[IO]NG$`) != "PONG" {
	}
	t.Logf("%d request/reply round trips completed on the loop while bcrypt (cost 12) ran", during)
	if during < 10 {
		t.Fatalf("only %d round trips while bcrypt ran: the loop was blocked", during)
	}
}

func TestAuthBcryptRefusalAndHeldInput(t *testing.T) {
	s, _ := runServerLog(t, func(o *options.Options) {
		o.Auth.Username, o.Auth.Password = "u", cheapHash(t, "pw")
	})
	watcher := connect(t, s, nats.UserInfo("u", "pw"))
	sub, err := watcher.SubscribeSync("held")
	if err != nil {
		t.Fatal(err)
	}
	if err := watcher.Flush(); err != nil {
		t.Fatal(err)
	}
	// Operations pipelined behind the CONNECT wait for the verdict, then run.
	ok := dialRaw(t, s)
	ok.expect(`^INFO `)
	ok.send("CONNECT {\"verbose\":false,\"user\":\"u\",\"pass\":\"pw\"}\r\nPUB held 2\r\nok\r\nPING\r\n")
	ok.expect(`^PONG$`)
	if m, err := sub.NextMsg(5 * time.Second); err != nil || string(m.Data) != "ok" {
		t.Fatalf("held PUB: %v %v", m, err)
	}
	// With a wrong password they never run.
	bad := dialRaw(t, s)
	bad.expect(`^INFO `)
	bad.send("CONNECT {\"verbose\":false,\"user\":\"u\",\"pass\":\"no\"}\r\nPUB held 3\r\nbad\r\nPING\r\n")
	bad.expect(`^-ERR 'Authorization Violation'$`)
	bad.expectClosed()
	if err := watcher.Publish("held", []byte("marker")); err != nil {
		t.Fatal(err)
	}
	if m, err := sub.NextMsg(5 * time.Second); err != nil || string(m.Data) != "marker" {
		t.Fatalf("got %v %v", m, err)
	}
}

func TestVerifyAndMap(t *testing.T) {
	tests := []struct {
		conf, cert, key, user, how string
	}{
		{"configs/tls-map-email.conf", "client-id-auth-cert.pem", "client-id-auth-key.pem", "derek@nats.io", "Using email found in cert for auth"},
		{"configs/tls-map-dn.conf", "tlsauth/client2.pem", "tlsauth/client2-key.pem", "CN=example.com,OU=CNCF", "Using DistinguishedNameMatch for auth"},
	}
	for _, tc := range tests {
		t.Run(filepath.Base(tc.conf), func(t *testing.T) {
			s, log := runSpecCommand(t, "-D", "-c", tc.conf)
			errs := make(chan error, 4)
			cfg := clientTLS(t, withCert(t, tc.cert, tc.key))
			nc := connectTLS(t, s, cfg, nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { errs <- err }))
			log.waitLine(t, `\[DBG\] .* - `+regexp.QuoteMeta(tc.how)+` \["`+regexp.QuoteMeta(tc.user)+`"\]$`)
			sub, err := nc.SubscribeSync("foo")
			if err != nil {
				t.Fatal(err)
			}
			// publish: "foo" only.
			if err := nc.Publish("bar", []byte("no")); err != nil {
				t.Fatal(err)
			}
			if err := nc.Publish("foo", []byte("yes")); err != nil {
				t.Fatal(err)
			}
			if m, err := sub.NextMsg(5 * time.Second); err != nil || string(m.Data) != "yes" {
				t.Fatalf("foo: %v %v", m, err)
			}
			select {
			case err := <-errs:
				if !strings.Contains(err.Error(), `Permissions Violation for Publish to "bar"`) {
					t.Fatalf("async error: %v", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("publishing to bar was not refused")
			}
			// A user in CONNECT does not change who the certificate says.
			connectTLS(t, s, cfg, nats.UserInfo("impostor", "x"))
			log.waitLine(t, `\[WRN\] .* - User "impostor" found in connect proto, but user required from cert$`)
			// A valid certificate that maps to no user.
			_, err = tryConnectTLS(s, clientTLS(t, withCert(t, "client-cert.pem", "client-key.pem")))
			if !errors.Is(err, nats.ErrAuthorization) {
				t.Fatalf("unmapped certificate: %v", err)
			}
			log.waitLine(t, `\[ERR\] .* - authentication error: no user without a password matches the client certificate`)
		})
	}
}

func TestRedactSecrets(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"user":"u","pass":"p"}`, `{"user":"u","pass":"[REDACTED]"}`},
		{`{"auth_token":"t0k","pass" : "a\"b\\"}`, `{"auth_token":"[REDACTED]","pass" : "[REDACTED]"}`},
		{`{"name":"pass","pass":""}`, `{"name":"pass","pass":"[REDACTED]"}`},
		{`{"verbose":false}`, `{"verbose":false}`},
		{`{"pass":"unterminated`, `{"pass":"[REDACTED]`},
		{`{"pass":1}`, `{"pass":1}`},
	}
	for _, tc := range tests {
		if got := string(redactSecrets([]byte(tc.in))); got != tc.want {
			t.Errorf("redactSecrets(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func FuzzRedactSecrets(f *testing.F) {
	f.Add(`{"user":"u","pass":"p"}`, "secret")
	f.Add(`{"auth_token":"x","name":"n"}`, `a"b`)
	f.Fuzz(func(t *testing.T, prefix, secret string) {
		for _, key := range []string{"pass", "auth_token"} {
			arg := `{"name":` + quoteJSON(prefix) + `,"` + key + `":` + quoteJSON(secret) + `}`
			out := redactSecrets([]byte(arg))
			var before, after map[string]any
			if err := json.Unmarshal([]byte(arg), &before); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(out, &after); err != nil {
				t.Fatalf("%s -> %s: %v", arg, out, err)
			}
			if after[key] != "[REDACTED]" || after["name"] != before["name"] {
				t.Fatalf("%s -> %s", arg, out)
			}
		}
	})
}

func quoteJSON(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestAuthTimeoutDefault checks the authorization timeout the server uses:
// 2 s, or the TLS timeout plus 1 s when TLS is on, unless configured. It
// reads the value /varz reports and, for some, watches a client that never
// sends CONNECT get -ERR 'Authentication Timeout': never before the timeout
// (only that lower bound is asserted, as the close may come late).
func TestAuthTimeoutDefault(t *testing.T) {
	tests := []struct {
		name    string
		tls     time.Duration // TLS handshake timeout; negative: no TLS, 0: its default
		auth    time.Duration // configured authorization timeout; 0: default
		want    time.Duration
		observe bool
	}{
		{name: "no TLS", tls: -1, want: 2 * time.Second, observe: true},
		{name: "TLS default", tls: 0, want: options.DefaultTLSTimeout + time.Second},
		{name: "TLS 1.5s", tls: 1500 * time.Millisecond, want: 2500 * time.Millisecond, observe: true},
		{name: "configured with TLS", tls: 1500 * time.Millisecond, auth: 700 * time.Millisecond, want: 700 * time.Millisecond, observe: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := runServer(t, func(o *options.Options) {
				o.HTTPPort = options.RandomPort
				o.Auth.Username, o.Auth.Password = "u", "p"
				o.Auth.Timeout = tc.auth
				if tc.tls >= 0 {
					serverTLS(func(c *tlsengine.Config) { c.Timeout = tc.tls })(o)
				}
			})
			var v struct {
				AuthTimeout float64 `json:"auth_timeout"`
				TLSTimeout  float64 `json:"tls_timeout"`
			}
			getJSON(t, http.DefaultClient, monitorURL(s)+"/varz", &v)
			if v.AuthTimeout != tc.want.Seconds() {
				t.Errorf("varz auth_timeout %v, want %v", v.AuthTimeout, tc.want.Seconds())
			}
			if tc.tls > 0 && v.TLSTimeout != tc.tls.Seconds() {
				t.Errorf("varz tls_timeout %v, want %v", v.TLSTimeout, tc.tls.Seconds())
			}
			if !tc.observe {
				return
			}
			start := time.Now()
			var errLine string
			if tc.tls >= 0 {
				r, err := dialTLSRaw(t, s, clientTLS(t, nil))
				if err != nil {
					t.Fatal(err)
				}
				defer r.close()
				// The first PING (after about 2 s) may come first.
				for range 3 {
					if errLine, err = r.line(); err != nil {
						t.Fatalf("waiting for the timeout: %v", err)
					}
					if errLine != "PING" {
						break
					}
				}
				if rest, err := r.line(); err == nil || isTimeout(err) {
					t.Fatalf("connection still open after %q: %q %v", errLine, rest, err)
				}
			} else {
				r := dialRaw(t, s)
				r.expect(`^INFO .*"auth_required":true`)
				for range 3 {
					if errLine = r.line(); errLine != "PING" {
						break
					}
				}
				r.expectClosed()
			}
			elapsed := time.Since(start)
			if errLine != "-ERR 'Authentication Timeout'" {
				t.Fatalf("got %q, want -ERR 'Authentication Timeout'", errLine)
			}
			if elapsed < tc.want {
				t.Fatalf("closed %v after connecting, before the %v timeout", elapsed, tc.want)
			}
		})
	}
}
