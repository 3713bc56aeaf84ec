package cluster

// Op is the route protocol an interest change calls for.
type Op uint8

const (
	// OpNone: the routes already know.
	OpNone Op = iota
	// OpSub: send RS+ (with Change.Weight for a queue group).
	OpSub
	// OpUnsub: send RS-.
	OpUnsub
)

// Change is what Interest.Add or Interest.Remove asks the server to tell its
// routes.
type Change struct {
	Op Op
	// Weight is the number of local members of the queue group, for an OpSub
	// on a queue subscription; 0 otherwise.
	Weight int32
}

type interestKey struct{ subject, queue string }

// Interest counts local subscriptions by subject and queue group. Routes learn
// of a plain subject once, when its first subscription appears (RS+), and of
// its end when the last one goes (RS-). A queue group is announced with its
// weight, the number of local members, every time that number changes, as
// nats-server does, so that remote servers can spread messages in
// proportion.
//
// The zero value is ready to use. An Interest is not safe for concurrent use.
type Interest struct {
	counts map[interestKey]int32
}

// Add counts one more subscription to subject (in queue, if not empty).
func (in *Interest) Add(subject, queue string) Change {
	if in.counts == nil {
		in.counts = make(map[interestKey]int32)
	}
	k := interestKey{subject: subject, queue: queue}
	n := in.counts[k] + 1
	in.counts[k] = n
	switch {
	case queue != "":
		return Change{Op: OpSub, Weight: n}
	case n == 1:
		return Change{Op: OpSub}
	}
	return Change{}
}

// Remove counts one subscription less. Removing what was never added changes
// nothing.
func (in *Interest) Remove(subject, queue string) Change {
	k := interestKey{subject: subject, queue: queue}
	n, ok := in.counts[k]
	if !ok {
		return Change{}
	}
	if n--; n <= 0 {
		delete(in.counts, k)
		return Change{Op: OpUnsub}
	}
	in.counts[k] = n
	if queue != "" {
		return Change{Op: OpSub, Weight: n}
	}
	return Change{}
}

// Weight is the count for subject and queue: the number of subscriptions, 0
// when there are none.
func (in *Interest) Weight(subject, queue string) int32 {
	return in.counts[interestKey{subject: subject, queue: queue}]
}

// Len is the number of distinct subject and queue pairs with interest.
func (in *Interest) Len() int { return len(in.counts) }

// ForEach calls fn for every subject and queue pair with interest, in no
// particular order, with the queue weight (0 for a plain subject): what a new
// route must be sent. fn must not change in.
func (in *Interest) ForEach(fn func(subject, queue string, weight int32)) {
	for k, n := range in.counts {
		w := int32(0)
		if k.queue != "" {
			w = n
		}
		fn(k.subject, k.queue, w)
	}
}
