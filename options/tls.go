package options

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/evnats/evnats/conf"
	"github.com/evnats/evnats/tlsengine"
)

// handshakeFirstAutoDelay is the fallback delay of `handshake_first: auto`.
const handshakeFirstAutoDelay = 50 * time.Millisecond

// unsupportedTLS are tls block keys of nats-server that evnats does not implement.
var unsupportedTLS = []string{
	"certs", "certificates", "cert_store", "cert_match_by", "cert_match", "ca_certs_match",
	"cert_match_skip_invalid", "ocsp_peer", "verify_cert_and_check_known_urls",
}

func parseClientTLS(p *fileParser, e *conf.Entry) {
	if cfg, ok := p.tlsBlock(e, "tls {}"); ok {
		p.o.TLS = cfg
	}
}

// tlsBlock reads a `tls {}` block; in names it for messages. The certificate, key
// and CA files are loaded once to report problems now rather than at start.
func (p *fileParser) tlsBlock(e *conf.Entry, in string) (*tlsengine.Config, bool) {
	m, ok := p.mapOf(e)
	if !ok {
		return nil, false
	}
	errs := len(p.errs)
	cfg := &tlsengine.Config{}
	var ciphers, curves *conf.Entry
	allowInsecure, verify, verifyAndMap := false, tlsengine.VerifyNone, false
	for _, k := range m.Entries() {
		switch lower(k) {
		case "cert_file":
			cfg.CertFile, _ = p.str(k)
		case "key_file":
			cfg.KeyFile, _ = p.str(k)
		case "ca_file":
			cfg.CAFile, _ = p.str(k)
		case "verify":
			verify = p.verifyMode(k)
		case "verify_and_map":
			verifyAndMap, _ = p.boolean(k)
		case "insecure":
			cfg.Insecure, _ = p.boolean(k)
		case "cipher_suites":
			ciphers = k
		case "allow_insecure_cipher_suites":
			allowInsecure, _ = p.boolean(k)
		case "curve_preferences":
			curves = k
		case "timeout":
			cfg.Timeout, _ = p.duration(k, false)
		case "connection_rate_limit":
			cfg.ConnectionRateLimit, _ = p.count(k)
		case "pinned_certs":
			cfg.PinnedCerts = p.pinnedCerts(k)
		case "handshake_first", "first", "immediate":
			cfg.HandshakeFirst, cfg.FallbackDelay = p.handshakeFirst(k)
		case "min_version":
			cfg.MinVersion = p.minVersion(k)
		default:
			if containsFold(unsupportedTLS, k.Key) {
				p.unsupported(k)
			} else {
				p.unknown(k, in)
			}
		}
	}
	cfg.Verify = verify
	if verifyAndMap {
		cfg.Verify = tlsengine.VerifyAndMap
	}
	if ciphers != nil {
		cfg.CipherSuites = p.cipherSuites(ciphers, allowInsecure)
	}
	if curves != nil {
		cfg.CurvePreferences = p.curvePreferences(curves)
	}
	if len(p.errs) > errs {
		return nil, false
	}
	if err := p.loadTLS(cfg); err != nil {
		p.fail(e.Value.Pos, "%s: %v", in, err)
		return nil, false
	}
	return cfg, true
}

// verifyMode reads `verify`: a boolean, or "optional" to verify a certificate
// only when the client offers one.
func (p *fileParser) verifyMode(e *conf.Entry) tlsengine.VerifyMode {
	switch v := e.Value.V.(type) {
	case bool:
		if v {
			return tlsengine.VerifyRequired
		}
		return tlsengine.VerifyNone
	case string:
		if strings.EqualFold(v, "optional") {
			return tlsengine.VerifyOptional
		}
	}
	p.typeError(e, `true, false or "optional"`)
	return tlsengine.VerifyNone
}

func (p *fileParser) cipherSuites(e *conf.Entry, allowInsecure bool) []uint16 {
	names, ok := p.stringList(e)
	if !ok {
		return nil
	}
	if len(names) == 0 {
		p.fail(e.Value.Pos, "%q cannot be empty", e.Key)
		return nil
	}
	ids := make([]uint16, 0, len(names))
	for _, name := range names {
		id, err := parseCipher(name, allowInsecure)
		if err != nil {
			p.failErr(e.Value.Pos, err)
			continue
		}
		ids = append(ids, id)
	}
	return ids
}

