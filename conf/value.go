package conf

import "time"

// Document is a parsed configuration with the position of every key and value.
// It is not modified after parsing, so it may be read concurrently.
type Document struct {
	// Root holds the top-level keys.
	Root *Map
}

// Plain returns the document as plain Go values (see Map.Plain).
func (d *Document) Plain() map[string]any { return d.Root.Plain() }

// Lookup follows path through nested maps from the root (see Map.Lookup).
func (d *Document) Lookup(path ...string) (*Value, bool) { return d.Root.Lookup(path...) }

// Value is one parsed value and where it was written. V is a string, int64,
// float64, bool, time.Time, *Map or []*Value. A value that came from a $variable
// has the position of the reference; maps and arrays reached through a variable
// are shared with the place they were defined, so they must not be modified.
type Value struct {
	Pos Pos
	V   any
}

// Entry is one key of a map.
type Entry struct {
	// Key is the key as written (without quotes).
	Key string
	// KeyPos is where the key was written.
	KeyPos Pos
	Value  *Value
	// UsedAsVariable is set when a later $Key reference resolved to this entry.
	// Option processing skips such keys instead of reporting them as unknown.
	UsedAsVariable bool
}

// Map is a parsed map. Its entries keep file order; a key set twice keeps its
// first place and the last value, as later keys override earlier ones.
type Map struct {
	entries []*Entry
	index   map[string]int
}

func newMap() *Map { return &Map{index: make(map[string]int)} }

// Entries returns the entries in file order. The slice belongs to the Map and must
// not be modified; it stays valid as long as the Map.
func (m *Map) Entries() []*Entry { return m.entries }

// Len returns the number of distinct keys.
func (m *Map) Len() int { return len(m.entries) }

// Get returns the entry with exactly this key, or nil.
func (m *Map) Get(key string) *Entry {
	if i, ok := m.index[key]; ok {
		return m.entries[i]
	}
	return nil
}

// Lookup follows path through nested maps, matching keys exactly, and returns
// the value at its end.
func (m *Map) Lookup(path ...string) (*Value, bool) {
	cur := m
	var v *Value
	for i, k := range path {
		e := cur.Get(k)
		if e == nil {
			return nil, false
		}
		v = e.Value
		if i == len(path)-1 {
			break
		}
		next, ok := v.V.(*Map)
		if !ok {
			return nil, false
		}
		cur = next
	}
	return v, v != nil
}

// set adds or replaces the entry for e.Key.
func (m *Map) set(e *Entry) {
	if i, ok := m.index[e.Key]; ok {
		m.entries[i] = e
		return
	}
	m.index[e.Key] = len(m.entries)
	m.entries = append(m.entries, e)
}

// Plain returns the map as map[string]any with plain values: string, int64,
// float64, bool, time.Time, []any and map[string]any. A map or array referenced
// through variables in several places is converted once and shared, as in
// nats-server, so the result may alias itself and must be treated as read-only.
func (m *Map) Plain() map[string]any {
	c := plainer{maps: make(map[*Map]map[string]any), lists: make(map[*Value][]any)}
	return c.mapOf(m)
}

// plainer converts a tree once per shared node, so that variables that copy maps
// into maps cannot make the conversion exponential.
type plainer struct {
	maps  map[*Map]map[string]any
	lists map[*Value][]any
}

func (c *plainer) mapOf(m *Map) map[string]any {
	if out, ok := c.maps[m]; ok {
		return out
	}
	out := make(map[string]any, len(m.entries))
	c.maps[m] = out
	for _, e := range m.entries {
		out[e.Key] = c.valueOf(e.Value.V)
	}
	return out
}

func (c *plainer) valueOf(v any) any {
	switch x := v.(type) {
	case *Map:
		return c.mapOf(x)
	case []*Value:
		if len(x) == 0 {
			return []any{}
		}
		if out, ok := c.lists[x[0]]; ok && len(out) == len(x) {
			return out
		}
		out := make([]any, len(x))
		c.lists[x[0]] = out
		for i, el := range x {
			out[i] = c.valueOf(el.V)
		}
		return out
	}
	return v
}

// TypeName describes the type of a parsed value (V of a Value, or a plain value)
// for error messages: "string", "integer", "float", "boolean", "datetime", "map"
// or "array".
func TypeName(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case int64:
		return "integer"
	case float64:
		return "float"
	case bool:
		return "boolean"
	case time.Time:
		return "datetime"
	case *Map, map[string]any:
		return "map"
	case []*Value, []any:
		return "array"
	}
	return "unknown"
}
