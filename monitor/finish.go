package monitor

import (
	"cmp"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"time"
)

// The finishXxx functions turn a Source's snapshot into the document served.
// Each modifies its argument, which the caller owns, in place.

// finishVarz fills what the Source may leave to the monitor and replaces the
// request counters with the handler's own.
func finishVarz(v *Varz, now time.Time, reqStats map[string]uint64, usage func() (cpu float64, rss int64)) {
	if v.Now.IsZero() {
		v.Now = now
	}
	if v.Uptime == "" && !v.Start.IsZero() {
		v.Uptime = FormatUptime(v.Now.Sub(v.Start))
	}
	if v.GoVersion == "" {
		v.GoVersion = runtime.Version()
	}
	if v.Cores == 0 {
		v.Cores = runtime.NumCPU()
	}
	if v.MaxProcs == 0 {
		v.MaxProcs = runtime.GOMAXPROCS(0)
	}
	if (v.CPU == 0 || v.Mem == 0) && usage != nil {
		cpu, rss := usage()
		if v.CPU == 0 {
			v.CPU = cpu
		}
		if v.Mem == 0 {
			v.Mem = rss
		}
	}
	if v.SlowConsumersStats == nil {
		v.SlowConsumersStats = &SlowConsumersStats{}
	}
	v.HTTPReqStats = reqStats
}

// finishRoutez orders routes by rid and trims subscription lists.
func finishRoutez(r *Routez, opts *RoutezOptions, now time.Time) {
	if r.Now.IsZero() {
		r.Now = now
	}
	routes := slices.DeleteFunc(r.Routes, func(ri *RouteInfo) bool { return ri == nil })
	if routes == nil {
		routes = []*RouteInfo{}
	}
	slices.SortFunc(routes, func(a, b *RouteInfo) int { return cmp.Compare(a.Rid, b.Rid) })
	for _, ri := range routes {
		if ri.Uptime == "" {
			ri.Uptime = FormatUptime(r.Now.Sub(ri.Start))
		}
		if ri.Idle == "" {
			ri.Idle = FormatUptime(r.Now.Sub(ri.LastActivity))
		}
		ri.Subs, ri.SubsDetail = pickSubs(ri.Subs, ri.SubsDetail, opts.Subscriptions, opts.SubscriptionsDetail)
	}
	r.Routes = routes
	r.NumRoutes = len(routes)
}

// finishSubsz filters the subscription list by account and test subject,
// orders it by cid and sid so that pages are stable, and pages it.
func finishSubsz(s *Subsz, opts *SubszOptions, now time.Time) {
	if s.Now.IsZero() {
		s.Now = now
	}
	s.Offset, s.Limit = opts.Offset, opts.Limit
	if !opts.Subscriptions {
		s.Subs, s.Total = nil, 0
		return
	}
	list := slices.DeleteFunc(s.Subs, func(sd SubDetail) bool {
		return (opts.Account != "" && sd.Account != opts.Account) ||
			(opts.Test != "" && !matchLiteral(opts.Test, sd.Subject))
	})
	slices.SortFunc(list, func(a, b SubDetail) int {
		return cmp.Or(
			cmp.Compare(a.Cid, b.Cid),
			cmp.Compare(len(a.Sid), len(b.Sid)), // numeric sids in numeric order
			strings.Compare(a.Sid, b.Sid),
			strings.Compare(a.Account, b.Account),
			strings.Compare(a.Subject, b.Subject),
		)
	})
	s.Total = len(list)
	s.Subs = pageOf(list, opts.Offset, opts.Limit)
}

// finishLoopz fills the derived per-loop mean.
func finishLoopz(l *Loopz, now time.Time) {
	if l.Now.IsZero() {
		l.Now = now
	}
	if l.Loops == nil {
		l.Loops = []LoopInfo{}
	}
	for i := range l.Loops {
		li := &l.Loops[i]
		if li.MeanFlushBytes == 0 && li.Flushes > 0 {
			li.MeanFlushBytes = float64(li.FlushedBytes) / float64(li.Flushes)
		}
	}
}

// finishHealth settles the status text and returns the HTTP status code,
// which is taken out of the document as nats-server does.
func finishHealth(h *HealthStatus, opts *healthzOptions) int {
	failed := h.Error != "" || len(h.Errors) > 0
	if opts.Details {
		if h.Error != "" {
			h.Errors = append(h.Errors, HealthzError{Type: "CONNECTION", Error: h.Error})
			h.Error = ""
		}
		h.Status = "ok"
		if failed {
			h.Status = "error"
		}
	} else {
		if h.Error == "" && len(h.Errors) > 0 {
			h.Error = h.Errors[0].Error
		}
		h.Errors = nil
		if h.Status == "" {
			h.Status = "ok"
			if failed {
				h.Status = "error"
			}
		}
	}
	code := h.StatusCode
	if code == 0 {
		code = http.StatusOK
		if failed {
			code = http.StatusServiceUnavailable
		}
	}
	h.StatusCode = 0
	return code
}
