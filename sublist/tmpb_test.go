package sublist
import ("testing"; "hash/maphash"; "sync")
var sinkU uint64
var sinkR *Result[int]
func BenchmarkTmpParts(b *testing.B) {
	s := New[int]()
	subjects := make([][]byte, 64)
	m := map[string]*Result[int]{}
	for i := range subjects { subjects[i] = []byte(benchSubject("lit", i, 0)); s.Match(subjects[i]); m[string(subjects[i])] = &Result[int]{} }
	var mu sync.RWMutex
	b.Run("match", func(b *testing.B) { for i := range b.N { sinkR = s.Match(subjects[i%64]) } })
	b.Run("get", func(b *testing.B) { c := s.cache.Load(); for i := range b.N { x := b2s(subjects[i%64]); sinkR = c.get(c.hash(x), x) } })
	b.Run("hash", func(b *testing.B) { c := s.cache.Load(); for i := range b.N { sinkU = c.hash(b2s(subjects[i%64])) } })
	seed := maphash.MakeSeed()
	b.Run("hashbytes", func(b *testing.B) { for i := range b.N { sinkU = maphash.Bytes(seed, subjects[i%64]) } })
	b.Run("stripe", func(b *testing.B) { for range b.N { s.stats.stripe().matches.Add(1) } })
	b.Run("map", func(b *testing.B) { for i := range b.N { sinkR = m[string(subjects[i%64])] } })
	b.Run("rwmap", func(b *testing.B) { for i := range b.N { mu.RLock(); sinkR = m[string(subjects[i%64])]; mu.RUnlock() } })
}
