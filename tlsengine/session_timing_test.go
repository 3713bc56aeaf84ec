package tlsengine

import (
	"crypto/tls"
	"fmt"
	"testing"
)

// BenchmarkHandshake runs full handshakes between a client and a server Session in one
// goroutine: both sides' CPU, the client verifying the server's chain against ca.pem.
func BenchmarkHandshake(b *testing.B) {
	for _, key := range []keyKind{rsaKey, ecdsaKey} {
		for _, version := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
			b.Run(fmt.Sprintf("%s/TLS%s", key, VersionName(version)), func(b *testing.B) {
				serverCfg := stockServerConfig(b, key, version)
				clientCfg := stockClientConfig(b, version)
				b.ReportAllocs()
				for b.Loop() {
					server := NewServerSession(serverCfg)
					client := NewClientSession(clientCfg)
					if cErr, sErr := pairHandshake(client, server); cErr != nil || sErr != nil {
						b.Fatalf("client %v, server %v", cErr, sErr)
					}
					client.Close()
					server.Close()
				}
			})
		}
	}
}

// BenchmarkWrite encrypts one message per Write and takes the ciphertext, as a loop flushing
// one message per iteration would.
func BenchmarkWrite(b *testing.B) {
	for _, size := range []int{16, 1024} {
		for _, version := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
			b.Run(fmt.Sprintf("%dB/TLS%s", size, VersionName(version)), func(b *testing.B) {
				client, _ := connectedPair(b, ecdsaKey, version)
				msg := randomBytes(b, size)
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					if err := client.Write(msg); err != nil {
						b.Fatal(err)
					}
					_ = client.Outbound()
				}
			})
		}
	}
}

// BenchmarkWriteBatch encrypts 64 messages appended into one buffer per Write: the
// per-record cost is paid once per batch.
func BenchmarkWriteBatch(b *testing.B) {
	const batch = 64
	for _, size := range []int{16, 1024} {
		b.Run(fmt.Sprintf("%dx%dB", batch, size), func(b *testing.B) {
			client, _ := connectedPair(b, ecdsaKey, tls.VersionTLS13)
			msgs := randomBytes(b, batch*size)
			b.SetBytes(int64(len(msgs)))
			b.ReportAllocs()
			for b.Loop() {
				if err := client.Write(msgs); err != nil {
					b.Fatal(err)
				}
				_ = client.Outbound()
			}
		})
	}
}

// BenchmarkRoundTrip encrypts a message on one Session and decrypts it on the other.
func BenchmarkRoundTrip(b *testing.B) {
	for _, size := range []int{16, 1024} {
		for _, version := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
			b.Run(fmt.Sprintf("%dB/TLS%s", size, VersionName(version)), func(b *testing.B) {
				client, server := connectedPair(b, ecdsaKey, version)
				msg := randomBytes(b, size)
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					if err := client.Write(msg); err != nil {
						b.Fatal(err)
					}
					p, err := server.Feed(client.Outbound())
					if err != nil || len(p) != size {
						b.Fatalf("%d bytes, %v", len(p), err)
					}
				}
			})
		}
	}
}

// BenchmarkStockConn is the baseline: the same message through crypto/tls's own Conn over
// a buffered in-memory pipe, writer and reader in two goroutines.
func BenchmarkStockConn(b *testing.B) {
	for _, size := range []int{16, 1024} {
		b.Run(fmt.Sprintf("%dB/TLS1.3", size), func(b *testing.B) {
			mine, theirs := newPipe()
			server := tls.Server(mine, stockServerConfig(b, ecdsaKey, tls.VersionTLS13))
			client := tls.Client(theirs, stockClientConfig(b, tls.VersionTLS13))
			defer mine.Close()
			errc := make(chan error, 1)
			go func() { errc <- server.Handshake() }()
			if err := client.Handshake(); err != nil {
				b.Fatal(err)
			}
			if err := <-errc; err != nil {
				b.Fatal(err)
			}
			msg := randomBytes(b, size)
			buf := make([]byte, size)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := client.Write(msg); err != nil {
					b.Fatal(err)
				}
				if _, err := server.Read(buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
