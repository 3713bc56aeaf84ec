package monitor

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// FormatUptime renders d in whole seconds the way nats-server reports uptime
// and idle time: "3s", "2m3s", "1h2m3s", "4d1h2m3s", "1y4d1h2m3s" (a year is
// 365 days). Negative durations render as "0s". Safe for concurrent use.
func FormatUptime(d time.Duration) string {
	secs := int64(max(d, 0) / time.Second)
	mins, hours := secs/60, secs/3600
	days := hours / 24
	years := days / 365
	var b []byte
	unit := func(v int64, suffix byte) {
		b = strconv.AppendInt(b, v, 10)
		b = append(b, suffix)
	}
	switch {
	case years > 0:
		unit(years, 'y')
		fallthrough
	case days > 0:
		unit(days%365, 'd')
		fallthrough
	case hours > 0:
		unit(hours%24, 'h')
		fallthrough
	case mins > 0:
		unit(mins%60, 'm')
	}
	unit(secs%60, 's')
	return string(b)
}

// TLSVersionName renders a TLS protocol version as nats-server does ("1.2",
// "1.3", or "Unknown [0x...]"). Safe for concurrent use.
func TLSVersionName(v uint16) string {
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
	return "Unknown [0x" + strconv.FormatUint(uint64(v), 16) + "]"
}

// TLSCipherName renders a cipher suite by its IANA name, or "Unknown [0x...]".
// Safe for concurrent use.
func TLSCipherName(id uint16) string {
	if name := tls.CipherSuiteName(id); !strings.HasPrefix(name, "0x") {
		return name
	}
	return "Unknown [0x" + strconv.FormatUint(uint64(id), 16) + "]"
}

// PeerCerts summarises a TLS peer's certificate chain for ConnInfo.TLSPeerCerts:
// subject, and SHA-256 of the public key info and of the whole certificate in
// hex. It returns nil for an empty chain. Safe for concurrent use; the result
// is freshly allocated.
func PeerCerts(chain []*x509.Certificate) []*TLSPeerCert {
	if len(chain) == 0 {
		return nil
	}
	out := make([]*TLSPeerCert, len(chain))
	for i, c := range chain {
		spki := sha256.Sum256(c.RawSubjectPublicKeyInfo)
		whole := sha256.Sum256(c.Raw)
		out[i] = &TLSPeerCert{
			Subject:          c.Subject.String(),
			SubjectPKISha256: hex.EncodeToString(spki[:]),
			CertSha256:       hex.EncodeToString(whole[:]),
		}
	}
	return out
}
