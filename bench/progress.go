package bench

import (
	"time"

	"github.com/schollz/progressbar/v3"
)

// progress draws a bar on cfg.Progress, if set, until the returned stop is
// called: messages sent out of cfg.Msgs, or elapsed time out of cfg.Duration.
func (r *runner) progress() (stop func()) {
	w := r.cfg.Progress
	if w == nil {
		return func() {}
	}
	total := r.cfg.Msgs
	unit := "msgs"
	if r.cfg.Duration > 0 {
		total, unit = r.cfg.Duration.Milliseconds(), "ms"
	}
	bar := progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(string(r.cfg.Scenario)),
		progressbar.OptionSetItsString(unit),
		progressbar.OptionShowCount(),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
	start := time.Now()
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				_ = bar.Clear()
				return
			case <-tick.C:
			}
			v := time.Since(start).Milliseconds()
			if r.cfg.Duration == 0 {
				v = 0
				for _, p := range r.pubs {
					v += p.msgs.Load()
				}
			}
			_ = bar.Set64(min(v, total))
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}
