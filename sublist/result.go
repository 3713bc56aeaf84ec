package sublist

// Result is the set of subscriptions matching one literal subject. Results are
// immutable and shared between callers, the Sublist's cache and other Results:
// read them from any goroutine, never modify them or their slices. A Result
// stays valid forever; later Inserts and Removes build new Results.
//
// A subscriber inserted under several patterns that all match appears once per
// pattern (Result is a multiset), as does a subscriber in both Plain and a
// queue group.
type Result[S comparable] struct {
	// Plain holds the non-queue subscriptions; each should get the message.
	Plain []S
	// Queues holds one entry per queue group name; each group should get the
	// message once. Groups of the same name under different matching patterns
	// are merged into one.
	Queues []QueueGroup[S]
}

// QueueGroup is the members of one queue group within a Result. It shares the
// immutability rules of Result.
type QueueGroup[S comparable] struct {
	Name    string
	Members []S
}

// IsEmpty reports whether r matched nothing.
func (r *Result[S]) IsEmpty() bool {
	return len(r.Plain) == 0 && len(r.Queues) == 0
}

// Fanout is the number of deliveries r asks for: one per plain subscription
// and one per queue group.
func (r *Result[S]) Fanout() int {
	return len(r.Plain) + len(r.Queues)
}

// buildResult turns the matched nodes into a Result: empty if they hold no
// subscriptions, else r filled in. A single contributing node's slices are
// shared, not copied. Caller holds Sublist.mu.
func buildResult[S comparable](nodes []*node[S], empty, r *Result[S]) *Result[S] {
	var plainTotal, plainOwners, groups int
	var only *node[S]
	for _, n := range nodes {
		if k := len(n.plain.list); k > 0 {
			plainTotal += k
			plainOwners++
			only = n
		}
		groups += len(n.queueGroups())
	}
	if plainOwners == 0 && groups == 0 {
		return empty
	}
	switch plainOwners {
	case 0:
	case 1:
		r.Plain = only.plain.share()
	default:
		r.Plain = make([]S, 0, plainTotal)
		for _, n := range nodes {
			r.Plain = append(r.Plain, n.plain.list...)
		}
	}
	if groups == 0 {
		return r
	}
	r.Queues = make([]QueueGroup[S], 0, groups)
	for _, n := range nodes {
		for _, g := range n.queueGroups() {
			r.Queues = mergeGroup(r.Queues, g)
		}
	}
	return r
}

func mergeGroup[S comparable](qs []QueueGroup[S], g *queueGroup[S]) []QueueGroup[S] {
	for i := range qs {
		if qs[i].Name == g.name {
			// Members is either shared with cap == len, so append copies, or
			// was allocated by an earlier merge for this Result alone.
			qs[i].Members = append(qs[i].Members, g.members.list...)
			return qs
		}
	}
	return append(qs, QueueGroup[S]{Name: g.name, Members: g.members.share()})
}
