// Package layout holds no code: its test checks that imports between the
// project's packages point one way (cmd -> server -> reactor, tlsengine,
// proto, sublist, auth, cluster, ...), so that proto knows nothing of
// sockets, sublist nothing of connections and reactor nothing of NATS.
package layout
