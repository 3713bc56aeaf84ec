package auth

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// A distinguishedName is an RFC 2253 / RFC 4514 DN in string order: the first
// RDN is the most specific one (CN=...), the reverse of the order in which a
// certificate encodes it. Attribute types are canonical (upper-case keyword for
// the well-known ones, dotted OID otherwise); values are unescaped and compared
// byte for byte, as go-ldap (which nats-server uses) does.
type distinguishedName []relativeDN

// relativeDN is one RDN: a set of type=value pairs, kept sorted.
type relativeDN []typeAndValue

type typeAndValue struct {
	typ, val string
	// ber is set when val is the lower-case hex of a non-string BER value
	// (written `#hex`), so it never equals a string that happens to start with '#'.
	ber bool
}

// Well-known attribute types: keyword (lower case) and OID to canonical name.
var (
	dnKeywords = map[string]string{
		"cn": "CN", "ou": "OU", "o": "O", "l": "L", "st": "ST", "c": "C",
		"street": "STREET", "dc": "DC", "uid": "UID", "emailaddress": "EMAILADDRESS",
		"serialnumber": "SERIALNUMBER", "postalcode": "POSTALCODE",
	}
	dnOIDs = map[string]string{
		"2.5.4.3": "CN", "2.5.4.11": "OU", "2.5.4.10": "O", "2.5.4.7": "L",
		"2.5.4.8": "ST", "2.5.4.6": "C", "2.5.4.9": "STREET",
		"0.9.2342.19200300.100.1.25": "DC", "0.9.2342.19200300.100.1.1": "UID",
		"1.2.840.113549.1.9.1": "EMAILADDRESS", "2.5.4.5": "SERIALNUMBER",
		"2.5.4.17": "POSTALCODE",
	}
)

var errDNSyntax = errors.New("invalid distinguished name")

// parseDN parses an RFC 2253 / RFC 4514 string such as
// `CN=example.com,OU=CNCF` or `CN=a\,b+UID=7;O="Acme, Inc."`. It accepts ';' as
// well as ',' between RDNs, spaces around separators, quoted values, `\c` and
// `\hh` escapes, `#hex` (BER) values, keywords in any case and OIDs with or
// without an "OID." prefix. It never panics; an empty string is an empty DN.
func parseDN(s string) (distinguishedName, error) {
	p := dnParser{s: s}
	var dn distinguishedName
	p.skipSpaces()
	if p.eof() {
		return nil, nil
	}
	for {
		r, err := p.rdn()
		if err != nil {
			return nil, err
		}
		dn = append(dn, r)
		if p.eof() {
			return dn, nil
		}
		if c := p.s[p.i]; c != ',' && c != ';' {
			return nil, p.errorf("unexpected %q", c)
		}
		p.i++
		p.skipSpaces()
		if p.eof() {
			return nil, p.errorf("trailing separator")
		}
	}
}

type dnParser struct {
	s string
	i int
}

func (p *dnParser) eof() bool { return p.i >= len(p.s) }

func (p *dnParser) skipSpaces() {
	for !p.eof() && p.s[p.i] == ' ' {
		p.i++
	}
}

func (p *dnParser) errorf(format string, args ...any) error {
	return fmt.Errorf("%w at offset %d: %s", errDNSyntax, p.i, fmt.Sprintf(format, args...))
}

func (p *dnParser) rdn() (relativeDN, error) {
	var r relativeDN
	for {
		tv, err := p.typeAndValue()
		if err != nil {
			return nil, err
		}
		r = append(r, tv)
		p.skipSpaces()
		if p.eof() || p.s[p.i] != '+' {
			break
		}
		p.i++
		p.skipSpaces()
	}
	slices.SortFunc(r, compareTV)
	return r, nil
}

func compareTV(a, b typeAndValue) int {
	if c := strings.Compare(a.typ, b.typ); c != 0 {
		return c
	}
	if c := strings.Compare(a.val, b.val); c != 0 {
		return c
	}
	switch {
	case a.ber == b.ber:
		return 0
	case a.ber:
		return 1
	}
	return -1
}

