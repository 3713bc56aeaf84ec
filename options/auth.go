package options

import (
	"strings"
	"time"

	"github.com/evnats/evnats/auth"
	"github.com/evnats/evnats/conf"
)

// Defaults of allow_responses: true, as nats-server has them.
const (
	DefaultResponseMaxMsgs = 1
	DefaultResponseExpires = 2 * time.Minute
)

// authTimeoutWarn is the authorization timeout above which a warning suggests the
// value was meant as a duration (an unquoted 1m is 1000000 seconds).
const authTimeoutWarn = 60 * time.Second

// Texts of the authorization exclusions, as nats-server words them.
const (
	errUserAndToken  = "Cannot have a user/pass and token"
	errUserAndUsers  = "Can not have a single user/pass and a users array"
	errTokenAndUsers = "Can not have a token and a users array"
)

func parseAuthorization(p *fileParser, e *conf.Entry) {
	m, ok := p.mapOf(e)
	if !ok {
		return
	}
	var a auth.Config
	var users *conf.Entry
	for _, k := range m.Entries() {
		switch lower(k) {
		case "user", "username":
			a.Username, _ = p.str(k)
		case "pass", "password":
			a.Password, _ = p.str(k)
		case "token":
			a.Token, _ = p.str(k)
		case "timeout":
			a.Timeout = p.authTimeout(k)
		case "users":
			users = k
			a.Users = p.users(k)
		case "default_permission", "default_permissions", "permissions":
			a.DefaultPermissions = p.permissions(k)
		case "auth_callout", "callout", "proxy_required", "nkeys", "accounts":
			p.unsupported(k)
		default:
			p.unknown(k, "authorization {}")
		}
	}
	switch {
	case (a.Username != "" || a.Password != "") && a.Token != "":
		p.fail(e.Value.Pos, errUserAndToken)
	case users != nil && a.Username != "":
		p.fail(e.Value.Pos, errUserAndUsers)
	case users != nil && a.Token != "":
		p.fail(e.Value.Pos, errTokenAndUsers)
	}
	p.o.Auth = a
}

// authTimeout reads a timeout in seconds (integer or float) or a duration string.
func (p *fileParser) authTimeout(e *conf.Entry) time.Duration {
	d, ok := p.duration(e, false)
	if ok && d > authTimeoutWarn {
		p.warn(e.Value.Pos, "%q of %v is over a minute; if a duration was meant, quote it, as in \"1m\" (unquoted 1m is 1000000)", e.Key, d)
	}
	return d
}

// users reads the users array. Duplicate user names are errors.
func (p *fileParser) users(e *conf.Entry) []*auth.User {
	list, ok := e.Value.V.([]*conf.Value)
	if !ok {
		p.typeError(e, "an array of users")
		return nil
	}
	users := make([]*auth.User, 0, len(list))
	seen := make(map[string]bool, len(list))
	for _, el := range list {
		m, ok := el.V.(*conf.Map)
		if !ok {
			p.fail(el.Pos, "expected a map for a user entry, got %s", describeValue(el.V))
			continue
		}
		u := p.user(m)
		if u == nil {
			continue
		}
		if u.Username == "" {
			p.fail(el.Pos, "User entry requires a user")
			continue
		}
		if seen[u.Username] {
			p.fail(el.Pos, "Duplicate user %q detected", u.Username)
			continue
		}
		seen[u.Username] = true
		users = append(users, u)
	}
	return users
}

func (p *fileParser) user(m *conf.Map) *auth.User {
	u := &auth.User{}
	for _, k := range m.Entries() {
		switch lower(k) {
		case "user", "username":
			u.Username, _ = p.str(k)
		case "pass", "password":
			u.Password, _ = p.str(k)
		case "permission", "permissions", "authorization":
			u.Permissions = p.permissions(k)
		case "nkey", "allowed_connection_types", "connection_types", "clients", "proxy_required", "account":
			p.unsupported(k)
		default:
			p.unknown(k, "a user entry")
		}
	}
	return u
}

