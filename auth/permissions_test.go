package auth

import (
	"fmt"
	"testing"
	"time"
)

func TestPublishPermissions(t *testing.T) {
	tests := []struct {
		name    string
		perm    *SubjectPermission
		allowed []string
		denied  []string
	}{
		{name: "nil allows all", perm: nil, allowed: []string{"foo", "a.b.c"}},
		{name: "allow list", perm: &SubjectPermission{Allow: []string{"foo", "bar.*"}},
			allowed: []string{"foo", "bar.x"}, denied: []string{"bar", "baz", "bar.x.y", "foo.bar"}},
		{name: "deny only", perm: &SubjectPermission{Deny: []string{"secret.>"}},
			allowed: []string{"foo", "secret"}, denied: []string{"secret.x", "secret.x.y"}},
		{name: "deny wins", perm: &SubjectPermission{Allow: []string{">"}, Deny: []string{"admin.*"}},
			allowed: []string{"x", "admin.x.y"}, denied: []string{"admin.x"}},
		{name: "narrow deny in wide allow", perm: &SubjectPermission{Allow: []string{"a.>"}, Deny: []string{"a.b"}},
			allowed: []string{"a.c", "a.b.c"}, denied: []string{"a.b", "a", "b.c"}},
		{name: "wildcard publish is literal", perm: &SubjectPermission{Allow: []string{"foo.bar"}},
			denied: []string{"foo.*", "foo.>"}},
		{name: "empty tokens match nothing", perm: &SubjectPermission{Allow: []string{"foo.>"}},
			denied: []string{"foo..bar", "foo.", ""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cp := compiled(t, &Permissions{Publish: tc.perm})
			cp2 := compiled(t, &Permissions{Publish: tc.perm, Subscribe: &SubjectPermission{}})
			c := NewConnPermissions(cp2, nil)
			for round := range 2 { // the second round is answered from the cache
				for _, s := range tc.allowed {
					if !cp.PublishAllowed([]byte(s)) || !c.CanPublish([]byte(s)) {
						t.Errorf("round %d: publish to %q refused", round, s)
					}
				}
				for _, s := range tc.denied {
					if cp.PublishAllowed([]byte(s)) || c.CanPublish([]byte(s)) {
						t.Errorf("round %d: publish to %q allowed", round, s)
					}
				}
			}
		})
	}
}

type subCase struct {
	subject, queue string
	ok             bool
}

func TestSubscribePermissions(t *testing.T) {
	tests := []struct {
		name  string
		perm  *SubjectPermission
		cases []subCase
	}{
		{name: "literal and wildcard allow", perm: &SubjectPermission{Allow: []string{"foo.*", "bar"}}, cases: []subCase{
			{subject: "foo.bar", ok: true},
			{subject: "foo.*", ok: true},
			{subject: "foo.>"},
			{subject: ">"},
			{subject: "*.bar"},
			{subject: "foo.bar.baz"},
			{subject: "bar", ok: true},
			{subject: "bar", queue: "q", ok: true},
			{subject: "bar.x"},
		}},
		{name: "wildcard must be a subset of one allow entry", perm: &SubjectPermission{Allow: []string{"a.>"}}, cases: []subCase{
			{subject: "a.>", ok: true},
			{subject: "a.*.c", ok: true},
			{subject: "*.b"},
			{subject: "a"},
		}},
		{name: "wildcard colliding with deny is refused", perm: &SubjectPermission{Allow: []string{"foo.>"}, Deny: []string{"foo.secret"}}, cases: []subCase{
			{subject: "foo.x", ok: true},
			{subject: "foo.x.>", ok: true},
			{subject: "foo.secret"},
			{subject: "foo.*"},
			{subject: "foo.>"},
			{subject: "*.secret"},
		}},
		{name: "deny only", perm: &SubjectPermission{Deny: []string{"private.>"}}, cases: []subCase{
			{subject: "foo", ok: true},
			{subject: ">"},
			{subject: "private.x"},
			{subject: "private", ok: true},
			{subject: "*.x"},
		}},
		{name: "queue only", perm: &SubjectPermission{Allow: []string{"foo queue"}}, cases: []subCase{
			{subject: "foo"},
			{subject: "foo", queue: "queue", ok: true},
			{subject: "foo", queue: "other"},
			{subject: "bar", queue: "queue"},
		}},
		{name: "queues constrain plain entries", perm: &SubjectPermission{
			Allow: []string{"foo", "foo v1", "foo v1.>", "foo *.dev"},
			Deny:  []string{"> *.prod"},
		}, cases: []subCase{
			{subject: "foo", ok: true},
			{subject: "foo", queue: "v1", ok: true},
			{subject: "foo", queue: "v1.blue", ok: true},
			{subject: "foo", queue: "a.dev", ok: true},
			{subject: "foo", queue: "v2"},
			{subject: "foo", queue: "a.prod"},
			{subject: "bar"},
		}},
		{name: "queue deny", perm: &SubjectPermission{Allow: []string{">"}, Deny: []string{"> *.prod", "ops.>"}}, cases: []subCase{
			{subject: "foo", ok: true},
			{subject: "foo", queue: "a.dev", ok: true},
			{subject: "foo", queue: "a.prod"},
			{subject: "ops.x", queue: "a.dev"},
			{subject: "ops.x"},
		}},
		{name: "plain allow when no queue entry overlaps", perm: &SubjectPermission{Allow: []string{"foo.>", "bar q"}}, cases: []subCase{
			{subject: "foo.x", queue: "anything", ok: true},
			{subject: "bar", queue: "q", ok: true},
			{subject: "bar"},
		}},
		{name: "wildcard queue subscription", perm: &SubjectPermission{Allow: []string{"foo.* q", "foo.bar v1"}}, cases: []subCase{
			{subject: "foo.*", queue: "q", ok: true},
			{subject: "foo.*", queue: "v1"},
			{subject: "foo.bar", queue: "v1", ok: true},
			{subject: "foo.bar", queue: "q", ok: true},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := NewConnPermissions(compiled(t, &Permissions{Subscribe: tc.perm}), nil)
			for _, sc := range tc.cases {
				if got := c.CanSubscribe([]byte(sc.subject), []byte(sc.queue)); got != sc.ok {
					t.Errorf("SUB %q queue %q: allowed %v, want %v", sc.subject, sc.queue, got, sc.ok)
				}
			}
		})
	}
}

