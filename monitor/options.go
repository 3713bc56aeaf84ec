package monitor

import (
	"net/url"
	"strconv"
	"strings"
)

// DefaultListSize is the page size of /connz and /subsz when the query has no
// limit, as in nats-server.
const DefaultListSize = 1024

// SortOpt names the /connz sort order (the "sort" query parameter).
type SortOpt string

// Sort orders understood by /connz. SortByCID, SortByStart, SortByUptime and
// SortByReason are ascending; all others are descending, as in nats-server.
// Ties are broken by ascending cid so that paging is stable.
const (
	SortByCID      SortOpt = "cid"        // connection id
	SortByStart    SortOpt = "start"      // start time, which is the cid order
	SortBySubs     SortOpt = "subs"       // number of subscriptions
	SortByPending  SortOpt = "pending"    // bytes waiting to be written
	SortByOutMsgs  SortOpt = "msgs_to"    // messages sent to the connection
	SortByInMsgs   SortOpt = "msgs_from"  // messages received from the connection
	SortByOutBytes SortOpt = "bytes_to"   // bytes sent to the connection
	SortByInBytes  SortOpt = "bytes_from" // bytes received from the connection
	SortByLast     SortOpt = "last"       // last activity
	SortByIdle     SortOpt = "idle"       // time since last activity
	SortByUptime   SortOpt = "uptime"     // lifetime, shortest first
	SortByStop     SortOpt = "stop"       // close time; closed connections only
	SortByReason   SortOpt = "reason"     // close reason; closed connections only
	SortByRTT      SortOpt = "rtt"        // round-trip time
)

// IsValid reports whether s is empty (meaning SortByCID) or a known order.
func (s SortOpt) IsValid() bool {
	switch s {
	case "", SortByCID, SortByStart, SortBySubs, SortByPending, SortByOutMsgs, SortByInMsgs,
		SortByOutBytes, SortByInBytes, SortByLast, SortByIdle, SortByUptime, SortByStop,
		SortByReason, SortByRTT:
		return true
	}
	return false
}

// ConnState selects open connections, closed ones (from the server's ring of
// recently closed connections) or both.
type ConnState int

// Connection states for ConnzOptions.State ("state=open|closed|any|all").
const (
	ConnOpen ConnState = iota
	ConnClosed
	ConnAll
)

// String returns the query spelling of the state.
func (s ConnState) String() string {
	switch s {
	case ConnOpen:
		return "open"
	case ConnClosed:
		return "closed"
	case ConnAll:
		return "any"
	}
	return "unknown"
}

// ConnzOptions is the parsed /connz query. The handler validates and normalises
// it before calling Source.Connz: Sort is valid, Offset >= 0, Limit > 0 (1 when
// CID is set). The Source must not modify it.
type ConnzOptions struct {
	Sort                SortOpt   // "sort"; empty means by cid
	Username            bool      // "auth": include authorized_user, account and tls_peer_certs
	Subscriptions       bool      // "subs=true": include subscriptions_list
	SubscriptionsDetail bool      // "subs=detail": include subscriptions_list_detail
	Offset              int       // "offset" into the sorted list
	Limit               int       // "limit", DefaultListSize when absent
	CID                 uint64    // "cid": only this connection
	State               ConnState // "state"
	User                string    // "user": only connections authorized as this user
	Account             string    // "acc": only connections bound to this account
}

// RoutezOptions is the parsed /routez query.
type RoutezOptions struct {
	Subscriptions       bool // "subs=true": include subscriptions_list
	SubscriptionsDetail bool // "subs=detail": include subscriptions_list_detail
}

// SubszOptions is the parsed /subsz query, normalised like ConnzOptions.
type SubszOptions struct {
	Subscriptions bool   // "subs": include subscriptions_list
	Offset        int    // "offset" into the list
	Limit         int    // "limit", DefaultListSize when absent
	Account       string // "acc": only this account
	Test          string // "test": only subscriptions a publish to this literal subject would reach
}

// healthzOptions is the parsed /healthz query. Only Details changes anything
// for a broker without JetStream; the other flags are validated and ignored.
type healthzOptions struct {
	Details bool
}