// permissions reads a permissions map: publish and subscribe (each a subject, a
// list, or {allow, deny}) and allow_responses.
func (p *fileParser) permissions(e *conf.Entry) *auth.Permissions {
	m, ok := p.mapOf(e)
	if !ok {
		return nil
	}
	perms := &auth.Permissions{}
	for _, k := range m.Entries() {
		switch lower(k) {
		case "publish", "pub", "import":
			perms.Publish = p.subjectPermission(k, false)
		case "subscribe", "sub", "export":
			perms.Subscribe = p.subjectPermission(k, true)
		case "allow_responses", "publish_allow_responses":
			perms.Response = p.responsePermission(k)
		default:
			p.unknown(k, "permissions")
		}
	}
	return perms
}

// subjectPermission reads a subject, a list of subjects, or {allow, deny}.
// Subscribe subjects may name a queue group: "subject queue".
func (p *fileParser) subjectPermission(e *conf.Entry, subscribe bool) *auth.SubjectPermission {
	sp := &auth.SubjectPermission{}
	m, isMap := e.Value.V.(*conf.Map)
	if !isMap {
		sp.Allow = p.subjects(e, subscribe)
		return sp
	}
	for _, k := range m.Entries() {
		switch lower(k) {
		case "allow":
			sp.Allow = p.subjects(k, subscribe)
		case "deny":
			sp.Deny = p.subjects(k, subscribe)
		default:
			p.unknown(k, e.Key+" permissions")
		}
	}
	return sp
}

func (p *fileParser) subjects(e *conf.Entry, subscribe bool) []string {
	list, ok := p.stringList(e)
	if !ok {
		return nil
	}
	for _, s := range list {
		if !validPermissionSubject(s, subscribe) {
			p.fail(e.Value.Pos, "invalid subject %q in %q", s, e.Key)
		}
	}
	return list
}

// responsePermission reads allow_responses: true (the defaults), false, or
// {max|max_msgs, expires|ttl}.
func (p *fileParser) responsePermission(e *conf.Entry) *auth.ResponsePermission {
	switch v := e.Value.V.(type) {
	case bool:
		if !v {
			return nil
		}
		return &auth.ResponsePermission{MaxMsgs: DefaultResponseMaxMsgs, Expires: DefaultResponseExpires}
	case *conf.Map:
		rp := &auth.ResponsePermission{MaxMsgs: DefaultResponseMaxMsgs, Expires: DefaultResponseExpires}
		for _, k := range v.Entries() {
			switch lower(k) {
			case "max", "max_msgs", "max_messages", "max_responses":
				if n, ok := p.count(k); ok && n > 0 {
					rp.MaxMsgs = n
				}
			case "expires", "expiration", "ttl":
				if d, ok := p.duration(k, false); ok && d > 0 {
					rp.Expires = d
				}
			default:
				p.unknown(k, e.Key)
			}
		}
		return rp
	}
	p.typeError(e, "a boolean or a map")
	return nil
}

// validPermissionSubject reports whether s is a valid subject (wildcards allowed),
// or, for subscribe, "subject queue".
func validPermissionSubject(s string, subscribe bool) bool {
	fields := strings.Fields(s)
	switch {
	case len(fields) == 1 && fields[0] == s:
		return validSubject(s)
	case subscribe && len(fields) == 2:
		return validSubject(fields[0]) && validSubject(fields[1])
	}
	return false
}

// validSubject reports whether s is a valid subject: non-empty dot-separated
// tokens without whitespace, with '>' only as the last token.
func validSubject(s string) bool {
	if s == "" || strings.ContainsAny(s, " \t\r\n") {
		return false
	}
	tokens := strings.Split(s, ".")
	for i, t := range tokens {
		if t == "" || (t == ">" && i != len(tokens)-1) {
			return false
		}
	}
	return true
}
