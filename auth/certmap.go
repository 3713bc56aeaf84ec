package auth

import (
	"crypto/x509"
	"strconv"
	"strings"
)

// How a certificate identity was matched (Identity.MatchedBy).
const (
	MatchedByEmail    = "email"
	MatchedBySAN      = "SAN"
	MatchedByURI      = "URI"
	MatchedByDN       = "DN"
	MatchedByPassword = "password"
	MatchedByToken    = "token"
)

// dnCandidate is a user whose name parses as a distinguished name.
type dnCandidate struct {
	name string
	dn   distinguishedName
}

// newDNCandidate returns the candidate for name, or false when name is not a DN.
func newDNCandidate(name string) (dnCandidate, bool) {
	dn, err := parseDN(name)
	if err != nil || len(dn) == 0 {
		return dnCandidate{}, false
	}
	return dnCandidate{name: name, dn: dn}, true
}

// mapCertificate finds the user a client certificate identifies, in
// nats-server's order: every SAN email, every SAN DNS name, every SAN URI
// (each looked up exactly with known), then the subject DN, first against
// users whose name is the same DN, then against users with the same RDNs in
// another order. It returns the user name and how it matched, or ok false.
func mapCertificate(cert *x509.Certificate, known func(string) bool, dns []dnCandidate) (name, how string, ok bool) {
	for _, e := range cert.EmailAddresses {
		if known(e) {
			return e, MatchedByEmail, true
		}
	}
	for _, d := range cert.DNSNames {
		if known(d) {
			return d, MatchedBySAN, true
		}
	}
	for _, u := range cert.URIs {
		if s := u.String(); known(s) {
			return s, MatchedByURI, true
		}
	}
	if len(dns) == 0 {
		return "", "", false
	}
	subject, err := dnFromCertSubject(cert.RawSubject)
	if err != nil || len(subject) == 0 {
		return "", "", false
	}
	for _, c := range dns {
		if c.dn.equal(subject) {
			return c.name, MatchedByDN, true
		}
	}
	for _, c := range dns {
		if c.dn.sameRDNs(subject) {
			return c.name, MatchedByDN, true
		}
	}
	return "", "", false
}

// leafCertificate returns the peer's certificate from verified chains, or nil.
func leafCertificate(chains [][]*x509.Certificate) *x509.Certificate {
	if len(chains) == 0 || len(chains[0]) == 0 {
		return nil
	}
	return chains[0][0]
}

// describeCert names a certificate for a refusal log line: its subject and SANs.
func describeCert(cert *x509.Certificate) string {
	s := "subject " + strconv.Quote(cert.Subject.String())
	if len(cert.EmailAddresses) > 0 {
		s += ", emails " + quoteList(cert.EmailAddresses)
	}
	if len(cert.DNSNames) > 0 {
		s += ", DNS names " + quoteList(cert.DNSNames)
	}
	if len(cert.URIs) > 0 {
		us := make([]string, len(cert.URIs))
		for i, u := range cert.URIs {
			us[i] = u.String()
		}
		s += ", URIs " + quoteList(us)
	}
	return s
}

func quoteList(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = strconv.Quote(s)
	}
	return "[" + strings.Join(q, " ") + "]"
}