func (p *fileParser) curvePreferences(e *conf.Entry) []tls.CurveID {
	names, ok := p.stringList(e)
	if !ok {
		return nil
	}
	if len(names) == 0 {
		p.fail(e.Value.Pos, "%q cannot be empty", e.Key)
		return nil
	}
	ids := make([]tls.CurveID, 0, len(names))
	for _, name := range names {
		id, err := parseCurve(name)
		if err != nil {
			p.failErr(e.Value.Pos, err)
			continue
		}
		ids = append(ids, id)
	}
	return ids
}

// pinnedCerts reads hex SHA-256 digests of peer public keys (SPKI).
func (p *fileParser) pinnedCerts(e *conf.Entry) map[string]struct{} {
	list, ok := p.stringList(e)
	if !ok || len(list) == 0 {
		return nil
	}
	set := make(map[string]struct{}, len(list))
	for _, s := range list {
		s = strings.ToLower(s)
		if b, err := hex.DecodeString(s); err != nil || len(b) != 32 {
			p.fail(e.Value.Pos, "pinned certificate %q is not a hex SHA-256 digest (64 hex digits)", s)
			continue
		}
		set[s] = struct{}{}
	}
	return set
}

// handshakeFirst reads handshake_first: a boolean, "on"/"off", "auto" (fall back
// to INFO-first after 50ms of client silence), or a fallback delay.
func (p *fileParser) handshakeFirst(e *conf.Entry) (bool, time.Duration) {
	switch v := e.Value.V.(type) {
	case bool:
		return v, 0
	case string:
		switch strings.ToLower(v) {
		case "true", "on":
			return true, 0
		case "false", "off":
			return false, 0
		case "auto", "auto_fallback":
			return true, handshakeFirstAutoDelay
		}
		if d, err := time.ParseDuration(v); err == nil && d > 0 {
			return true, d
		}
		p.fail(e.Value.Pos, "field %q value %q is invalid", e.Key, v)
		return false, 0
	}
	p.typeError(e, "a boolean or a string")
	return false, 0
}

// minVersion reads min_version "1.2" or "1.3" (an unquoted 1.2 is a float).
func (p *fileParser) minVersion(e *conf.Entry) uint16 {
	var s string
	switch v := e.Value.V.(type) {
	case string:
		s = v
	case float64:
		s = fmt.Sprint(v)
	default:
		p.typeError(e, `"1.2" or "1.3"`)
		return 0
	}
	switch s {
	case "1.2":
		return tls.VersionTLS12
	case "1.3":
		return tls.VersionTLS13
	}
	p.fail(e.Value.Pos, "unsupported minimum TLS version %q: must be \"1.2\" or \"1.3\"", s)
	return 0
}

// checkTLSFiles checks that a server TLS configuration has a loadable certificate
// and key, and a parsable CA file if one is named. Paths are relative to the
// current directory, as in nats-server.
func checkTLSFiles(cfg *tlsengine.Config) error {
	switch {
	case cfg.CertFile == "" && cfg.KeyFile == "":
		return fmt.Errorf("missing 'cert_file' and 'key_file'")
	case cfg.CertFile == "":
		return fmt.Errorf("missing 'cert_file'")
	case cfg.KeyFile == "":
		return fmt.Errorf("missing 'key_file'")
	}
	if _, err := tls.LoadX509KeyPair(cfg.CertFile, cfg.KeyFile); err != nil {
		return fmt.Errorf("error parsing X509 certificate/key pair: %w", err)
	}
	if cfg.CAFile == "" {
		return nil
	}
	pem, err := os.ReadFile(cfg.CAFile)
	if err != nil {
		return fmt.Errorf("error reading ca_file: %w", err)
	}
	if !x509.NewCertPool().AppendCertsFromPEM(pem) {
		return fmt.Errorf("failed to parse root ca certificate %s", cfg.CAFile)
	}
	return nil
}

// containsFold reports whether list holds key, ignoring case.
func containsFold(list []string, key string) bool {
	for _, s := range list {
		if strings.EqualFold(s, key) {
			return true
		}
	}
	return false
}
