package auth

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"strings"
	"testing"
)

var (
	oidCN  = asn1.ObjectIdentifier{2, 5, 4, 3}
	oidO   = asn1.ObjectIdentifier{2, 5, 4, 10}
	oidUID = asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 1}
)

func TestVerifyAndMap(t *testing.T) {
	ca := newTestCA(t)
	multiValued, err := asn1.Marshal(pkix.RDNSequence{
		{{Type: oidO, Value: "Acme"}},
		{{Type: oidCN, Value: "bob"}, {Type: oidUID, Value: "7"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	pubFoo := &Permissions{Publish: &SubjectPermission{Allow: []string{"foo"}}}
	a := mustNew(t, Config{Users: []*User{
		{Username: "derek@nats.io", Permissions: pubFoo},
		{Username: "CN=example.com,OU=CNCF", Permissions: pubFoo},
		{Username: "OU=Eng, CN=alice, O=Acme"},
		{Username: "UID=7+CN=bob,O=Acme"},
		{Username: "db.example.org"},
		{Username: "spiffe://example.org/svc"},
		{Username: "withpass@nats.io", Password: "secret"},
		{Username: "plain"},
	}})
	tests := []struct {
		name     string
		spec     certSpec
		connUser string
		wantUser string
		wantBy   string
	}{
		{name: "SAN email", spec: certSpec{subject: pkix.Name{CommonName: "whatever"}, dnsNames: []string{"localhost"}, emails: []string{"derek@nats.io"}},
			wantUser: "derek@nats.io", wantBy: "email"},
		{name: "second email", spec: certSpec{emails: []string{"nobody@nats.io", "derek@nats.io"}}, wantUser: "derek@nats.io", wantBy: "email"},
		{name: "email before DNS", spec: certSpec{dnsNames: []string{"db.example.org"}, emails: []string{"derek@nats.io"}}, wantUser: "derek@nats.io", wantBy: "email"},
		{name: "DNS SAN", spec: certSpec{dnsNames: []string{"localhost", "db.example.org"}, emails: []string{"x@y.z"}}, wantUser: "db.example.org", wantBy: "SAN"},
		{name: "URI SAN", spec: certSpec{uris: []string{"spiffe://example.org/svc"}}, wantUser: "spiffe://example.org/svc", wantBy: "URI"},
		{name: "DN in RFC 2253 order", spec: certSpec{subject: pkix.Name{OrganizationalUnit: []string{"CNCF"}, CommonName: "example.com"}},
			wantUser: "CN=example.com,OU=CNCF", wantBy: "DN"},
		{name: "DN with RDNs in another order", spec: certSpec{subject: pkix.Name{Organization: []string{"Acme"}, OrganizationalUnit: []string{"Eng"}, CommonName: "alice"}},
			wantUser: "OU=Eng, CN=alice, O=Acme", wantBy: "DN"},
		{name: "multi-valued RDN", spec: certSpec{rawSubject: multiValued}, wantUser: "UID=7+CN=bob,O=Acme", wantBy: "DN"},
		{name: "connect user ignored", spec: certSpec{emails: []string{"derek@nats.io"}}, connUser: "plain", wantUser: "derek@nats.io", wantBy: "email"},
		{name: "unmapped cert", spec: certSpec{subject: pkix.Name{CommonName: "stranger"}, emails: []string{"stranger@nats.io"}, dnsNames: []string{"localhost"}}},
		{name: "DN with an extra RDN", spec: certSpec{subject: pkix.Name{Organization: []string{"X"}, OrganizationalUnit: []string{"CNCF"}, CommonName: "example.com"}}},
		{name: "DN value differs in case", spec: certSpec{subject: pkix.Name{OrganizationalUnit: []string{"cncf"}, CommonName: "example.com"}}},
		{name: "user with a password is never mapped", spec: certSpec{emails: []string{"withpass@nats.io"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			creds := &Credentials{User: tc.connUser, Pass: "secret", MapCerts: true, VerifiedChains: ca.issue(t, tc.spec)}
			if a.IsSlow(creds) {
				t.Fatal("certificate mapping must not be slow")
			}
			id, err := a.Check(creds)
			if tc.wantUser == "" {
				requireAuthErr(t, err)
				if !strings.Contains(err.Error(), "client certificate") {
					t.Fatalf("error %q does not describe the certificate", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			if id.User != tc.wantUser || id.MatchedBy != tc.wantBy {
				t.Fatalf("identity %+v, want %q by %q", id, tc.wantUser, tc.wantBy)
			}
			if (tc.connUser != "") != (id.Notice != "") {
				t.Fatalf("notice %q for connect user %q", id.Notice, tc.connUser)
			}
			if tc.wantUser == "derek@nats.io" && (id.Perms == nil || id.Perms.PublishAllowed([]byte("bar"))) {
				t.Fatal("mapped user lost its permissions")
			}
		})
	}

	t.Run("no certificate", func(t *testing.T) {
		_, err := a.Check(&Credentials{User: "plain", MapCerts: true})
		requireAuthErr(t, err)
	})
	t.Run("mapping off uses passwords", func(t *testing.T) {
		chains := ca.issue(t, certSpec{emails: []string{"derek@nats.io"}})
		if _, err := a.Check(&Credentials{VerifiedChains: chains}); err == nil {
			t.Fatal("a certificate must not authenticate without verify_and_map")
		}
		if _, err := a.Check(&Credentials{User: "withpass@nats.io", Pass: "secret", VerifiedChains: chains}); err != nil {
			t.Fatal(err)
		}
	})
}

func TestVerifyAndMapWithoutUsers(t *testing.T) {
	// verify_and_map only maps into a users list; otherwise the other methods apply.
	ca := newTestCA(t)
	chains := ca.issue(t, certSpec{emails: []string{"derek@nats.io"}})
	a := mustNew(t, Config{Token: "tok"})
	if _, err := a.Check(&Credentials{Token: "tok", MapCerts: true, VerifiedChains: chains}); err != nil {
		t.Fatal(err)
	}
	none := mustNew(t, Config{})
	if _, err := none.Check(&Credentials{MapCerts: true, VerifiedChains: chains}); err != nil {
		t.Fatal(err)
	}
}

func TestRouteCheckCert(t *testing.T) {
	ca := newTestCA(t)
	tests := []struct {
		name string
		user string
		spec certSpec
		ok   bool
	}{
		{name: "DNS SAN", user: "route.example.org", spec: certSpec{dnsNames: []string{"route.example.org"}}, ok: true},
		{name: "DN", user: "CN=srv-a,O=evnats", spec: certSpec{subject: pkix.Name{Organization: []string{"evnats"}, CommonName: "srv-a"}}, ok: true},
		{name: "other DN", user: "CN=srv-a,O=evnats", spec: certSpec{subject: pkix.Name{CommonName: "srv-b"}}},
		{name: "no user configured", user: "", spec: certSpec{subject: pkix.Name{CommonName: "any"}}, ok: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := NewRouteAuth(RouteConfig{Username: tc.user})
			if err != nil {
				t.Fatal(err)
			}
			err = r.CheckCert(ca.issue(t, tc.spec))
			if tc.ok && err != nil {
				t.Fatal(err)
			}
			if !tc.ok {
				requireAuthErr(t, err)
			}
		})
	}
	r, _ := NewRouteAuth(RouteConfig{Username: "x"})
	requireAuthErr(t, r.CheckCert(nil))
	requireAuthErr(t, r.CheckCert([][]*x509.Certificate{{}}))
}