func TestCanReceive(t *testing.T) {
	c := NewConnPermissions(compiled(t, &Permissions{Subscribe: &SubjectPermission{
		Allow: []string{"_INBOX.>", "svc q"}, Deny: []string{"_INBOX.blocked"},
	}}), nil)
	tests := map[string]bool{"_INBOX.abc": true, "_INBOX.blocked": false, "foo": false, "svc": false}
	for subj, want := range tests {
		if got := c.CanReceive([]byte(subj)); got != want {
			t.Errorf("CanReceive(%q) = %v, want %v", subj, got, want)
		}
	}
}

func TestNilPermissionsAllowEverything(t *testing.T) {
	if cp := compiled(t, &Permissions{}); cp != nil {
		t.Fatal("empty permissions should compile to nil")
	}
	c := NewConnPermissions(nil, nil)
	if c != nil {
		t.Fatal("NewConnPermissions(nil) should be nil")
	}
	if !c.CanPublish([]byte("x")) || !c.CanSubscribe([]byte(">"), []byte("q")) || !c.CanReceive([]byte("x")) {
		t.Fatal("nil ConnPermissions must allow everything")
	}
	if c.HasResponsePermission() || c.Permissions() != nil {
		t.Fatal("nil ConnPermissions has no response permission")
	}
	c.GrantResponse([]byte("r")) // must not panic
	var cp *CompiledPermissions
	if !cp.PublishAllowed([]byte("x")) || !cp.SubscribeAllowed("x", "") || cp.HasResponsePermission() {
		t.Fatal("nil CompiledPermissions must allow everything")
	}
}