func parseConnzOptions(q url.Values) (*ConnzOptions, error) {
	opts := &ConnzOptions{
		Sort:    SortOpt(q.Get("sort")),
		User:    q.Get("user"),
		Account: q.Get("acc"),
	}
	var err error
	if opts.Username, err = queryBool(q, "auth"); err != nil {
		return nil, err
	}
	if opts.Subscriptions, opts.SubscriptionsDetail, err = querySubs(q); err != nil {
		return nil, err
	}
	if opts.Offset, err = queryInt(q, "offset"); err != nil {
		return nil, err
	}
	if opts.Limit, err = queryInt(q, "limit"); err != nil {
		return nil, err
	}
	if opts.CID, err = queryUint64(q, "cid"); err != nil {
		return nil, err
	}
	if opts.State, err = queryState(q); err != nil {
		return nil, err
	}
	if err = opts.normalize(); err != nil {
		return nil, err
	}
	return opts, nil
}

// normalize validates the sort order and clamps paging, with nats-server's
// error texts.
func (o *ConnzOptions) normalize() error {
	if !o.Sort.IsValid() {
		return badRequest("invalid sorting option: %s", o.Sort)
	}
	if o.Sort == "" {
		o.Sort = SortByCID
	}
	if o.Sort == SortByStop && o.State != ConnClosed {
		return badRequest("sort by stop only valid on closed connections")
	}
	if o.Sort == SortByReason && o.State != ConnClosed {
		return badRequest("sort by reason only valid on closed connections")
	}
	o.Offset = max(o.Offset, 0)
	if o.Limit <= 0 {
		o.Limit = DefaultListSize
	}
	if o.CID > 0 {
		o.Limit = 1
	}
	return nil
}

func parseRoutezOptions(q url.Values) (*RoutezOptions, error) {
	subs, detail, err := querySubs(q)
	if err != nil {
		return nil, err
	}
	return &RoutezOptions{Subscriptions: subs, SubscriptionsDetail: detail}, nil
}

func parseSubszOptions(q url.Values) (*SubszOptions, error) {
	opts := &SubszOptions{Account: q.Get("acc"), Test: q.Get("test")}
	var err error
	if opts.Subscriptions, err = queryBool(q, "subs"); err != nil {
		return nil, err
	}
	if opts.Offset, err = queryInt(q, "offset"); err != nil {
		return nil, err
	}
	if opts.Limit, err = queryInt(q, "limit"); err != nil {
		return nil, err
	}
	opts.Offset = max(opts.Offset, 0)
	if opts.Limit <= 0 {
		opts.Limit = DefaultListSize
	}
	if opts.Test != "" && !isLiteralSubject(opts.Test) {
		return nil, badRequest("invalid test subject, must be valid publish subject: %s", opts.Test)
	}
	return opts, nil
}

func parseHealthzOptions(q url.Values) (*healthzOptions, error) {
	// JetStream selectors: accepted for compatibility, meaningless here.
	for _, name := range [...]string{"js-enabled", "js-enabled-only", "js-server-only", "js-meta-only"} {
		if _, err := queryBool(q, name); err != nil {
			return nil, err
		}
	}
	details, err := queryBool(q, "details")
	if err != nil {
		return nil, err
	}
	return &healthzOptions{Details: details}, nil
}

func queryBool(q url.Values, name string) (bool, error) {
	s := q.Get(name)
	if s == "" {
		return false, nil
	}
	v, err := strconv.ParseBool(s)
	if err != nil {
		return false, badRequest("Error decoding boolean for '%s': %v", name, err)
	}
	return v, nil
}

func queryInt(q url.Values, name string) (int, error) {
	s := q.Get(name)
	if s == "" {
		return 0, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		return 0, badRequest("Error decoding int for '%s': %v", name, err)
	}
	return v, nil
}

func queryUint64(q url.Values, name string) (uint64, error) {
	s := q.Get(name)
	if s == "" {
		return 0, nil
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, badRequest("Error decoding uint64 for '%s': %v", name, err)
	}
	return v, nil
}

func queryState(q url.Values) (ConnState, error) {
	s := q.Get("state")
	switch strings.ToLower(s) {
	case "", "open":
		return ConnOpen, nil
	case "closed":
		return ConnClosed, nil
	case "any", "all":
		return ConnAll, nil
	}
	return ConnOpen, badRequest("Error decoding state for %s", s)
}

// querySubs reads "subs", which is a boolean or the word "detail".
func querySubs(q url.Values) (subs, detail bool, err error) {
	if strings.EqualFold(q.Get("subs"), "detail") {
		return false, true, nil
	}
	subs, err = queryBool(q, "subs")
	return subs, false, err
}
