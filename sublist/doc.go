// Package sublist stores subscriptions by subject and finds those that match a
// published subject: the routing table of the broker.
//
// Subjects are dot-separated tokens. In a subscription, the token "*" matches
// any one token and a final ">" matches one or more trailing tokens; anywhere
// else, and inside longer tokens ("foo*"), those bytes are literal. Validity
// follows nats-server but is stricter: control bytes and whitespace are
// rejected anywhere (see ValidSubject).
//
// # Structure
//
// A Sublist is a trie of levels, one per token position. A level maps literal
// tokens to nodes and keeps its "*" and ">" children in dedicated pointers, so
// a match walks literal tokens in a loop and recurses only into "*" branches.
// A node holds the plain subscribers and the queue groups whose subject ends
// there. Match results go into a bounded, lock-free cache (4096 entries,
// two-way set associative) keyed by subject; an Insert or Remove drops exactly
// the cached subjects its pattern matches and then bumps an atomic generation.
//
// # What it must not know
//
// Nothing about connections, clients, accounts, permissions or servers. The
// subscriber type S is opaque and only compared with ==. Only the standard
// library is imported.
//
// # Concurrency
//
// Every method is safe for concurrent use. A cache hit in Match is lock-free,
// writes nothing but one statistics counter striped by goroutine, and does not
// allocate. A miss walks the trie under the read lock of Sublist.mu and then
// takes the cache's putMu to store its result; Insert and Remove take
// Sublist.mu for writing. That is the whole lock order: Sublist.mu, then putMu
// (see LOCKING.md). Results are immutable and shared: never modify one, keep it
// as long as you like. Callers on a hot path (event loops) should keep a
// private cache of Results in front of Match and drop it whenever Generation
// changes, reading Generation before calling Match.
//
// # Example
//
//	sl := sublist.New[*subscription]()
//	if err := sl.Insert("orders.*.created", "", sub); err != nil {
//		return err // wraps ErrInvalidSubject
//	}
//	_ = sl.Insert("orders.>", "auditors", auditor)
//	r := sl.Match([]byte("orders.eu.created"))
//	for _, s := range r.Plain {
//		deliver(s)
//	}
//	for _, g := range r.Queues {
//		deliver(g.Members[rand.IntN(len(g.Members))])
//	}
package sublist