func TestAllowResponses(t *testing.T) {
	tests := []struct {
		name string
		perm *Permissions
		// steps run in order against one connection.
		steps func(t *testing.T, c *ConnPermissions, clk *fakeClock)
	}{
		{name: "default: one reply", perm: &Permissions{Subscribe: &SubjectPermission{Allow: []string{"q"}}, Response: &ResponsePermission{}},
			steps: func(t *testing.T, c *ConnPermissions, _ *fakeClock) {
				expectPub(t, c, "foo", false) // allow_responses turns off the blanket publish allow
				expectPub(t, c, "_INBOX.1", false)
				c.GrantResponse([]byte("_INBOX.1"))
				expectPub(t, c, "_INBOX.1", true)
				expectPub(t, c, "_INBOX.1", false)
				expectPub(t, c, "_INBOX.2", false)
			}},
		{name: "max and renewal", perm: &Permissions{Response: &ResponsePermission{MaxMsgs: 2}},
			steps: func(t *testing.T, c *ConnPermissions, _ *fakeClock) {
				c.GrantResponse([]byte("r"))
				expectPub(t, c, "r", true)
				c.GrantResponse([]byte("r")) // a second request with the same reply renews it
				expectPub(t, c, "r", true)
				expectPub(t, c, "r", true)
				expectPub(t, c, "r", false)
			}},
		{name: "expiry", perm: &Permissions{Response: &ResponsePermission{MaxMsgs: 5, Expires: time.Minute}},
			steps: func(t *testing.T, c *ConnPermissions, clk *fakeClock) {
				c.GrantResponse([]byte("r"))
				clk.Advance(59 * time.Second)
				expectPub(t, c, "r", true)
				clk.Advance(2 * time.Second)
				expectPub(t, c, "r", false)
			}},
		{name: "default expiry is two minutes", perm: &Permissions{Response: &ResponsePermission{MaxMsgs: -1}},
			steps: func(t *testing.T, c *ConnPermissions, clk *fakeClock) {
				c.GrantResponse([]byte("r"))
				for range 10 {
					expectPub(t, c, "r", true)
				}
				clk.Advance(DefaultResponseExpires + time.Second)
				expectPub(t, c, "r", false)
			}},
		{name: "explicit publish allow still works", perm: &Permissions{
			Publish:  &SubjectPermission{Allow: []string{"out.>"}, Deny: []string{"out.secret"}},
			Response: &ResponsePermission{},
		}, steps: func(t *testing.T, c *ConnPermissions, _ *fakeClock) {
			expectPub(t, c, "out.x", true)
			expectPub(t, c, "in", false)
			c.GrantResponse([]byte("out.x")) // allowed anyway: the grant is not spent
			expectPub(t, c, "out.x", true)
			expectPub(t, c, "out.x", true)
			c.GrantResponse([]byte("out.secret")) // a grant overrides publish deny, as in nats-server
			expectPub(t, c, "out.secret", true)
			expectPub(t, c, "out.secret", false)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := newFakeClock()
			c := NewConnPermissions(compiled(t, tc.perm), clk.Now)
			if !c.HasResponsePermission() {
				t.Fatal("HasResponsePermission = false")
			}
			tc.steps(t, c, clk)
		})
	}
	c := NewConnPermissions(compiled(t, &Permissions{Publish: &SubjectPermission{Allow: []string{"x"}}}), nil)
	if c.HasResponsePermission() {
		t.Fatal("HasResponsePermission without allow_responses")
	}
	c.GrantResponse([]byte("r"))
	expectPub(t, c, "r", false)
}

func expectPub(t *testing.T, c *ConnPermissions, subject string, want bool) {
	t.Helper()
	if got := c.CanPublish([]byte(subject)); got != want {
		t.Fatalf("CanPublish(%q) = %v, want %v", subject, got, want)
	}
}

func TestConnStateIsBounded(t *testing.T) {
	clk := newFakeClock()
	c := NewConnPermissions(compiled(t, &Permissions{
		Publish:  &SubjectPermission{Allow: []string{"p.*"}},
		Response: &ResponsePermission{Expires: time.Minute},
	}), clk.Now)
	for i := range 3 * maxPubCache {
		c.CanPublish(fmt.Appendf(nil, "p.%d", i))
	}
	if n := len(c.pubCache); n > maxPubCache {
		t.Fatalf("publish cache holds %d entries, bound is %d", n, maxPubCache)
	}
	for i := range maxResponseGrants + 10 {
		c.GrantResponse(fmt.Appendf(nil, "_INBOX.%d", i))
	}
	if n := len(c.grants); n > maxResponseGrants {
		t.Fatalf("%d grants kept, bound is %d", n, maxResponseGrants)
	}
	// Expired grants go first: after expiry a new grant empties the table.
	clk.Advance(2 * time.Minute)
	for i := range maxResponseGrants {
		c.GrantResponse(fmt.Appendf(nil, "_INBOX.new.%d", i))
	}
	expectPub(t, c, fmt.Sprintf("_INBOX.new.%d", maxResponseGrants-1), true)
	if n := len(c.grants); n > maxResponseGrants {
		t.Fatalf("%d grants kept, bound is %d", n, maxResponseGrants)
	}
}

func TestViolationTexts(t *testing.T) {
	tests := map[string]string{
		PublishViolation([]byte("foo")):                `Permissions Violation for Publish to "foo"`,
		PublishReplyViolation([]byte("_INBOX.x")):      `Permissions Violation for Publish with Reply of "_INBOX.x"`,
		SubscribeViolation([]byte("foo.>"), nil):       `Permissions Violation for Subscription to "foo.>"`,
		SubscribeViolation([]byte("foo"), []byte("q")): `Permissions Violation for Subscription to "foo" using queue "q"`,
		PublishViolation([]byte("a\"b")):               `Permissions Violation for Publish to "a\"b"`,
	}
	for got, want := range tests {
		if got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	}
}
