package tlsengine

import (
	"crypto/tls"
	"time"
)

// VerifyMode says whether and how a server asks for client certificates.
type VerifyMode uint8

// Client-certificate policies of a `tls {}` block.
const (
	// VerifyNone asks for no client certificate (`verify: false`).
	VerifyNone VerifyMode = iota
	// VerifyOptional verifies a client certificate when one is given (`verify: "optional"`).
	VerifyOptional
	// VerifyRequired requires a certificate signed by ca_file (`verify: true`).
	VerifyRequired
	// VerifyAndMap requires a certificate and maps its identity to a user (`verify_and_map: true`).
	VerifyAndMap
)

// Config is a `tls {}` block (or the --tls* flags) as plain data. Build a *tls.Config
// from it with ServerConfig, RouteConfig, MonitorConfig or ClientConfig. Names of cipher suites and curves are
// resolved when the block is parsed, so a Config holds only valid IDs.
type Config struct {
	CertFile string
	KeyFile  string
	CAFile   string
	Verify   VerifyMode
	// Insecure skips verification of the peer when dialing (routes).
	Insecure bool
	// Timeout bounds the handshake; zero means 2 s.
	Timeout time.Duration
	// CipherSuites for TLS 1.2; nil or empty means the defaults (DefaultCipherSuites).
	CipherSuites []uint16
	// CurvePreferences; nil or empty means the defaults (DefaultCurvePreferences).
	CurvePreferences []tls.CurveID
	// MinVersion is tls.VersionTLS12 (default when 0) or tls.VersionTLS13.
	MinVersion uint16
	// HandshakeFirst makes the server handshake before sending INFO.
	HandshakeFirst bool
	// FallbackDelay, when HandshakeFirst is set and this is non-zero, is how long the
	// server waits for the first byte before falling back to INFO first ("auto" = 50ms).
	FallbackDelay time.Duration
	// PinnedCerts holds lower-case hex SHA-256 digests of allowed peer SPKIs; empty means any.
	PinnedCerts map[string]struct{}
	// ConnectionRateLimit is accepted for compatibility (handshakes per second, 0 = none).
	ConnectionRateLimit int
}
