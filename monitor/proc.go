package monitor

import (
	"sync"
	"time"
)

// procSampler measures the process's CPU use and resident memory for /varz
// when the Source leaves them zero. CPU is the percentage of one core used
// since the previous sample, re-measured at most once per minSampleGap so
// that rapid polling does not turn it into noise. Safe for concurrent use.
type procSampler struct {
	mu      sync.Mutex
	lastCPU time.Duration // process CPU time at the last sample
	lastAt  time.Time
	pct     float64
}

const minSampleGap = time.Second

func newProcSampler() *procSampler {
	return &procSampler{lastCPU: processCPUTime(), lastAt: time.Now()}
}

// sample returns the CPU percentage and resident set size in bytes.
func (p *procSampler) sample() (cpuPct float64, rss int64) {
	rss = residentBytes()
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	if wall := now.Sub(p.lastAt); wall >= minSampleGap {
		cpu := processCPUTime()
		p.pct = 100 * float64(cpu-p.lastCPU) / float64(wall)
		p.lastCPU, p.lastAt = cpu, now
	}
	return p.pct, rss
}
