package sublist

import (
	"strings"
	"sync/atomic"
)

// The trie: a level holds the children of one token position, a node holds the
// subscriptions whose subject ends at that token. Wildcard children get their
// own pointers so matching never hashes "*" or ">". Everything here is guarded
// by Sublist.mu: writers hold it exclusively, matchers hold it shared.

type level[S comparable] struct {
	nodes map[string]*node[S] // literal tokens; nil until the first one
	pwc   *node[S]            // the "*" child
	fwc   *node[S]            // the ">" child
}

func (l *level[S]) isEmpty() bool {
	return len(l.nodes) == 0 && l.pwc == nil && l.fwc == nil
}

type node[S comparable] struct {
	next   *level[S]
	plain  subSet[S]
	groups *groupSet[S] // nil while the node has no queue subscriptions
}

// groupSet is a node's queue groups. The slice is never handed out, so it is
// edited in place. Above indexMin groups a name -> position map is kept.
type groupSet[S comparable] struct {
	list  []*queueGroup[S]
	index map[string]int
}

type queueGroup[S comparable] struct {
	name    string
	members subSet[S]
}

func (n *node[S]) hasSubs() bool {
	return len(n.plain.list) > 0 || n.groups != nil
}

// isEmpty reports whether n can be pruned: no subscriptions and no children.
func (n *node[S]) isEmpty() bool {
	return !n.hasSubs() && (n.next == nil || n.next.isEmpty())
}

// queueGroups returns n's queue groups, possibly none.
func (n *node[S]) queueGroups() []*queueGroup[S] {
	if n.groups == nil {
		return nil
	}
	return n.groups.list
}

func (gs *groupSet[S]) find(name string) int {
	if gs.index != nil {
		if i, ok := gs.index[name]; ok {
			return i
		}
		return -1
	}
	for i, g := range gs.list {
		if g.name == name {
			return i
		}
	}
	return -1
}

// add stores sub and reports whether it was not already there.
func (n *node[S]) add(queue string, sub S) bool {
	if queue == "" {
		return n.plain.add(sub)
	}
	if n.groups == nil {
		n.groups = &groupSet[S]{}
	}
	gs := n.groups
	if i := gs.find(queue); i >= 0 {
		return gs.list[i].members.add(sub)
	}
	g := &queueGroup[S]{name: strings.Clone(queue)}
	g.members.add(sub)
	gs.list = append(gs.list, g)
	if gs.index != nil {
		gs.index[g.name] = len(gs.list) - 1
	} else if len(gs.list) > indexMin {
		gs.index = make(map[string]int, len(gs.list))
		for i, g := range gs.list {
			gs.index[g.name] = i
		}
	}
	return true
}

// remove deletes sub and reports whether it was there. An emptied queue group
// is dropped, and so is an emptied groupSet.
func (n *node[S]) remove(queue string, sub S) bool {
	if queue == "" {
		return n.plain.remove(sub)
	}
	gs := n.groups
	if gs == nil {
		return false
	}
	i := gs.find(queue)
	if i < 0 || !gs.list[i].members.remove(sub) {
		return false
	}
	if len(gs.list[i].members.list) > 0 {
		return true
	}
	last := len(gs.list) - 1
	gs.list[i] = gs.list[last]
	gs.list[last] = nil
	gs.list = gs.list[:last]
	if gs.index != nil {
		delete(gs.index, queue)
		if i < last {
			gs.index[gs.list[i].name] = i
		}
	}
	if len(gs.list) == 0 {
		n.groups = nil
	}
	return true
}

// indexMin is the set size above which a map index replaces linear search.
const indexMin = 16

// subSet is an unordered set of subscribers kept as a slice, so that a Result
// can share it instead of copying. Once shared, the first len(list) elements are
// frozen: appends may still write past them, but a removal copies the slice
// first. Sets larger than indexMin keep a member -> position map.
type subSet[S comparable] struct {
	list  []S
	index map[S]int
	// shared is set by matchers (under the read lock, hence atomic) when they
	// hand list out, and cleared by writers once they stop using that array.
	shared atomic.Bool
}

func (s *subSet[S]) find(v S) int {
	if s.index != nil {
		if i, ok := s.index[v]; ok {
			return i
		}
		return -1
	}
	for i, x := range s.list {
		if x == v {
			return i
		}
	}
	return -1
}

func (s *subSet[S]) add(v S) bool {
	if s.find(v) >= 0 {
		return false
	}
	// Appending never overwrites an element a Result can see.
	s.list = append(s.list, v)
	if s.index != nil {
		s.index[v] = len(s.list) - 1
	} else if len(s.list) > indexMin {
		s.index = make(map[S]int, len(s.list))
		for i, x := range s.list {
			s.index[x] = i
		}
	}
	return true
}

func (s *subSet[S]) remove(v S) bool {
	i := s.find(v)
	if i < 0 {
		return false
	}
	if s.shared.Load() {
		s.list = append([]S(nil), s.list...)
		s.shared.Store(false)
	}
	last := len(s.list) - 1
	if i < last {
		s.list[i] = s.list[last]
		if s.index != nil {
			s.index[s.list[i]] = i
		}
	}
	var zero S
	s.list[last] = zero
	s.list = s.list[:last]
	if s.index != nil {
		delete(s.index, v)
		if len(s.list) <= indexMin/2 {
			s.index = nil
		}
	}
	if len(s.list) == 0 {
		s.list = nil
	}
	return true
}

// share returns the current members for a Result. The three-index slice makes
// any append by a later merge reallocate rather than write into list.
func (s *subSet[S]) share() []S {
	s.shared.Store(true)
	return s.list[:len(s.list):len(s.list)]
}
