package auth

import (
	"fmt"
	"strings"
	"time"

	"github.com/evnats/evnats/sublist"
)

// Defaults of allow_responses (nats-server DEFAULT_ALLOW_RESPONSE_*).
const (
	DefaultResponseMaxMsgs = 1
	DefaultResponseExpires = 2 * time.Minute
)

// CompiledPermissions is a user's Permissions, validated and ready to check.
// A nil *CompiledPermissions allows everything. It is immutable and safe for
// concurrent use; per-connection state (the publish cache and allow_responses
// grants) lives in ConnPermissions.
type CompiledPermissions struct {
	pub  rules
	sub  rules
	resp *ResponsePermission // normalized copy; nil when allow_responses is off
}

// rules is one direction (publish or subscribe) of a permission.
type rules struct {
	allowAll bool // there is no allow list
	allow    []rule
	deny     []rule
}

// rule is one permission entry: a subject, possibly with wildcards, and for
// subscribe entries an optional queue group name (which may have wildcards too).
type rule struct {
	subject string
	queue   string // "" for a plain entry
}

// compilePermissions validates p. It returns nil (allow all) when p restricts nothing.
func compilePermissions(p *Permissions) (*CompiledPermissions, error) {
	if p == nil || (p.Publish == nil && p.Subscribe == nil && p.Response == nil) {
		return nil, nil
	}
	cp := &CompiledPermissions{}
	if p.Response != nil {
		r := *p.Response
		if r.MaxMsgs == 0 {
			r.MaxMsgs = DefaultResponseMaxMsgs
		}
		if r.Expires == 0 {
			r.Expires = DefaultResponseExpires
		}
		cp.resp = &r
	}
	var err error
	if cp.pub, err = compileRules(p.Publish, false); err != nil {
		return nil, err
	}
	// As in nats-server, allow_responses without a publish allow list turns
	// off the blanket allow: only replies (and explicit allows) may be published.
	if cp.resp != nil {
		cp.pub.allowAll = false
	}
	if cp.sub, err = compileRules(p.Subscribe, true); err != nil {
		return nil, err
	}
	return cp, nil
}

func compileRules(sp *SubjectPermission, queues bool) (rules, error) {
	var r rules
	if sp == nil {
		r.allowAll = true
		return r, nil
	}
	var err error
	if r.allow, err = compileList(sp.Allow, queues); err != nil {
		return r, err
	}
	if r.deny, err = compileList(sp.Deny, queues); err != nil {
		return r, err
	}
	r.allowAll = len(r.allow) == 0
	return r, nil
}

func compileList(list []string, queues bool) ([]rule, error) {
	out := make([]rule, 0, len(list))
	for _, entry := range list {
		f := strings.Fields(entry)
		kind := "publish"
		if queues {
			kind = "subscribe"
		}
		switch {
		case len(f) == 1 && sublist.ValidSubject(f[0]):
			out = append(out, rule{subject: f[0]})
		case len(f) == 2 && queues && sublist.ValidSubject(f[0]) && sublist.ValidQueueName([]byte(f[1])):
			out = append(out, rule{subject: f[0], queue: f[1]})
		default:
			return nil, fmt.Errorf("invalid %s permission subject %q", kind, entry)
		}
	}
	return out, nil
}

// HasResponsePermission reports whether allow_responses is on.
func (p *CompiledPermissions) HasResponsePermission() bool {
	return p != nil && p.resp != nil
}

// PublishAllowed reports whether the allow and deny lists let the user publish
// to subject; allow_responses grants are per connection (ConnPermissions). It
// does not allocate. Safe for concurrent use.
func (p *CompiledPermissions) PublishAllowed(subject []byte) bool {
	if p == nil {
		return true
	}
	return p.pub.publishAllowed(subject)
}

// SubscribeAllowed reports whether the user may subscribe to subject, in queue
// group queue when queue is not empty. A wildcard subject is allowed only when
// every subject it can match is allowed and none of them is denied. Safe for
// concurrent use.
func (p *CompiledPermissions) SubscribeAllowed(subject, queue string) bool {
	if p == nil {
		return true
	}
	return p.sub.subscribeAllowed(subject, queue)
}

// publishAllowed: the allow list (if any) must match, then no deny entry may.
func (r *rules) publishAllowed(subject []byte) bool {
	if !r.allowAll {
		ok := false
		for i := range r.allow {
			if sublist.SubjectMatchesBytes(r.allow[i].subject, subject) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	for i := range r.deny {
		if sublist.SubjectMatchesBytes(r.deny[i].subject, subject) {
			return false
		}
	}
	return true
}

// subscribeAllowed applies the subscribe rules. It is stricter than
// nats-server in two ways: a wildcard subscription must be covered by an allow
// entry as a whole (nats-server matches it like a literal) and may not overlap
// any deny entry (nats-server accepts it and filters at delivery); and a plain
// deny entry refuses a queue subscription whatever queue deny entries say.
//
// Like nats-server, queue-form allow entries that overlap the subject restrict
// which queues may subscribe to it: with allow ["foo", "foo v1"], a plain SUB
// foo and a SUB foo v1 are allowed but SUB foo v2 is not. Queue-form entries
// never allow a plain subscription.
func (r *rules) subscribeAllowed(subject, queue string) bool {
	if !r.allowAll {
		plain, queued, constrained := false, false, false
		for _, e := range r.allow {
			switch {
			case e.queue == "":
				plain = plain || sublist.IsSubsetMatch(subject, e.subject)
			case queue == "":
			case sublist.SubjectsCollide(subject, e.subject):
				constrained = true
				queued = queued || (queueMatches(queue, e.queue) && sublist.IsSubsetMatch(subject, e.subject))
			}
		}
		if !queued && (!plain || constrained) {
			return false
		}
	}
	for _, e := range r.deny {
		if !sublist.SubjectsCollide(subject, e.subject) {
			continue
		}
		if e.queue == "" || (queue != "" && queueMatches(queue, e.queue)) {
			return false
		}
	}
	return true
}

// queueMatches reports whether a queue group name is matched by a permission's
// queue pattern, which may use subject wildcards ("*.dev", "v1.>").
func queueMatches(queue, pattern string) bool {
	return queue == pattern || sublist.IsSubsetMatch(queue, pattern)
}
