package server

import (
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"golang.org/x/crypto/bcrypt"

	"github.com/evnats/evnats/auth"
	"github.com/evnats/evnats/options"
)

// reloadAuth makes s's next Reload apply cfg as its authorization.
func reloadAuth(t *testing.T, s *Server, cfg auth.Config) {
	t.Helper()
	s.SetReloadSource(func() (*options.Options, error) {
		o := s.Options().Clone()
		o.Auth = cfg
		return o, nil
	})
	if err := s.Reload(); err != nil {
		t.Fatalf("Reload: %v", err)
	}
}

// watchClosed returns a channel closed when nc closes, and one that gets the
// connection's asynchronous errors.
func watchClosed(t *testing.T) (opts []nats.Option, closed chan struct{}, errs chan error) {
	t.Helper()
	closed, errs = make(chan struct{}), make(chan error, 16)
	opts = []nats.Option{
		nats.ClosedHandler(func(*nats.Conn) { close(closed) }),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { errs <- err }),
	}
	return opts, closed, errs
}

func waitClosed(t *testing.T, who string, closed chan struct{}) {
	t.Helper()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s was not closed", who)
	}
}

func stillServed(t *testing.T, who string, nc *nats.Conn) {
	t.Helper()
	if err := nc.FlushTimeout(5 * time.Second); err != nil || !nc.IsConnected() {
		t.Fatalf("%s lost its connection: %v", who, err)
	}
}

// TestReloadReauthorizesConnectedClients checks that a reload's authorization
// reaches clients already connected: a removed user, a user whose bcrypt
// password changed, are closed; a user whose permissions shrank keeps its
// connection but loses what the new permissions forbid; an unchanged bcrypt
// user stays.
func TestReloadReauthorizesConnectedClients(t *testing.T) {
	hash := func(pw string) string {
		h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		return string(h)
	}
	carolHash := hash("carol-pw")
	users := []*auth.User{
		{Username: "alice", Password: "alice-pw"},
		{Username: "bob", Password: "bob-pw"},
		{Username: "carol", Password: carolHash},
		{Username: "dave", Password: hash("dave-pw")},
		{Username: "watch", Password: "watch-pw"},
	}
	s := runServer(t, func(o *options.Options) { o.Auth.Users = users })

	aliceOpts, aliceClosed, aliceErrs := watchClosed(t)
	alice := connect(t, s, append(aliceOpts, nats.UserInfo("alice", "alice-pw"))...)
	bobOpts, bobClosed, _ := watchClosed(t)
	connect(t, s, append(bobOpts, nats.UserInfo("bob", "bob-pw"))...)
	carolOpts, carolClosed, _ := watchClosed(t)
	carol := connect(t, s, append(carolOpts, nats.UserInfo("carol", "carol-pw"))...)
	daveOpts, daveClosed, _ := watchClosed(t)
	connect(t, s, append(daveOpts, nats.UserInfo("dave", "dave-pw"))...)
	watch := connect(t, s, nats.UserInfo("watch", "watch-pw"))
	watchAll := mustSub(t, watch, ">", "")
	mustFlush(t, watch)
	aliceBar := mustSub(t, alice, "bar", "")
	aliceFoo := mustSub(t, alice, "foo", "")
	mustFlush(t, alice)

	reloadAuth(t, s, auth.Config{Users: []*auth.User{
		{Username: "alice", Password: "alice-pw", Permissions: &auth.Permissions{
			Publish:   &auth.SubjectPermission{Allow: []string{"foo"}},
			Subscribe: &auth.SubjectPermission{Allow: []string{"foo"}},
		}},
		{Username: "carol", Password: carolHash},
		{Username: "dave", Password: hash("new-dave-pw")},
		{Username: "watch", Password: "watch-pw"},
	}})

	waitClosed(t, "bob (removed)", bobClosed)
	waitClosed(t, "dave (password changed)", daveClosed)
	// alice loses her subscription to bar, with the violation's text.
	select {
	case err := <-aliceErrs:
		if !strings.Contains(err.Error(), `Permissions Violation for Subscription to "bar"`) {
			t.Fatalf("alice got %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("alice was not told her subscription to bar is gone")
	}
	// Her publish to bar is now refused; to foo it still goes through.
	if err := alice.Publish("bar", []byte("no")); err != nil {
		t.Fatal(err)
	}
	if err := alice.Publish("foo", []byte("yes")); err != nil {
		t.Fatal(err)
	}
	if m, err := aliceFoo.NextMsg(5 * time.Second); err != nil || string(m.Data) != "yes" {
		t.Fatalf("alice on foo: %v %v", m, err)
	}
	// watch sees alice's messages in her order: a leaked "no" comes first.
	if m, err := watchAll.NextMsg(5 * time.Second); err != nil || string(m.Data) != "yes" {
		t.Fatalf("watch got %v %v, want only alice's publish to foo", m, err)
	}
	// watch publishes to bar, then foo: once alice has the foo message, a bar
	// message for her removed subscription would have arrived before it.
	for _, subj := range []string{"bar", "foo"} {
		if err := watch.Publish(subj, []byte("from watch")); err != nil {
			t.Fatal(err)
		}
	}
	if m, err := aliceFoo.NextMsg(5 * time.Second); err != nil || string(m.Data) != "from watch" {
		t.Fatalf("alice on foo: %v %v", m, err)
	}
	if n, _, err := aliceBar.Pending(); err == nil && n != 0 {
		t.Fatalf("alice's removed subscription to bar got %d messages", n)
	}
	stillServed(t, "alice", alice)
	stillServed(t, "carol (unchanged bcrypt user)", carol)
	select {
	case <-carolClosed:
		t.Fatal("carol was closed")
	case <-aliceClosed:
		t.Fatal("alice was closed")
	default:
	}
	if got := s.NumClients(); got != 3 {
		t.Fatalf("%d clients connected, want 3 (alice, carol, watch)", got)
	}
}

// TestReloadTurningAuthOnClosesAnonymousClients: clients that connected
// when no authorization was configured are refused by a reload that adds it.
func TestReloadTurningAuthOnClosesAnonymousClients(t *testing.T) {
	s, logs := runServerLog(t, nil)
	opts, closed, _ := watchClosed(t)
	anon := connect(t, s, opts...)
	mustFlush(t, anon)
	reloadAuth(t, s, auth.Config{Token: "secret"})
	waitClosed(t, "the anonymous client", closed)
	logs.waitLine(t, `\[ERR\] 127\.0\.0\.1:\d+ - cid:\d+ - Authorization revoked by reload: authentication error: no token in CONNECT`)
	connect(t, s, nats.Token("secret"))
}
