package auth

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestNewRejectsConflicts(t *testing.T) {
	users := []*User{{Username: "a", Password: "x"}}
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{name: "user and token", cfg: Config{Username: "u", Password: "p", Token: "t"}, want: "Cannot have a user/pass and token"},
		{name: "password and token", cfg: Config{Password: "p", Token: "t"}, want: "Cannot have a user/pass and token"},
		{name: "user and users", cfg: Config{Username: "u", Password: "p", Users: users}, want: "Can not have a single user/pass and a users array"},
		{name: "token and users", cfg: Config{Token: "t", Users: users}, want: "Can not have a token and a users array"},
		{name: "password without user", cfg: Config{Password: "p"}, want: "a password needs a user"},
		{name: "duplicate users", cfg: Config{Users: []*User{{Username: "a", Password: "1"}, {Username: "a", Password: "2"}}}, want: `Duplicate user "a" detected`},
		{name: "nameless user", cfg: Config{Users: []*User{{Password: "1"}}}, want: "users entry 1 has no user name"},
		{name: "nil user", cfg: Config{Users: []*User{nil}}, want: "users entry 1 has no user name"},
		{name: "negative timeout", cfg: Config{Timeout: -time.Second}, want: "must not be negative"},
		{name: "malformed bcrypt", cfg: Config{Username: "u", Password: "$2a$11$short"}, want: "malformed bcrypt hash"},
		{name: "bad publish subject", cfg: Config{Users: []*User{{Username: "a", Password: "x", Permissions: &Permissions{
			Publish: &SubjectPermission{Allow: []string{"foo..bar"}}}}}}, want: `invalid publish permission subject "foo..bar"`},
		{name: "queue form in publish", cfg: Config{Users: []*User{{Username: "a", Password: "x", Permissions: &Permissions{
			Publish: &SubjectPermission{Allow: []string{"foo q"}}}}}}, want: `invalid publish permission subject "foo q"`},
		{name: "bad subscribe entry", cfg: Config{Users: []*User{{Username: "a", Password: "x", Permissions: &Permissions{
			Subscribe: &SubjectPermission{Deny: []string{"foo q extra"}}}}}}, want: `invalid subscribe permission subject "foo q extra"`},
		{name: "bad default permissions", cfg: Config{Users: users, DefaultPermissions: &Permissions{
			Subscribe: &SubjectPermission{Allow: []string{">.foo"}}}}, want: "default permissions: invalid subscribe"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestCheckCredentials(t *testing.T) {
	passHash := hashOf(t, "s3cr3t", testCost)
	tokenHash := hashOf(t, "t0k3n", testCost)
	tests := []struct {
		name     string
		cfg      Config
		creds    Credentials
		ok       bool
		wantUser string
		wantBy   string
	}{
		{name: "no auth", cfg: Config{}, creds: Credentials{User: "x", Pass: "y"}, ok: true},
		{name: "plain user ok", cfg: Config{Username: "derek", Password: "s3cr3t"}, creds: Credentials{User: "derek", Pass: "s3cr3t"}, ok: true, wantUser: "derek", wantBy: "password"},
		{name: "plain user wrong pass", cfg: Config{Username: "derek", Password: "s3cr3t"}, creds: Credentials{User: "derek", Pass: "s3cr3T"}},
		{name: "plain user wrong user", cfg: Config{Username: "derek", Password: "s3cr3t"}, creds: Credentials{User: "bob", Pass: "s3cr3t"}},
		{name: "plain user empty pass", cfg: Config{Username: "derek", Password: "s3cr3t"}, creds: Credentials{User: "derek"}},
		{name: "bcrypt user ok", cfg: Config{Username: "derek", Password: passHash}, creds: Credentials{User: "derek", Pass: "s3cr3t"}, ok: true, wantUser: "derek", wantBy: "password"},
		{name: "bcrypt user wrong pass", cfg: Config{Username: "derek", Password: passHash}, creds: Credentials{User: "derek", Pass: "n0pe-123"}},
		{name: "bcrypt user sends the hash", cfg: Config{Username: "derek", Password: passHash}, creds: Credentials{User: "derek", Pass: passHash}},
		{name: "plain token ok", cfg: Config{Token: "t0k3n"}, creds: Credentials{Token: "t0k3n"}, ok: true, wantBy: "token"},
		{name: "plain token wrong", cfg: Config{Token: "t0k3n"}, creds: Credentials{Token: "t0k3"}},
		{name: "plain token missing", cfg: Config{Token: "t0k3n"}, creds: Credentials{User: "t0k3n", Pass: "t0k3n"}},
		{name: "bcrypt token ok", cfg: Config{Token: tokenHash}, creds: Credentials{Token: "t0k3n"}, ok: true, wantBy: "token"},
		{name: "bcrypt token wrong", cfg: Config{Token: tokenHash}, creds: Credentials{Token: "nope"}},
		{name: "users plain ok", cfg: Config{Users: []*User{{Username: "a", Password: "pa"}, {Username: "b", Password: passHash}}},
			creds: Credentials{User: "a", Pass: "pa"}, ok: true, wantUser: "a", wantBy: "password"},
		{name: "users bcrypt ok", cfg: Config{Users: []*User{{Username: "a", Password: "pa"}, {Username: "b", Password: passHash}}},
			creds: Credentials{User: "b", Pass: "s3cr3t"}, ok: true, wantUser: "b", wantBy: "password"},
		{name: "users other's password", cfg: Config{Users: []*User{{Username: "a", Password: "pa"}, {Username: "b", Password: "pb"}}},
			creds: Credentials{User: "a", Pass: "pb"}},
		{name: "users unknown", cfg: Config{Users: []*User{{Username: "a", Password: "pa"}}}, creds: Credentials{User: "z", Pass: "pa"}},
		{name: "users no user", cfg: Config{Users: []*User{{Username: "a", Password: "pa"}}}, creds: Credentials{Pass: "pa"}},
		{name: "passwordless user needs a cert", cfg: Config{Users: []*User{{Username: "derek@nats.io"}}}, creds: Credentials{User: "derek@nats.io"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := mustNew(t, tc.cfg)
			id, err := a.Check(&tc.creds)
			if !tc.ok {
				requireAuthErr(t, err)
				for _, s := range []string{tc.cfg.Password, tc.cfg.Token, tc.creds.Pass, tc.creds.Token} {
					if s != "" && strings.Contains(err.Error(), s) {
						t.Fatalf("error %q leaks a secret", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			if id.User != tc.wantUser || id.MatchedBy != tc.wantBy {
				t.Fatalf("identity = %+v, want user %q matched by %q", id, tc.wantUser, tc.wantBy)
			}
		})
	}
}

func TestRequiredAndTimeout(t *testing.T) {
	tests := []struct {
		cfg      Config
		required bool
		timeout  time.Duration
	}{
		{cfg: Config{}, required: false, timeout: 2 * time.Second},
		{cfg: Config{Token: "t", Timeout: 5 * time.Second}, required: true, timeout: 5 * time.Second},
		{cfg: Config{Username: "u", Password: "p"}, required: true, timeout: 2 * time.Second},
		{cfg: Config{Users: []*User{{Username: "u"}}}, required: true, timeout: 2 * time.Second},
	}
	for _, tc := range tests {
		a := mustNew(t, tc.cfg)
		if a.Required() != tc.required || a.Timeout() != tc.timeout {
			t.Errorf("%+v: Required %v Timeout %v, want %v %v", tc.cfg, a.Required(), a.Timeout(), tc.required, tc.timeout)
		}
	}
}

func TestIsSlow(t *testing.T) {
	// A deliberately expensive hash: this is what IsSlow exists for. The
	// duration is logged, not asserted.
	const expensive = 8
	hash := hashOf(t, "s3cr3t", expensive)
	slowUsers := mustNew(t, Config{Users: []*User{{Username: "slow", Password: hash}, {Username: "fast", Password: "plain"}}})
	tests := []struct {
		name  string
		a     *Authenticator
		creds Credentials
		slow  bool
	}{
		{name: "bcrypt user", a: slowUsers, creds: Credentials{User: "slow", Pass: "s3cr3t"}, slow: true},
		{name: "plain user", a: slowUsers, creds: Credentials{User: "fast", Pass: "plain"}},
		{name: "unknown user", a: slowUsers, creds: Credentials{User: "nobody"}},
		{name: "cert mapping", a: slowUsers, creds: Credentials{User: "slow", MapCerts: true}},
		{name: "single bcrypt", a: mustNew(t, Config{Username: "u", Password: hash}), creds: Credentials{User: "u"}, slow: true},
		{name: "single plain", a: mustNew(t, Config{Username: "u", Password: "p"}), creds: Credentials{User: "u"}},
		{name: "bcrypt token", a: mustNew(t, Config{Token: hash}), creds: Credentials{Token: "x"}, slow: true},
		{name: "plain token", a: mustNew(t, Config{Token: "x"}), creds: Credentials{Token: "x"}},
		{name: "no auth", a: mustNew(t, Config{}), creds: Credentials{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.a.IsSlow(&tc.creds); got != tc.slow {
				t.Fatalf("IsSlow = %v, want %v", got, tc.slow)
			}
		})
	}
	start := time.Now()
	if _, err := slowUsers.Check(&Credentials{User: "slow", Pass: "s3cr3t"}); err != nil {
		t.Fatal(err)
	}
	t.Logf("bcrypt check at cost %d took %v", expensive, time.Since(start))
}

func TestLooksLikeBcrypt(t *testing.T) {
	tests := map[string]bool{
		"$2a$11$abc": true, "$2b$04$": true, "$2x$10$": true, "$2y$31$x": true,
		"$2c$11$": false, "$2a$1$": false, "$2a$aa$": false, "2a$11$": false, "$2a$11": false, "": false, "plain": false,
	}
	for s, want := range tests {
		if got := looksLikeBcrypt(s); got != want {
			t.Errorf("looksLikeBcrypt(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestDefaultPermissions(t *testing.T) {
	own := &Permissions{Publish: &SubjectPermission{Allow: []string{"own.>"}}}
	a := mustNew(t, Config{
		DefaultPermissions: &Permissions{
			Publish:   &SubjectPermission{Allow: []string{"SANDBOX.*"}},
			Subscribe: &SubjectPermission{Allow: []string{"PUBLIC.>", "_INBOX.>"}},
		},
		Users: []*User{
			{Username: "other", Password: "o"},
			{Username: "owner", Password: "w", Permissions: own},
			{Username: "twin", Password: "t", Permissions: own},
		},
	})
	check := func(user, pass string) *CompiledPermissions {
		t.Helper()
		id, err := a.Check(&Credentials{User: user, Pass: pass})
		if err != nil {
			t.Fatal(err)
		}
		return id.Perms
	}
	other, owner, twin := check("other", "o"), check("owner", "w"), check("twin", "t")
	if !other.PublishAllowed([]byte("SANDBOX.x")) || other.PublishAllowed([]byte("own.x")) {
		t.Error("default permissions not applied to a user without permissions")
	}
	if !other.SubscribeAllowed("_INBOX.abc", "") || other.SubscribeAllowed("private", "") {
		t.Error("default subscribe permissions not applied")
	}
	if owner.PublishAllowed([]byte("SANDBOX.x")) || !owner.PublishAllowed([]byte("own.x")) {
		t.Error("a user's own permissions must replace the defaults")
	}
	if owner != twin {
		t.Error("users sharing a *Permissions should share one compiled copy")
	}
	if !owner.SubscribeAllowed("anything", "") {
		t.Error("own permissions without subscribe must allow every subscription")
	}
}

func TestCheckConcurrent(t *testing.T) {
	a := mustNew(t, Config{Users: []*User{{Username: "a", Password: hashOf(t, "pa", testCost)}, {Username: "b", Password: "pb"}}})
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 5 {
				user, pass := "a", "pa"
				if (i+j)%2 == 0 {
					user, pass = "b", "pb"
				}
				if _, err := a.Check(&Credentials{User: user, Pass: pass}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestRouteAuth(t *testing.T) {
	hash := hashOf(t, "rpass", testCost)
	tests := []struct {
		name       string
		cfg        RouteConfig
		user, pass string
		ok, slow   bool
	}{
		{name: "none", cfg: RouteConfig{}, user: "x", pass: "y", ok: true},
		{name: "plain ok", cfg: RouteConfig{Username: "ruser", Password: "rpass"}, user: "ruser", pass: "rpass", ok: true},
		{name: "plain wrong", cfg: RouteConfig{Username: "ruser", Password: "rpass"}, user: "ruser", pass: "nope"},
		{name: "wrong user", cfg: RouteConfig{Username: "ruser", Password: "rpass"}, user: "other", pass: "rpass"},
		{name: "bcrypt ok", cfg: RouteConfig{Username: "ruser", Password: hash}, user: "ruser", pass: "rpass", ok: true, slow: true},
		{name: "bcrypt wrong", cfg: RouteConfig{Username: "ruser", Password: hash}, user: "ruser", pass: "x", slow: true},
		{name: "user without password", cfg: RouteConfig{Username: "ruser"}, user: "ruser"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := NewRouteAuth(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if r.Required() != (tc.cfg.Username != "") || r.Timeout() != DefaultTimeout {
				t.Fatalf("Required %v Timeout %v", r.Required(), r.Timeout())
			}
			if r.IsSlow(tc.user, tc.pass) != tc.slow {
				t.Fatalf("IsSlow = %v, want %v", !tc.slow, tc.slow)
			}
			err = r.Check(tc.user, tc.pass)
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			requireAuthErr(t, err)
			if tc.pass != "" && strings.Contains(err.Error(), tc.pass) {
				t.Fatalf("error %q leaks the password", err)
			}
		})
	}
	if _, err := NewRouteAuth(RouteConfig{Password: "p"}); err == nil {
		t.Error("a route password without a user must be refused")
	}
	if _, err := NewRouteAuth(RouteConfig{Username: "u", Password: "$2a$04$bad"}); err == nil {
		t.Error("a malformed bcrypt hash must be refused")
	}
}

func TestAuthErrorUnwraps(t *testing.T) {
	err := refuse(" - User %q", "x")
	if !errors.Is(err, ErrAuthorization) || err.Error() != `authentication error - User "x"` {
		t.Fatalf("got %q", err)
	}
	if ErrAuthorization.Error() != "Authorization Violation" {
		t.Fatal("ErrAuthorization text changed")
	}
}
