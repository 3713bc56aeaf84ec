package tlsengine

import (
	"crypto/tls"
	"runtime"
	"sync"
	"testing"
)

var fuzzServer = sync.OnceValue(func() *tls.Config {
	cert, err := tls.LoadX509KeyPair(certPath("server-ecdsa-cert.pem"), certPath("server-ecdsa-key.pem"))
	if err != nil {
		panic(err) // committed fixtures; a missing file is a broken checkout
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
})

// FuzzServerSession feeds arbitrary bytes to a server Session, split where the first byte
// says. It must not panic or hang, and Close must leave no goroutine behind.
func FuzzServerSession(f *testing.F) {
	for _, version := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		hello := clientHello(f, stockClientConfig(f, version))
		f.Add(append([]byte{0}, hello...))
		f.Add(append([]byte{7}, hello[:len(hello)-3]...))
		f.Add(append(append([]byte{0}, hello...), 23, 3, 3, 0, 5, 1, 2, 3, 4, 5))
	}
	f.Add([]byte("\x00CONNECT {}\r\nPING\r\n"))
	f.Add([]byte("\x03GET / HTTP/1.1\r\n\r\n"))
	f.Add([]byte("\x00\x16\x03\x01\x00"))
	f.Add([]byte("\x00\x16\x03\x01\x48\x01"))
	f.Add([]byte("\x01\x15\x03\x03\x00\x02\x02\x28"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		base := runtime.NumGoroutine()
		chunk := 0
		if len(data) > 0 {
			chunk, data = int(data[0]), data[1:]
		}
		s := NewServerSession(fuzzServer())
		if chunk%2 == 1 {
			if err := s.Start(); err != nil {
				t.Fatalf("Start: %v", err)
			}
		}
		for len(data) > 0 {
			n := len(data)
			if chunk > 0 {
				n = min(n, chunk)
			}
			_, err := s.Feed(data[:n])
			data = data[n:]
			_ = s.Outbound()
			if err != nil {
				if _, again := s.Feed(nil); again != err {
					t.Fatalf("error not latched: %v then %v", err, again)
				}
				break
			}
		}
		if s.HandshakeComplete() {
			t.Fatal("random bytes completed a handshake")
		}
		s.Close()
		s.Close()
		waitGoroutines(t, base)
	})
}
