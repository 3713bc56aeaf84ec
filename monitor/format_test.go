package monitor

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"math/big"
	"testing"
	"time"
)

func TestFormatUptime(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{-time.Second, "0s"},
		{0, "0s"},
		{999 * time.Millisecond, "0s"},
		{3 * time.Second, "3s"},
		{60 * time.Second, "1m0s"},
		{2*time.Minute + 3*time.Second, "2m3s"},
		{time.Hour, "1h0m0s"},
		{time.Hour + 2*time.Minute + 3*time.Second, "1h2m3s"},
		{24 * time.Hour, "1d0h0m0s"},
		{4*24*time.Hour + time.Hour + 2*time.Minute + 3*time.Second, "4d1h2m3s"},
		{365 * 24 * time.Hour, "1y0d0h0m0s"},
		{(2*365+4)*24*time.Hour + 5*time.Second, "2y4d0h0m5s"},
	}
	for _, tc := range tests {
		if got := FormatUptime(tc.d); got != tc.want {
			t.Errorf("FormatUptime(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

func TestTLSNames(t *testing.T) {
	versions := map[uint16]string{
		tls.VersionTLS10: "1.0", tls.VersionTLS11: "1.1", tls.VersionTLS12: "1.2", tls.VersionTLS13: "1.3",
		0x0999: "Unknown [0x999]",
	}
	for v, want := range versions {
		if got := TLSVersionName(v); got != want {
			t.Errorf("TLSVersionName(%#x) = %q, want %q", v, got, want)
		}
	}
	ciphers := map[uint16]string{
		tls.TLS_AES_128_GCM_SHA256:                 "TLS_AES_128_GCM_SHA256",
		tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384:  "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
		tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
		0xabcd: "Unknown [0xabcd]",
	}
	for id, want := range ciphers {
		if got := TLSCipherName(id); got != want {
			t.Errorf("TLSCipherName(%#x) = %q, want %q", id, got, want)
		}
	}
}

func TestPeerCerts(t *testing.T) {
	if PeerCerts(nil) != nil {
		t.Error("PeerCerts(nil) != nil")
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "client-a", Organization: []string{"evnats"}},
		NotBefore:    t0, NotAfter: t0.Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	got := PeerCerts([]*x509.Certificate{cert})
	spki := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	whole := sha256.Sum256(der)
	want := TLSPeerCert{Subject: "CN=client-a,O=evnats", SubjectPKISha256: hex.EncodeToString(spki[:]),
		CertSha256: hex.EncodeToString(whole[:])}
	if len(got) != 1 || *got[0] != want {
		t.Errorf("PeerCerts = %+v, want %+v", got, want)
	}
}