func (p *dnParser) typeAndValue() (typeAndValue, error) {
	start := p.i
	for !p.eof() && p.s[p.i] != '=' && p.s[p.i] != ' ' {
		p.i++
	}
	typ, err := canonicalType(p.s[start:p.i])
	if err != nil {
		return typeAndValue{}, p.errorf("%v", err)
	}
	p.skipSpaces()
	if p.eof() || p.s[p.i] != '=' {
		return typeAndValue{}, p.errorf("missing '=' after attribute type")
	}
	p.i++
	p.skipSpaces()
	if !p.eof() && p.s[p.i] == '#' {
		val, ber, err := p.hexValue()
		return typeAndValue{typ: typ, val: val, ber: ber}, err
	}
	val, err := p.value()
	if err != nil {
		return typeAndValue{}, err
	}
	return typeAndValue{typ: typ, val: val}, nil
}

// canonicalType validates an attribute type (keyword or numeric OID) and
// returns its canonical form.
func canonicalType(t string) (string, error) {
	if len(t) > 4 && strings.EqualFold(t[:4], "oid.") {
		t = t[4:]
	}
	switch {
	case t == "":
		return "", errors.New("empty attribute type")
	case isDigit(t[0]):
		if !validOID(t) {
			return "", fmt.Errorf("bad OID %q", t)
		}
		if name, ok := dnOIDs[t]; ok {
			return name, nil
		}
		return t, nil
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && (isDigit(c) || c == '-')) {
			return "", fmt.Errorf("bad attribute type %q", t)
		}
	}
	if name, ok := dnKeywords[strings.ToLower(t)]; ok {
		return name, nil
	}
	return strings.ToUpper(t), nil
}

func validOID(t string) bool {
	for _, arc := range strings.Split(t, ".") {
		if arc == "" || len(arc) > 1 && arc[0] == '0' {
			return false
		}
		for i := 0; i < len(arc); i++ {
			if !isDigit(arc[i]) {
				return false
			}
		}
	}
	return true
}

// value reads an attribute value up to the next unescaped ',', ';' or '+' (or
// the end), trimming unescaped spaces at its end.
func (p *dnParser) value() (string, error) {
	if !p.eof() && p.s[p.i] == '"' {
		return p.quotedValue()
	}
	var b []byte
	keep := 0 // length of b up to the last significant (non-space or escaped) byte
	for !p.eof() {
		c := p.s[p.i]
		switch c {
		case ',', ';', '+':
			return finishValue(b[:keep], p)
		case '\\':
			e, err := p.escape()
			if err != nil {
				return "", err
			}
			b = append(b, e)
			keep = len(b)
			continue
		}
		b = append(b, c)
		if c != ' ' {
			keep = len(b)
		}
		p.i++
	}
	return finishValue(b[:keep], p)
}

func finishValue(b []byte, p *dnParser) (string, error) {
	if !utf8.Valid(b) {
		return "", p.errorf("value is not UTF-8")
	}
	return string(b), nil
}

