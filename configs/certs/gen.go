//go:build ignore

// gen writes the test certificates under configs/certs. Run it from the repository root:
//
//	go run configs/certs/gen.go
//
// Every run makes new keys, so regenerate only when a certificate must change, and commit
// all files together. It uses only the standard library.
package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"flag"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

const validity = 10 * 365 * 24 * time.Hour

type keyKind uint8

const (
	rsa2048 keyKind = iota
	ecdsaP256
)

type usage uint8

const (
	serverAuth usage = 1 << iota
	clientAuth
)

// authority is a CA that signs leaves.
type authority struct {
	cert *x509.Certificate
	key  crypto.Signer
}

// leaf describes one certificate and where its PEM files go.
type leaf struct {
	certFile, keyFile string
	subject           pkix.Name
	dns               []string
	ips               []net.IP
	emails            []string
	key               keyKind
	usage             usage
	expired           bool
}

var (
	loopbackNames = []string{"localhost"}
	loopbackIPs   = []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")}
)

func main() {
	dir := flag.String("dir", "configs/certs", "output directory")
	flag.Parse()
	if err := run(*dir); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	now := time.Now().Truncate(time.Hour)
	ca, err := newAuthority(dir, "ca.pem", "ca-key.pem", "evnats test CA", now)
	if err != nil {
		return err
	}
	other, err := newAuthority(dir, "other-ca.pem", "other-ca-key.pem", "evnats untrusted test CA", now)
	if err != nil {
		return err
	}
	signedByCA := []leaf{
		{
			certFile: "server-cert.pem", keyFile: "server-key.pem",
			subject: pkix.Name{CommonName: "localhost", Organization: []string{"evnats"}, OrganizationalUnit: []string{"server"}},
			dns:     loopbackNames, ips: loopbackIPs, key: rsa2048, usage: serverAuth,
		},
		{
			certFile: "server-ecdsa-cert.pem", keyFile: "server-ecdsa-key.pem",
			subject: pkix.Name{CommonName: "localhost", Organization: []string{"evnats"}, OrganizationalUnit: []string{"server-ecdsa"}},
			dns:     loopbackNames, ips: loopbackIPs, key: ecdsaP256, usage: serverAuth,
		},
		{
			certFile: "client-cert.pem", keyFile: "client-key.pem",
			subject: pkix.Name{CommonName: "localhost", Organization: []string{"evnats"}, OrganizationalUnit: []string{"client"}},
			dns:     loopbackNames, ips: loopbackIPs[:1], key: ecdsaP256, usage: clientAuth,
		},
		{
			certFile: "client-id-auth-cert.pem", keyFile: "client-id-auth-key.pem",
			subject: pkix.Name{CommonName: "localhost", Organization: []string{"evnats"}, OrganizationalUnit: []string{"client-id-auth"}},
			dns:     loopbackNames, ips: loopbackIPs[:1], emails: []string{"derek@nats.io"}, key: ecdsaP256, usage: clientAuth,
		},
		{
			certFile: "tlsauth/client2.pem", keyFile: "tlsauth/client2-key.pem",
			subject: pkix.Name{CommonName: "example.com", OrganizationalUnit: []string{"CNCF"}},
			key:     ecdsaP256, usage: clientAuth,
		},
		{
			certFile: "srva-cert.pem", keyFile: "srva-key.pem",
			subject: pkix.Name{CommonName: "localhost", Organization: []string{"evnats"}, OrganizationalUnit: []string{"route-a"}},
			dns:     loopbackNames, ips: loopbackIPs, key: ecdsaP256, usage: serverAuth | clientAuth,
		},
		{
			certFile: "srvb-cert.pem", keyFile: "srvb-key.pem",
			subject: pkix.Name{CommonName: "localhost", Organization: []string{"evnats"}, OrganizationalUnit: []string{"route-b"}},
			dns:     loopbackNames, ips: loopbackIPs, key: ecdsaP256, usage: serverAuth | clientAuth,
		},
		{
			certFile: "client-expired-cert.pem", keyFile: "client-expired-key.pem",
			subject: pkix.Name{CommonName: "localhost", Organization: []string{"evnats"}, OrganizationalUnit: []string{"client-expired"}},
			dns:     loopbackNames, ips: loopbackIPs[:1], key: ecdsaP256, usage: clientAuth, expired: true,
		},
	}
	signedByOther := []leaf{
		{
			certFile: "other-client-cert.pem", keyFile: "other-client-key.pem",
			subject: pkix.Name{CommonName: "localhost", Organization: []string{"evnats untrusted"}, OrganizationalUnit: []string{"client"}},
			dns:     loopbackNames, ips: loopbackIPs[:1], key: ecdsaP256, usage: clientAuth,
		},
		{
			certFile: "other-srv-cert.pem", keyFile: "other-srv-key.pem",
			subject: pkix.Name{CommonName: "localhost", Organization: []string{"evnats untrusted"}, OrganizationalUnit: []string{"server"}},
			dns:     loopbackNames, ips: loopbackIPs, key: ecdsaP256, usage: serverAuth | clientAuth,
		},
	}
	for _, l := range signedByCA {
		if err := issue(dir, ca, l, now); err != nil {
			return err
		}
	}
	for _, l := range signedByOther {
		if err := issue(dir, other, l, now); err != nil {
			return err
		}
	}
	// The spec's cipher_suites example names the RSA server pair server.pem and key.pem.
	if err := copyFile(dir, "server-cert.pem", "server.pem"); err != nil {
		return err
	}
	return copyFile(dir, "server-key.pem", "key.pem")
}

