package options

import (
	"crypto/tls"
	"fmt"
	"slices"
	"strings"
)

// cipherSuite is a cipher suite name accepted in `cipher_suites`.
type cipherSuite struct {
	id       uint16
	insecure bool
}

// cipherSuites maps Go's standard suite names (those of tls.CipherSuites and
// tls.InsecureCipherSuites) to IDs, as nats-server's cipherMap does.
var cipherSuites = func() map[string]cipherSuite {
	m := make(map[string]cipherSuite)
	for _, cs := range tls.CipherSuites() {
		m[cs.Name] = cipherSuite{id: cs.ID}
	}
	for _, cs := range tls.InsecureCipherSuites() {
		m[cs.Name] = cipherSuite{id: cs.ID, insecure: true}
	}
	return m
}()

// curves maps the names accepted in `curve_preferences`, listed in the order of
// nats-server's default preference.
var curves = []struct {
	name string
	id   tls.CurveID
}{
	{name: "X25519MLKEM768", id: tls.X25519MLKEM768},
	{name: "SecP384r1MLKEM1024", id: tls.SecP384r1MLKEM1024},
	{name: "SecP256r1MLKEM768", id: tls.SecP256r1MLKEM768},
	{name: "X25519", id: tls.X25519},
	{name: "CurveP256", id: tls.CurveP256},
	{name: "CurveP384", id: tls.CurveP384},
	{name: "CurveP521", id: tls.CurveP521},
}

// parseCipher resolves a cipher suite name; insecure suites need allowInsecure.
func parseCipher(name string, allowInsecure bool) (uint16, error) {
	cs, ok := cipherSuites[name]
	if !ok {
		return 0, fmt.Errorf("unrecognized cipher %s", name)
	}
	if cs.insecure && !allowInsecure {
		return 0, fmt.Errorf("insecure cipher suite %s is not allowed without allow_insecure_cipher_suites: true", name)
	}
	return cs.id, nil
}

// parseCurve resolves a curve preference name.
func parseCurve(name string) (tls.CurveID, error) {
	for _, c := range curves {
		if c.name == name {
			return c.id, nil
		}
	}
	return 0, fmt.Errorf("unrecognized curve preference %s", name)
}

// HelpTLS returns the text printed by --help_tls: how to write a tls block, and
// the cipher suite and curve names it accepts. Safe for concurrent use.
func HelpTLS() string {
	var b strings.Builder
	b.WriteString(`TLS is configured in a tls block of the configuration file, for example:

    tls {
        cert_file: "./configs/certs/server-cert.pem"
        key_file:  "./configs/certs/server-key.pem"
        ca_file:   "./configs/certs/ca.pem"
        verify:    true

        cipher_suites: [
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
        ]
        curve_preferences: [
            "X25519",
            "CurveP256"
        ]
    }

Without cipher_suites, TLS 1.2 uses the six ECDHE AEAD suites (AES-GCM and
ChaCha20-Poly1305); TLS 1.3 suites are always Go's and cannot be configured.

Available cipher suites:
`)
	names := make([]string, 0, len(cipherSuites))
	for name := range cipherSuites {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if cipherSuites[name].insecure {
			fmt.Fprintf(&b, "    %s (insecure: needs allow_insecure_cipher_suites: true)\n", name)
		} else {
			fmt.Fprintf(&b, "    %s\n", name)
		}
	}
	b.WriteString("\nAvailable curve preferences:\n")
	for _, c := range curves {
		fmt.Fprintf(&b, "    %s\n", c.name)
	}
	return b.String()
}
