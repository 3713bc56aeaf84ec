package conf

import "testing"

const benchConfig = `# a typical server configuration
listen: 0.0.0.0:4222
server_name: "srv-a"
max_payload: 1MB
max_pending: 64MB
ping_interval: "2m"
tls {
  cert_file: "./configs/certs/server-cert.pem"
  key_file:  "./configs/certs/server-key.pem"
  ca_file:   "./configs/certs/ca.pem"
  verify:    true
  timeout:   2
  cipher_suites: [
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
  ]
}
PERMS = { publish: { allow: ["req.>", "_INBOX.>"], deny: "admin.>" }, subscribe: ">" }
authorization {
  timeout: 2
  users = [
    {user: alice, password: $2a$11$W2zko751KUvVy59mUTWmpOdWjpEm5qhcCZRd05GjI/sSOT.xtiHyG, permissions: $PERMS}
    {user: bob, password: "s3cret", permissions: $PERMS}
  ]
}
cluster {
  name: east
  listen: 127.0.0.1:6222
  routes = [
    nats-route://127.0.0.1:6223
    nats-route://127.0.0.1:6224
  ]
}
`

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(benchConfig)))
	for b.Loop() {
		if _, err := ParseWithPositions(benchConfig); err != nil {
			b.Fatal(err)
		}
	}
}
