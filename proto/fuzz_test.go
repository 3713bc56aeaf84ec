package proto

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// FuzzParser checks that no input panics the parser and that cutting the
// input anywhere (at two fuzz-chosen points, and into single bytes) gives
// the same callbacks and the same error as parsing it whole.
//
// flags selects the mode (flags%3), and small limits (bit 2) and a dedicated
// route account (bit 3) so that limit errors are reachable.
func FuzzParser(f *testing.F) {
	for _, tc := range parseCases {
		f.Add(uint8(tc.mode), []byte(tc.in), uint16(len(tc.in)/2), uint16(len(tc.in)/3))
	}
	for _, tc := range errorCases {
		f.Add(uint8(tc.mode)|4, []byte(tc.in), uint16(3), uint16(len(tc.in)-1))
	}
	g := gen{r: rand.New(rand.NewPCG(1, 2))}
	for k := 0; k < 12; k++ {
		mode := Mode(k % 3)
		pl := g.pipeline(mode)
		if len(pl.data) > 4096 {
			pl.data = pl.data[:4096]
		}
		flags := uint8(mode)
		if pl.setup != nil {
			flags |= 8
		}
		f.Add(flags, pl.data, uint16(g.r.IntN(len(pl.data)+1)), uint16(g.r.IntN(len(pl.data)+1)))
	}

	f.Fuzz(func(t *testing.T, flags uint8, data []byte, cut1, cut2 uint16) {
		mode := Mode(flags % 3)
		setup := func(p *Parser) {
			if flags&4 != 0 {
				p.MaxControlLine, p.MaxPayload = 24, 64
			}
			if flags&8 != 0 {
				p.RouteAccount = []byte("ACC")
			}
		}
		whole := run(mode, setup, data, nil)
		cuts := []int{int(cut1) % (len(data) + 1), int(cut2) % (len(data) + 1)}
		slices.Sort(cuts)
		requireSame(t, "two cuts", whole, run(mode, setup, data, cuts))
		if len(data) <= 1<<12 {
			requireSame(t, "byte-by-byte", whole, run(mode, setup, data, byteCuts(len(data))))
		}
	})
}
