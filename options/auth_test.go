package options

import (
	"reflect"
	"testing"
	"time"

	"github.com/evnats/evnats/auth"
)

func TestAuthorization(t *testing.T) {
	defaultResp := &auth.ResponsePermission{MaxMsgs: DefaultResponseMaxMsgs, Expires: DefaultResponseExpires}
	tests := []struct {
		name string
		src  string
		want auth.Config
	}{
		{name: "user and password", src: "user: derek\npassword: s3cret", want: auth.Config{Username: "derek", Password: "s3cret"}},
		{name: "username and pass", src: "username: derek\npass: s3cret", want: auth.Config{Username: "derek", Password: "s3cret"}},
		{name: "bcrypt password", src: "user: derek\npassword: $2a$11$W2zko751KUvVy59mUTWmpOdWjpEm5qhcCZRd05GjI/sSOT.xtiHyG",
			want: auth.Config{Username: "derek", Password: "$2a$11$W2zko751KUvVy59mUTWmpOdWjpEm5qhcCZRd05GjI/sSOT.xtiHyG"}},
		{name: "token", src: "token: t0k3n", want: auth.Config{Token: "t0k3n"}},
		{name: "timeout seconds", src: "timeout: 1", want: auth.Config{Timeout: time.Second}},
		{name: "timeout float", src: "timeout: 0.5", want: auth.Config{Timeout: 500 * time.Millisecond}},
		{name: "timeout duration", src: `timeout: "1m"`, want: auth.Config{Timeout: time.Minute}},
		{name: "users", src: "users = [\n  {user: a, password: b}\n  {username: c, pass: d}\n  {user: \"derek@nats.io\"}\n]",
			want: auth.Config{Users: []*auth.User{{Username: "a", Password: "b"}, {Username: "c", Password: "d"}, {Username: "derek@nats.io"}}}},
		{name: "permissions forms", src: `users = [{user: a, permissions: {publish: "foo", subscribe: ["bar", "baz.>"]}}]`,
			want: auth.Config{Users: []*auth.User{{Username: "a", Permissions: &auth.Permissions{
				Publish: &auth.SubjectPermission{Allow: []string{"foo"}}, Subscribe: &auth.SubjectPermission{Allow: []string{"bar", "baz.>"}}}}}}},
		{name: "permission alias", src: `users = [{user: a, permission: {pub: "foo", sub: "bar"}}]`,
			want: auth.Config{Users: []*auth.User{{Username: "a", Permissions: &auth.Permissions{
				Publish: &auth.SubjectPermission{Allow: []string{"foo"}}, Subscribe: &auth.SubjectPermission{Allow: []string{"bar"}}}}}}},
		{name: "authorization alias", src: `users = [{user: a, authorization: {import: "foo", export: "bar"}}]`,
			want: auth.Config{Users: []*auth.User{{Username: "a", Permissions: &auth.Permissions{
				Publish: &auth.SubjectPermission{Allow: []string{"foo"}}, Subscribe: &auth.SubjectPermission{Allow: []string{"bar"}}}}}}},
		{name: "allow and deny", src: `users = [{user: a, permissions: {publish: {allow: ["req.*"], deny: "req.admin"}, subscribe: {deny: [">"]}}}]`,
			want: auth.Config{Users: []*auth.User{{Username: "a", Permissions: &auth.Permissions{
				Publish:   &auth.SubjectPermission{Allow: []string{"req.*"}, Deny: []string{"req.admin"}},
				Subscribe: &auth.SubjectPermission{Deny: []string{">"}}}}}}},
		{name: "queue subscribe", src: `users = [{user: a, permissions: {subscribe: "jobs.* workers"}}]`,
			want: auth.Config{Users: []*auth.User{{Username: "a", Permissions: &auth.Permissions{
				Subscribe: &auth.SubjectPermission{Allow: []string{"jobs.* workers"}}}}}}},
		{name: "allow_responses true", src: `users = [{user: a, permissions: {allow_responses: true}}]`,
			want: auth.Config{Users: []*auth.User{{Username: "a", Permissions: &auth.Permissions{Response: defaultResp}}}}},
		{name: "allow_responses false", src: `users = [{user: a, permissions: {allow_responses: false}}]`,
			want: auth.Config{Users: []*auth.User{{Username: "a", Permissions: &auth.Permissions{}}}}},
		{name: "allow_responses map", src: `users = [{user: a, permissions: {publish_allow_responses: {max: 5, expires: "1m"}}}]`,
			want: auth.Config{Users: []*auth.User{{Username: "a", Permissions: &auth.Permissions{Response: &auth.ResponsePermission{MaxMsgs: 5, Expires: time.Minute}}}}}},
		{name: "allow_responses aliases", src: `users = [{user: a, permissions: {allow_responses: {max_msgs: 2, ttl: "5s"}}}]`,
			want: auth.Config{Users: []*auth.User{{Username: "a", Permissions: &auth.Permissions{Response: &auth.ResponsePermission{MaxMsgs: 2, Expires: 5 * time.Second}}}}}},
		{name: "default_permissions", src: `default_permissions: {publish: "foo"}`,
			want: auth.Config{DefaultPermissions: &auth.Permissions{Publish: &auth.SubjectPermission{Allow: []string{"foo"}}}}},
		{name: "default_permission", src: `default_permission: {subscribe: "foo"}`,
			want: auth.Config{DefaultPermissions: &auth.Permissions{Subscribe: &auth.SubjectPermission{Allow: []string{"foo"}}}}},
		{name: "block-level permissions", src: `permissions: {publish: "foo"}`,
			want: auth.Config{DefaultPermissions: &auth.Permissions{Publish: &auth.SubjectPermission{Allow: []string{"foo"}}}}},
		{name: "permissions from a variable", src: "P = {publish: \"foo\"}\nusers = [{user: a, permissions: $P}]",
			want: auth.Config{Users: []*auth.User{{Username: "a", Permissions: &auth.Permissions{Publish: &auth.SubjectPermission{Allow: []string{"foo"}}}}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := load(t, "authorization {\n"+tc.src+"\n}\n")
			if !reflect.DeepEqual(o.Auth, tc.want) {
				t.Fatalf("got  %#v\nwant %#v", o.Auth, tc.want)
			}
		})
	}
}

func TestAuthorizationErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string
	}{
		{name: "user and token", src: "user: a\ntoken: b", want: "Cannot have a user/pass and token"},
		{name: "user and users", src: "user: a\nusers: [{user: b}]", want: "Can not have a single user/pass and a users array"},
		{name: "token and users", src: "token: a\nusers: [{user: b}]", want: "Can not have a token and a users array"},
		{name: "duplicate user", src: "users: [{user: a}, {user: a}]", want: `Duplicate user "a" detected`},
		{name: "user without name", src: "users: [{password: a}]", want: "User entry requires a user"},
		{name: "users not an array", src: "users: a", want: `expected an array of users for "users"`},
		{name: "user not a map", src: "users: [a]", want: "expected a map for a user entry, got string"},
		{name: "invalid subject", src: `users: [{user: a, permissions: {publish: "foo..bar"}}]`, want: `invalid subject "foo..bar" in "publish"`},
		{name: "wildcard not last", src: `users: [{user: a, permissions: {subscribe: "foo.>.bar"}}]`, want: `invalid subject "foo.>.bar"`},
		{name: "queue in publish", src: `users: [{user: a, permissions: {publish: "foo bar"}}]`, want: `invalid subject "foo bar"`},
		{name: "subject not a string", src: `users: [{user: a, permissions: {publish: [1]}}]`, want: `expected strings in "publish", got integer 1`},
		{name: "unknown in authorization", src: "bogus: 1", want: `unknown field "bogus" in authorization {}`},
		{name: "unknown in user", src: "users: [{user: a, bogus: 1}]", want: `unknown field "bogus" in a user entry`},
		{name: "unknown in permissions", src: "users: [{user: a, permissions: {bogus: 1}}]", want: `unknown field "bogus" in permissions`},
		{name: "unknown in allow-deny", src: `users: [{user: a, permissions: {publish: {bogus: "x"}}}]`, want: `unknown field "bogus" in publish permissions`},
		{name: "unknown in allow_responses", src: "users: [{user: a, permissions: {allow_responses: {bogus: 1}}}]", want: `unknown field "bogus" in allow_responses`},
		{name: "allow_responses type", src: "users: [{user: a, permissions: {allow_responses: 1}}]", want: `expected a boolean or a map for "allow_responses"`},
		{name: "nkey", src: "users: [{nkey: UABC}]", want: `"nkey" is not supported by evnats`},
		{name: "auth_callout", src: "auth_callout {}", want: `"auth_callout" is not supported by evnats`},
		{name: "permissions not a map", src: "users: [{user: a, permissions: foo}]", want: `expected a map for "permissions", got string "foo"`},
		{name: "bad timeout", src: `timeout: "soon"`, want: `invalid duration "soon" for "timeout"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantErr(t, loadErr(t, "authorization {\n"+tc.src+"\n}\n"), tc.want)
		})
	}
}

func TestValidSubject(t *testing.T) {
	tests := []struct {
		s         string
		subscribe bool
		ok        bool
	}{
		{s: "foo", ok: true}, {s: "foo.bar", ok: true}, {s: "foo.*", ok: true}, {s: ">", ok: true}, {s: "foo.>", ok: true},
		{s: "foo*", ok: true}, {s: "", ok: false}, {s: ".foo", ok: false}, {s: "foo.", ok: false}, {s: "foo..bar", ok: false},
		{s: ">.foo", ok: false}, {s: "foo bar", ok: false}, {s: "foo\tbar", ok: false},
		{s: "foo bar", subscribe: true, ok: true}, {s: "foo.> q", subscribe: true, ok: true}, {s: "foo  bar", subscribe: true, ok: true},
		{s: "foo bar baz", subscribe: true, ok: false}, {s: "foo.. q", subscribe: true, ok: false},
	}
	for _, tc := range tests {
		if got := validPermissionSubject(tc.s, tc.subscribe); got != tc.ok {
			t.Errorf("validPermissionSubject(%q, %v) = %v", tc.s, tc.subscribe, got)
		}
	}
}
