package auth

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"testing"
)

func TestParseDN(t *testing.T) {
	tests := []struct {
		in   string
		want string // canonical String(); "" with ok means the empty DN
		err  bool
	}{
		{in: "CN=example.com,OU=CNCF", want: "CN=example.com,OU=CNCF"},
		{in: "cn=example.com, ou=CNCF", want: "CN=example.com,OU=CNCF"},
		{in: "  CN = example.com ;  OU = CNCF  ", want: "CN=example.com,OU=CNCF"},
		{in: "UID=7+CN=bob,O=Acme", want: "CN=bob+UID=7,O=Acme"},
		{in: "CN=bob + UID=7,O=Acme", want: "CN=bob+UID=7,O=Acme"},
		{in: `CN=Smith\, John,O=Acme`, want: `CN=Smith\, John,O=Acme`},
		{in: `CN=a\+b\=c\;d\<e\>f\"g\\h`, want: `CN=a\+b=c\;d\<e\>f\"g\\h`},
		{in: `CN=\23hash`, want: `CN=\#hash`},
		{in: `CN=\ lead and trail\ `, want: `CN=\ lead and trail\ `},
		{in: `CN=trailing spaces   ,O=x`, want: `CN=trailing spaces,O=x`},
		{in: `CN=caf\C3\A9`, want: "CN=café"},
		{in: `O="Acme, Inc.",C=US`, want: `O=Acme\, Inc.,C=US`},
		{in: `O="say \"hi\""`, want: `O=say \"hi\"`},
		{in: "2.5.4.3=bob,OID.2.5.4.11=eng,oid.2.5.4.10=acme", want: "CN=bob,OU=eng,O=acme"},
		{in: "1.2.3.4=x", want: "1.2.3.4=x"},
		{in: "CN=#0c03626f62", want: "CN=bob"},
		{in: "CN=#0403010203", want: "CN=#0403010203"},
		{in: "emailAddress=a@b.c,street=Main St,st=CA,l=SF,dc=org,c=US", want: "EMAILADDRESS=a@b.c,STREET=Main St,ST=CA,L=SF,DC=org,C=US"},
		{in: "title=boss", want: "TITLE=boss"},
		{in: "CN=", want: "CN="},
		{in: "CN=a=b", want: "CN=a=b"},
		{in: "", want: ""},
		{in: "   ", want: ""},
		{in: "derek@nats.io", err: true},
		{in: "localhost", err: true},
		{in: "CN=a,", err: true},
		{in: ",CN=a", err: true},
		{in: "=a", err: true},
		{in: "C N=a", err: true},
		{in: "1CN=a", err: true},
		{in: "1..2=a", err: true},
		{in: "01.2=a", err: true},
		{in: `CN=a\`, err: true},
		{in: `CN=a\zz`, err: true},
		{in: `CN=a\4`, err: true},
		{in: `CN="open`, err: true},
		{in: `CN="q"x`, err: true},
		{in: "CN=#", err: true},
		{in: "CN=#abc", err: true},
		{in: "CN=#0c03626f62x", err: true},
		{in: `CN=\ff`, err: true},
		{in: "CN=a+", err: true},
		{in: "OID.=a", err: true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			dn, err := parseDN(tc.in)
			if tc.err {
				if err == nil {
					t.Fatalf("parseDN(%q) = %v, want an error", tc.in, dn)
				}
				if !errors.Is(err, errDNSyntax) {
					t.Fatalf("error %v does not wrap errDNSyntax", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseDN(%q): %v", tc.in, err)
			}
			if got := dn.String(); got != tc.want {
				t.Fatalf("parseDN(%q) = %q, want %q", tc.in, got, tc.want)
			}
			again, err := parseDN(dn.String())
			if err != nil || !again.equal(dn) {
				t.Fatalf("String() does not round-trip: %q -> %v, %v", dn.String(), again, err)
			}
		})
	}
}

func TestDNCompare(t *testing.T) {
	tests := []struct {
		a, b         string
		equal, rdnEq bool
	}{
		{a: "CN=x,OU=y", b: "cn=x, ou=y", equal: true, rdnEq: true},
		{a: "CN=x,OU=y", b: "OU=y,CN=x", rdnEq: true},
		{a: "CN=x+UID=1,O=y", b: "UID=1+CN=x,O=y", equal: true, rdnEq: true},
		{a: "CN=x,OU=y", b: "CN=x,OU=y,O=z"},
		{a: "CN=x,OU=y", b: "CN=X,OU=y"},
		{a: "CN=x,CN=x", b: "CN=x,OU=x"},
		{a: "CN=x+OU=y", b: "CN=x,OU=y"},
		{a: `CN=\#0403010203`, b: "CN=#0403010203"},
		{a: "CN=#0c03626f62", b: "CN=bob", equal: true, rdnEq: true},
	}
	for _, tc := range tests {
		a, errA := parseDN(tc.a)
		b, errB := parseDN(tc.b)
		if errA != nil || errB != nil {
			t.Fatalf("parse: %v %v", errA, errB)
		}
		if a.equal(b) != tc.equal || b.equal(a) != tc.equal {
			t.Errorf("%q equal %q: want %v", tc.a, tc.b, tc.equal)
		}
		if a.sameRDNs(b) != tc.rdnEq || b.sameRDNs(a) != tc.rdnEq {
			t.Errorf("%q sameRDNs %q: want %v", tc.a, tc.b, tc.rdnEq)
		}
	}
}

func TestDNFromCertSubject(t *testing.T) {
	name := pkix.Name{Country: []string{"US"}, Organization: []string{"Acme, Inc."}, OrganizationalUnit: []string{"CNCF"}, CommonName: "example.com"}
	raw, err := asn1.Marshal(name.ToRDNSequence())
	if err != nil {
		t.Fatal(err)
	}
	got, err := dnFromCertSubject(raw)
	if err != nil {
		t.Fatal(err)
	}
	want, err := parseDN(`CN=example.com,OU=CNCF,O=Acme\, Inc.,C=US`)
	if err != nil {
		t.Fatal(err)
	}
	if !got.equal(want) {
		t.Fatalf("got %s, want %s", got, want)
	}
	// Go's own RFC 2253 rendering of the subject parses to the same DN.
	if fromGo, err := parseDN(name.String()); err != nil || !fromGo.equal(got) {
		t.Fatalf("pkix.Name.String() %q parsed to %v, %v", name.String(), fromGo, err)
	}
	if _, err := dnFromCertSubject([]byte{0x30, 0x03, 0x01}); err == nil {
		t.Fatal("garbage subject accepted")
	}
}

func FuzzDN(f *testing.F) {
	for _, s := range []string{
		"CN=example.com,OU=CNCF", "UID=7+CN=bob,O=Acme", `CN=Smith\, John`, `O="Acme, Inc."`,
		"CN=#0c03626f62", "OID.2.5.4.3=x", `CN=\C3\A9`, "", ",", "=", `\`, `"`, "#", "CN=a+", "a=b;c=d",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		dn, err := parseDN(s)
		if err != nil {
			return
		}
		// Whatever parses must render to a string that parses to the same DN.
		again, err := parseDN(dn.String())
		if err != nil {
			t.Fatalf("%q rendered as %q, which does not parse: %v", s, dn.String(), err)
		}
		if !again.equal(dn) || !dn.sameRDNs(again) {
			t.Fatalf("%q -> %q -> %q: not equal", s, dn.String(), again.String())
		}
	})
}