// escape decodes `\c` or `\hh` at p.i.
func (p *dnParser) escape() (byte, error) {
	p.i++ // the backslash
	if p.eof() {
		return 0, p.errorf("dangling escape")
	}
	c := p.s[p.i]
	if strings.IndexByte(` "#+,;<=>\`, c) >= 0 {
		p.i++
		return c, nil
	}
	if p.i+1 < len(p.s) {
		if v, err := hex.DecodeString(p.s[p.i : p.i+2]); err == nil {
			p.i += 2
			return v[0], nil
		}
	}
	return 0, p.errorf("bad escape")
}

func (p *dnParser) quotedValue() (string, error) {
	p.i++ // opening quote
	var b []byte
	for {
		if p.eof() {
			return "", p.errorf("unterminated quoted value")
		}
		switch c := p.s[p.i]; c {
		case '"':
			p.i++
			return finishValue(b, p)
		case '\\':
			e, err := p.escape()
			if err != nil {
				return "", err
			}
			b = append(b, e)
		default:
			b = append(b, c)
			p.i++
		}
	}
}

// hexValue reads `#hex`, the BER encoding of the value. A string type decodes
// to its text, so `CN=#0c03626f62` equals `CN=bob`; other types are kept as
// canonical hex with ber set.
func (p *dnParser) hexValue() (val string, ber bool, err error) {
	p.i++ // '#'
	start := p.i
	for !p.eof() && isHex(p.s[p.i]) {
		p.i++
	}
	raw, err := hex.DecodeString(p.s[start:p.i])
	if err != nil || len(raw) == 0 {
		return "", false, p.errorf("bad #hex value")
	}
	val, ber = berValue(raw)
	return val, ber, nil
}

func isHex(c byte) bool {
	return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// berValue renders a DER/BER-encoded attribute value the same way whether it
// came from a `#hex` string or from a certificate.
func berValue(raw []byte) (val string, ber bool) {
	var v any
	if rest, err := asn1.Unmarshal(raw, &v); err == nil && len(rest) == 0 {
		if s, ok := v.(string); ok && utf8.ValidString(s) {
			return s, false
		}
	}
	return hex.EncodeToString(raw), true
}

// dnFromCertSubject decodes a certificate's raw subject into string order,
// keeping multi-valued RDNs intact.
func dnFromCertSubject(raw []byte) (distinguishedName, error) {
	var seq pkix.RDNSequence
	if rest, err := asn1.Unmarshal(raw, &seq); err != nil {
		return nil, err
	} else if len(rest) != 0 {
		return nil, errors.New("trailing data after certificate subject")
	}
	dn := make(distinguishedName, 0, len(seq))
	for i := len(seq) - 1; i >= 0; i-- {
		r := make(relativeDN, 0, len(seq[i]))
		for _, atv := range seq[i] {
			typ := atv.Type.String()
			if name, ok := dnOIDs[typ]; ok {
				typ = name
			}
			tv := typeAndValue{typ: typ}
			if s, ok := atv.Value.(string); ok {
				tv.val = s
			} else if der, err := asn1.Marshal(atv.Value); err == nil {
				tv.val, tv.ber = berValue(der)
			} else {
				return nil, err
			}
			r = append(r, tv)
		}
		slices.SortFunc(r, compareTV)
		dn = append(dn, r)
	}
	return dn, nil
}

// equal reports whether d and o have the same RDNs in the same order.
func (d distinguishedName) equal(o distinguishedName) bool {
	return slices.EqualFunc(d, o, relativeDN.equal)
}

// sameRDNs reports whether d and o have the same RDNs in any order.
func (d distinguishedName) sameRDNs(o distinguishedName) bool {
	if len(d) != len(o) {
		return false
	}
	used := make([]bool, len(o))
next:
	for _, r := range d {
		for j, q := range o {
			if !used[j] && r.equal(q) {
				used[j] = true
				continue next
			}
		}
		return false
	}
	return true
}

func (r relativeDN) equal(o relativeDN) bool {
	return slices.Equal(r, o)
}

// String renders d in RFC 4514 form with canonical type names (for logs and tests).
func (d distinguishedName) String() string {
	var b strings.Builder
	for i, r := range d {
		if i > 0 {
			b.WriteByte(',')
		}
		for j, tv := range r {
			if j > 0 {
				b.WriteByte('+')
			}
			b.WriteString(tv.typ)
			b.WriteByte('=')
			if tv.ber {
				b.WriteByte('#')
				b.WriteString(tv.val)
			} else {
				writeEscaped(&b, tv.val)
			}
		}
	}
	return b.String()
}

func writeEscaped(b *strings.Builder, v string) {
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case strings.IndexByte(`"+,;<>\`, c) >= 0,
			c == '#' && i == 0,
			c == ' ' && (i == 0 || i == len(v)-1):
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < ' ' || c == 0x7f:
			fmt.Fprintf(b, `\%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
}