func newAuthority(dir, certFile, keyFile, name string, now time.Time) (*authority, error) {
	key, err := newKey(rsa2048)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: name, Organization: []string{"evnats"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(validity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", certFile, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	if err := writePEMs(dir, certFile, keyFile, der, key); err != nil {
		return nil, err
	}
	return &authority{cert: cert, key: key}, nil
}

func issue(dir string, ca *authority, l leaf, now time.Time) error {
	key, err := newKey(l.key)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber:   serial(),
		Subject:        l.subject,
		NotBefore:      now.Add(-time.Hour),
		NotAfter:       now.Add(validity),
		DNSNames:       l.dns,
		IPAddresses:    l.ips,
		EmailAddresses: l.emails,
		KeyUsage:       x509.KeyUsageDigitalSignature,
	}
	if l.key == rsa2048 {
		// TLS 1.2 ECDHE_RSA suites sign with the key; RSA key exchange is never offered.
		tmpl.KeyUsage |= x509.KeyUsageKeyEncipherment
	}
	if l.expired {
		tmpl.NotBefore = now.Add(-2 * 365 * 24 * time.Hour)
		tmpl.NotAfter = now.Add(-365 * 24 * time.Hour)
	}
	if l.usage&serverAuth != 0 {
		tmpl.ExtKeyUsage = append(tmpl.ExtKeyUsage, x509.ExtKeyUsageServerAuth)
	}
	if l.usage&clientAuth != 0 {
		tmpl.ExtKeyUsage = append(tmpl.ExtKeyUsage, x509.ExtKeyUsageClientAuth)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, key.Public(), ca.key)
	if err != nil {
		return fmt.Errorf("%s: %w", l.certFile, err)
	}
	return writePEMs(dir, l.certFile, l.keyFile, der, key)
}

func newKey(k keyKind) (crypto.Signer, error) {
	if k == rsa2048 {
		return rsa.GenerateKey(rand.Reader, 2048)
	}
	return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return n.Add(n, big.NewInt(1))
}

func writePEMs(dir, certFile, keyFile string, der []byte, key crypto.Signer) error {
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	if err := writePEM(filepath.Join(dir, certFile), "CERTIFICATE", der); err != nil {
		return err
	}
	return writePEM(filepath.Join(dir, keyFile), "PRIVATE KEY", pkcs8)
}

// writePEM writes world-readable files: these keys are public test fixtures, and git keeps
// no other mode bits anyway.
func writePEM(path, typ string, der []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return writeFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}

func writeFile(path string, b []byte) error {
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return err
	}
	return os.Chmod(path, 0o644)
}

func copyFile(dir, from, to string) error {
	b, err := os.ReadFile(filepath.Join(dir, from))
	if err != nil {
		return err
	}
	return writeFile(filepath.Join(dir, to), b)
}
