// Package cluster holds the socket-free parts of evnats clustering, as
// nats-server v2.15 speaks it between servers:
//
//   - Info and Connect, the JSON of the route INFO and CONNECT, with
//     nats-server's field names and order, and ParseInfo/ParseConnect;
//   - Interest, the reference count of local subscriptions by subject and
//     queue that decides when a server sends RS+ (with the queue weight) and
//     RS- to its routes;
//   - URLSet, the client URLs learned from routes (the connect_urls a server
//     gives its clients), reference-counted because two routes may announce
//     the same URL;
//   - route URL helpers (GossipURL, SameRoute, Configured) and NewName, the
//     random name of a cluster whose name is not configured.
//
// # What it must not know
//
// Nothing about sockets, event loops, TLS, clients or servers: it imports
// only the standard library. Sending the protocol, locking and deciding which
// route gets what are the server's business.
//
// # Concurrency
//
// Interest and URLSet are not safe for concurrent use: the server keeps them
// under its cluster mutex. Info and Connect values are plain data. The
// functions are safe for concurrent use.
//
// # Example
//
//	var in cluster.Interest
//	if ch := in.Add("orders", "workers"); ch.Op == cluster.OpSub {
//		out = proto.AppendRSub(out, []byte("$G"), []byte("orders"), []byte("workers"), ch.Weight)
//	}
//	// ch.Op is OpSub again with Weight 2 for a second member, and after the
//	// last Remove it is OpUnsub.
package cluster
