package auth

import (
	"errors"
	"testing"
)

func TestRecheck(t *testing.T) {
	hash := hashOf(t, "s3cret", testCost)
	other := hashOf(t, "other", testCost)
	alice := &Credentials{User: "alice", Pass: "s3cret"}
	users := func(name, pass string, perms *Permissions) Config {
		return Config{Users: []*User{{Username: name, Password: pass, Permissions: perms}}}
	}
	tests := []struct {
		name      string
		prev, now Config
		creds     *Credentials
		slow      bool
		refused   bool
		perms     bool // the identity carries permissions
	}{
		{name: "same bcrypt user is not checked again", prev: users("alice", hash, nil), now: users("alice", hash, &Permissions{Publish: &SubjectPermission{Allow: []string{"foo"}}}), creds: alice, perms: true},
		{name: "user removed", prev: users("alice", hash, nil), now: users("bob", hash, nil), creds: alice, refused: true},
		{name: "password changed to another hash", prev: users("alice", hash, nil), now: users("alice", other, nil), creds: alice, slow: true, refused: true},
		{name: "password changed to plain", prev: users("alice", hash, nil), now: users("alice", "s3cret", nil), creds: alice},
		{name: "auth turned off", prev: users("alice", hash, nil), now: Config{}, creds: alice},
		{name: "auth turned on", prev: Config{}, now: Config{Token: hash}, creds: &Credentials{}, slow: true, refused: true},
		{name: "same bcrypt token", prev: Config{Token: hash}, now: Config{Token: hash}, creds: &Credentials{Token: "s3cret"}},
		{name: "token changed", prev: Config{Token: hash}, now: Config{Token: "plain"}, creds: &Credentials{Token: "s3cret"}, refused: true},
		{name: "token became a user", prev: Config{Token: hash}, now: Config{Username: "alice", Password: hash}, creds: &Credentials{Token: "s3cret"}, slow: true, refused: true},
		{name: "single user kept", prev: Config{Username: "alice", Password: hash}, now: Config{Username: "alice", Password: hash}, creds: alice},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prev, now := mustNew(t, tt.prev), mustNew(t, tt.now)
			if got := now.RecheckIsSlow(prev, tt.creds); got != tt.slow {
				t.Errorf("RecheckIsSlow = %v, want %v", got, tt.slow)
			}
			id, err := now.Recheck(prev, tt.creds)
			if tt.refused {
				if !errors.Is(err, ErrAuthorization) {
					t.Fatalf("Recheck = %v, %v; want a refusal", id, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Recheck: %v", err)
			}
			if (id.Perms != nil) != tt.perms {
				t.Errorf("permissions %v, want present=%v", id.Perms, tt.perms)
			}
		})
	}
}
