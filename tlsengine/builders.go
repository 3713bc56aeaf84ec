package tlsengine

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"time"
)

// DefaultHandshakeTimeout bounds a handshake when Config.Timeout is zero.
const DefaultHandshakeTimeout = 2 * time.Second

// DefaultCipherSuites returns the TLS 1.2 suites used when a `tls {}` block names none: the
// spec's six AEAD suites, in its order. TLS 1.3 suites are chosen by crypto/tls. Each call
// returns a new slice.
func DefaultCipherSuites() []uint16 {
	return []uint16{
		tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
		tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
		tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305,
		tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305,
		tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
		tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	}
}

// DefaultCurvePreferences returns nats-server v2.15's key-exchange order: the hybrid
// post-quantum groups first, then the classic curves. Each call returns a new slice.
func DefaultCurvePreferences() []tls.CurveID {
	return []tls.CurveID{
		tls.X25519MLKEM768,
		tls.SecP384r1MLKEM1024,
		tls.SecP256r1MLKEM768,
		tls.X25519,
		tls.CurveP256,
		tls.CurveP384,
		tls.CurveP521,
	}
}

// VersionName returns a TLS version as nats-server logs it: "1.0" to "1.3", or
// "Unknown [0x...]".
func VersionName(v uint16) string {
	switch v {
	case tls.VersionTLS10:
		return "1.0"
	case tls.VersionTLS11:
		return "1.1"
	case tls.VersionTLS12:
		return "1.2"
	case tls.VersionTLS13:
		return "1.3"
	}
	return fmt.Sprintf("Unknown [0x%x]", v)
}

// HandshakeTimeout returns Timeout, or DefaultHandshakeTimeout when it is zero.
func (c *Config) HandshakeTimeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return DefaultHandshakeTimeout
}

// The builders below read the certificate files on every call (the caller rebuilds on
// reload) and return a new *tls.Config that the caller may Clone and adjust; none keeps a
// reference to c. They are safe to call concurrently on a Config nobody modifies.

// ServerConfig returns the *tls.Config for the client port: cert_file/key_file, ca_file as
// ClientCAs, Verify as ClientAuth (VerifyAndMap and VerifyRequired require a certificate,
// VerifyOptional checks one if given), and PinnedCerts checked on the client's certificate.
func (c *Config) ServerConfig() (*tls.Config, error) {
	tc, err := c.base(true)
	if err != nil {
		return nil, err
	}
	switch c.Verify {
	case VerifyOptional:
		tc.ClientAuth = tls.VerifyClientCertIfGiven
	case VerifyRequired, VerifyAndMap:
		tc.ClientAuth = tls.RequireAndVerifyClientCert
	default:
		tc.ClientAuth = tls.NoClientCert
	}
	tc.ClientCAs = tc.RootCAs
	tc.RootCAs = nil
	return tc, nil
}

// RouteConfig returns the *tls.Config for cluster connections. Both sides verify: the
// certificate is required, and ca_file is both RootCAs and ClientCAs, so one config serves
// accepting and dialing (set ServerName on a Clone before dialing). Insecure skips the
// verification of the accepting side's certificate when dialing.
func (c *Config) RouteConfig() (*tls.Config, error) {
	tc, err := c.base(true)
	if err != nil {
		return nil, err
	}
	tc.ClientAuth = tls.RequireAndVerifyClientCert
	tc.ClientCAs = tc.RootCAs
	tc.InsecureSkipVerify = c.Insecure
	return tc, nil
}

// MonitorConfig returns the *tls.Config for the HTTPS monitoring port: the client port's
// certificate, and no client certificates asked for whatever Verify says (as nats-server).
func (c *Config) MonitorConfig() (*tls.Config, error) {
	tc, err := c.base(true)
	if err != nil {
		return nil, err
	}
	tc.RootCAs = nil
	tc.ClientAuth = tls.NoClientCert
	tc.VerifyConnection = nil
	return tc, nil
}

// ClientConfig returns the *tls.Config for dialing serverName: ca_file as RootCAs (the system
// roots when empty), cert_file/key_file as the client certificate if set, Insecure as
// InsecureSkipVerify, and PinnedCerts checked on the server's certificate.
func (c *Config) ClientConfig(serverName string) (*tls.Config, error) {
	tc, err := c.base(false)
	if err != nil {
		return nil, err
	}
	tc.ServerName = serverName
	tc.InsecureSkipVerify = c.Insecure
	return tc, nil
}

// base builds what every config shares: versions, suites, curves, record sizing, the
// certificate (required when needCert), ca_file as RootCAs, and the pinned-certificate check.
func (c *Config) base(needCert bool) (*tls.Config, error) {
	minVersion := c.MinVersion
	if minVersion == 0 {
		minVersion = tls.VersionTLS12
	}
	if minVersion < tls.VersionTLS12 || minVersion > tls.VersionTLS13 {
		return nil, fmt.Errorf("tlsengine: unsupported minimum TLS version %s", VersionName(minVersion))
	}
	tc := &tls.Config{
		MinVersion:       minVersion,
		CipherSuites:     DefaultCipherSuites(),
		CurvePreferences: DefaultCurvePreferences(),
		// One Write per outbound batch: full 16 KiB records from the first byte.
		DynamicRecordSizingDisabled: true,
	}
	if len(c.CipherSuites) > 0 {
		tc.CipherSuites = append([]uint16(nil), c.CipherSuites...)
	}
	if len(c.CurvePreferences) > 0 {
		tc.CurvePreferences = append([]tls.CurveID(nil), c.CurvePreferences...)
	}
	switch {
	case c.CertFile != "" || c.KeyFile != "":
		if c.CertFile == "" || c.KeyFile == "" {
			return nil, errors.New("tlsengine: cert_file and key_file must be given together")
		}
		cert, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("tlsengine: error parsing X509 certificate/key pair: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	case needCert:
		return nil, errors.New("tlsengine: a TLS certificate (cert_file and key_file) is required")
	}
	if c.CAFile != "" {
		pool, err := loadCAs(c.CAFile)
		if err != nil {
			return nil, err
		}
		tc.RootCAs = pool
	}
	if len(c.PinnedCerts) > 0 {
		tc.VerifyConnection = pinnedCheck(c.PinnedCerts)
	}
	return tc, nil
}

func loadCAs(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("tlsengine: reading ca_file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("tlsengine: failed to parse root ca certificate from %s", path)
	}
	return pool, nil
}

// SPKIDigest returns the lower-case hex SHA-256 of a certificate's SubjectPublicKeyInfo, the
// form pinned_certs lists. Safe from any goroutine.
func SPKIDigest(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	return hex.EncodeToString(sum[:])
}

// pinnedCheck returns a VerifyConnection callback that accepts the handshake only if the
// peer's leaf certificate is pinned. It copies the set, so later edits of Config do not race
// with handshakes.
func pinnedCheck(pinned map[string]struct{}) func(tls.ConnectionState) error {
	set := make(map[string]struct{}, len(pinned))
	for k := range pinned {
		set[k] = struct{}{}
	}
	return func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return fmt.Errorf("%w: peer presented no certificate", ErrCertNotPinned)
		}
		digest := SPKIDigest(cs.PeerCertificates[0])
		if _, ok := set[digest]; !ok {
			return fmt.Errorf("%w: %s", ErrCertNotPinned, digest)
		}
		return nil
	}
}
