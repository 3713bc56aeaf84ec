package monitor

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// globalAccount is the name of the account users land in when no account is
// configured; nats-server never reports it in ConnInfo.Account.
const globalAccount = "$G"

// finishConnz turns a Source's answer into the /connz document: it filters by
// state, cid, user and account, sorts, pages, and trims the fields the query
// did not ask for. c is owned by the caller and modified in place.
func finishConnz(c *Connz, opts *ConnzOptions, now time.Time) {
	if c.Now.IsZero() {
		c.Now = now
	}
	list := c.Conns[:0]
	for _, ci := range c.Conns {
		if ci != nil && opts.wants(ci) {
			list = append(list, ci)
		}
	}
	clear(c.Conns[len(list):])
	sortConns(list, opts.Sort, c.Now)

	page := pageOf(list, opts.Offset, opts.Limit)
	for _, ci := range page {
		presentConn(ci, opts, c.Now)
	}
	if page == nil {
		page = []*ConnInfo{}
	}
	c.Conns = page
	c.NumConns = len(page)
	c.Total = len(list)
	c.Offset = opts.Offset
	c.Limit = opts.Limit
}

// wants reports whether ci passes the query's filters.
func (o *ConnzOptions) wants(ci *ConnInfo) bool {
	closed := isClosed(ci)
	switch o.State {
	case ConnOpen:
		if closed {
			return false
		}
	case ConnClosed:
		if !closed {
			return false
		}
	}
	if o.CID != 0 && ci.Cid != o.CID {
		return false
	}
	if o.User != "" && ci.AuthorizedUser != o.User {
		return false
	}
	if o.Account != "" && ci.Account != o.Account {
		return false
	}
	return true
}

// presentConn fills derived fields and drops what the query did not ask for.
func presentConn(ci *ConnInfo, opts *ConnzOptions, now time.Time) {
	end := now
	if isClosed(ci) {
		end = *ci.Stop
	} else {
		ci.Stop = nil
	}
	if ci.Uptime == "" {
		ci.Uptime = FormatUptime(end.Sub(ci.Start))
	}
	if ci.Idle == "" {
		ci.Idle = FormatUptime(end.Sub(ci.LastActivity))
	}
	if opts.Username {
		if ci.Account == globalAccount {
			ci.Account = ""
		}
	} else {
		ci.AuthorizedUser, ci.Account, ci.TLSPeerCerts = "", "", nil
	}
	ci.Subs, ci.SubsDetail = pickSubs(ci.Subs, ci.SubsDetail, opts.Subscriptions, opts.SubscriptionsDetail)
}

// pickSubs keeps the subscription list the query asked for, deriving the
// plain list from the detailed one when the Source only built that.
func pickSubs(subs []string, detail []SubDetail, wantSubs, wantDetail bool) ([]string, []SubDetail) {
	switch {
	case wantDetail:
		return nil, detail
	case wantSubs:
		if subs == nil && len(detail) > 0 {
			subs = make([]string, len(detail))
			for i := range detail {
				subs[i] = detail[i].Subject
			}
		}
		return subs, nil
	}
	return nil, nil
}

// sortConns orders list for the given sort, breaking ties by ascending cid.
func sortConns(list []*ConnInfo, by SortOpt, now time.Time) {
	if by == SortByRTT {
		sortByRTT(list)
		return
	}
	desc := func(a, b int64) int { return cmp.Compare(b, a) }
	var order func(a, b *ConnInfo) int
	switch by {
	case SortBySubs:
		order = func(a, b *ConnInfo) int { return cmp.Compare(b.NumSubs, a.NumSubs) }
	case SortByPending:
		order = func(a, b *ConnInfo) int { return cmp.Compare(b.Pending, a.Pending) }
	case SortByOutMsgs:
		order = func(a, b *ConnInfo) int { return desc(a.OutMsgs, b.OutMsgs) }
	case SortByInMsgs:
		order = func(a, b *ConnInfo) int { return desc(a.InMsgs, b.InMsgs) }
	case SortByOutBytes:
		order = func(a, b *ConnInfo) int { return desc(a.OutBytes, b.OutBytes) }
	case SortByInBytes:
		order = func(a, b *ConnInfo) int { return desc(a.InBytes, b.InBytes) }
	case SortByLast:
		order = func(a, b *ConnInfo) int { return b.LastActivity.Compare(a.LastActivity) }
	case SortByIdle:
		// Longest idle first, measured against now as nats-server does.
		order = func(a, b *ConnInfo) int { return a.LastActivity.Compare(b.LastActivity) }
	case SortByUptime:
		order = func(a, b *ConnInfo) int { return cmp.Compare(lifetime(a, now), lifetime(b, now)) }
	case SortByStop:
		order = func(a, b *ConnInfo) int { return stopTime(b).Compare(stopTime(a)) }
	case SortByReason:
		order = func(a, b *ConnInfo) int { return strings.Compare(a.Reason, b.Reason) }
	}
	slices.SortFunc(list, func(a, b *ConnInfo) int {
		if order != nil {
			if r := order(a, b); r != 0 {
				return r
			}
		}
		return cmp.Compare(a.Cid, b.Cid)
	})
}

// sortByRTT sorts by descending round-trip time; RTT is a duration string,
// so it is parsed once per connection rather than once per comparison.
func sortByRTT(list []*ConnInfo) {
	type keyed struct {
		rtt time.Duration
		ci  *ConnInfo
	}
	keys := make([]keyed, len(list))
	for i, ci := range list {
		rtt, _ := time.ParseDuration(ci.RTT) // unparsable or empty sorts as zero
		keys[i] = keyed{rtt: rtt, ci: ci}
	}
	slices.SortFunc(keys, func(a, b keyed) int {
		if r := cmp.Compare(b.rtt, a.rtt); r != 0 {
			return r
		}
		return cmp.Compare(a.ci.Cid, b.ci.Cid)
	})
	for i := range keys {
		list[i] = keys[i].ci
	}
}

// pageOf returns list[offset:offset+limit] clamped to the list, without
// overflowing for huge values. offset and limit must not be negative.
func pageOf[T any](list []T, offset, limit int) []T {
	lo := min(offset, len(list))
	return list[lo : lo+min(limit, len(list)-lo)]
}

// isClosed reports whether ci describes a closed connection.
func isClosed(ci *ConnInfo) bool { return ci.Stop != nil && !ci.Stop.IsZero() }

func lifetime(ci *ConnInfo, now time.Time) time.Duration {
	if isClosed(ci) {
		return ci.Stop.Sub(ci.Start)
	}
	return now.Sub(ci.Start)
}

func stopTime(ci *ConnInfo) time.Time {
	if !isClosed(ci) {
		return time.Time{}
	}
	return *ci.Stop
}
