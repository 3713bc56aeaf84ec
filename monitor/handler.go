package monitor

import (
	"encoding/json"
	"errors"
	"html"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync/atomic"
	"time"
)

// Source supplies the data behind the endpoints. The server implements it.
//
// Each method returns a fresh snapshot that the caller owns and may modify;
// it must not alias live server state. Methods are called from HTTP handler
// goroutines, concurrently with each other and with themselves, and must
// gather their data without blocking event loops (read atomics, or ask each
// loop and wait on the handler goroutine, never the reverse). A nil result is
// served as an empty document.
type Source interface {
	// Varz returns identity, configuration and counters. Fields documented
	// on Varz as filled or replaced by the handler may be left zero.
	Varz() *Varz

	// Connz returns every connection in opts.State: open ones, closed ones
	// from the recently-closed ring (Stop set), or both. The Source may use
	// opts to skip work (look up opts.CID directly, leave subscription lists
	// out unless asked) but need not filter, sort or page: the handler
	// filters by CID, User and Account, sorts, pages, fills Total, NumConns,
	// Offset, Limit, Uptime and Idle, and trims fields the query did not ask
	// for. So that it can, AuthorizedUser and Account (the raw account name,
	// "$G" included) must always be filled. With opts.Subscriptions or
	// opts.SubscriptionsDetail, fill Subs or SubsDetail (SubsDetail alone
	// serves both).
	Connz(opts *ConnzOptions) *Connz

	// Routez returns every route. The handler orders them by rid, fills
	// NumRoutes, Uptime and Idle, and trims subscription lists as for Connz.
	Routez(opts *RoutezOptions) *Routez

	// Subsz returns subscription-index statistics for opts.Account (all
	// accounts when empty) and, only when opts.Subscriptions is set, every
	// subscription with SubDetail.Account filled. The handler filters the
	// list by Account and Test, orders and pages it, and fills Total, Offset
	// and Limit.
	Subsz(opts *SubszOptions) *Subsz

	// Loopz returns per-event-loop counters in loop order.
	Loopz() *Loopz

	// Healthz reports readiness: an empty HealthStatus means healthy.
	Healthz() *HealthStatus
}

// endpoint identifies a served path, and indexes the request counters.
type endpoint int

const (
	epRoot endpoint = iota
	epVarz
	epConnz
	epRoutez
	epSubsz
	epHealthz
	epLoopz
	epMetrics
	numEndpoints
)

// endpointKeys are the http_req_stats keys, relative to the base path as in
// nats-server; /subscriptionsz counts as /subsz.
var endpointKeys = [numEndpoints]string{"/", "/varz", "/connz", "/routez", "/subsz", "/healthz", "/loopz", "/metrics"}

type handler struct {
	src     Source
	base    string // normalised: "/" or "/prefix" without a trailing slash
	reqs    [numEndpoints]atomic.Uint64
	proc    *procSampler
	metrics http.Handler
	now     func() time.Time
}

// NewHandler returns the monitoring handler for src, serving under basePath
// (normalised like nats-server's http_base_path: a leading slash is added and
// the path cleaned; empty means "/"). Routes, relative to the base path:
// "/" (an HTML index), "/varz", "/connz", "/routez", "/subsz",
// "/subscriptionsz", "/healthz", "/loopz" and "/metrics" (Prometheus text
// format). Anything else is 404. JSON documents are indented with two spaces
// and carry "Access-Control-Allow-Origin: *"; a "callback" query parameter
// that is a plain JavaScript identifier turns them into JSONP. Rejected
// queries get HTTP 400 with nats-server's error text.
//
// The handler is safe for concurrent use; it keeps only request counters.
func NewHandler(src Source, basePath string) http.Handler {
	h := &handler{
		src:  src,
		base: normalizeBasePath(basePath),
		proc: newProcSampler(),
		now:  func() time.Time { return time.Now().UTC() },
	}
	h.metrics = newMetricsHandler(h)
	return h
}

// NewServer wraps handler in an http.Server with timeouts suited to a
// monitoring port. The caller owns the listener: call Serve, or ServeTLS
// after setting TLSConfig for HTTPS, and Shutdown to stop.
func NewServer(handler http.Handler) *http.Server {
	return &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      60 * time.Second, // a /connz of many thousands takes a while
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    1 << 20,
	}
}

func normalizeBasePath(p string) string {
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return path.Clean(p)
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ep, ok := h.route(r.URL.Path)
	if !ok {
		http.NotFound(w, r)
		return
	}
	h.reqs[ep].Add(1)
	q := r.URL.Query()
	switch ep {
	case epRoot:
		h.serveRoot(w)
	case epVarz:
		h.writeJSON(w, q, http.StatusOK, h.varz(), true)
	case epConnz:
		h.serveConnz(w, q)
	case epRoutez:
		h.serveRoutez(w, q)
	case epSubsz:
		h.serveSubsz(w, q)
	case epHealthz:
		h.serveHealthz(w, q)
	case epLoopz:
		h.writeJSON(w, q, http.StatusOK, h.loopz(), true)
	case epMetrics:
		h.metrics.ServeHTTP(w, r)
	}
}

// route maps a request path to an endpoint.
func (h *handler) route(p string) (endpoint, bool) {
	rest := p
	if h.base != "/" {
		switch {
		case p == h.base || p == h.base+"/":
			return epRoot, true
		case strings.HasPrefix(p, h.base+"/"):
			rest = p[len(h.base):]
		default:
			return 0, false
		}
	}
	switch rest {
	case "/":
		return epRoot, true
	case "/varz":
		return epVarz, true
	case "/connz":
		return epConnz, true
	case "/routez":
		return epRoutez, true
	case "/subsz", "/subscriptionsz":
		return epSubsz, true
	case "/healthz":
		return epHealthz, true
	case "/loopz":
		return epLoopz, true
	case "/metrics":
		return epMetrics, true
	}
	return 0, false
}

// reqStats snapshots the request counters for Varz.HTTPReqStats.
func (h *handler) reqStats() map[string]uint64 {
	m := make(map[string]uint64, numEndpoints)
	for i, key := range endpointKeys {
		m[key] = h.reqs[i].Load()
	}
	return m
}

func (h *handler) varz() *Varz {
	v := h.src.Varz()
	if v == nil {
		v = &Varz{}
	}
	finishVarz(v, h.now(), h.reqStats(), h.proc.sample)
	return v
}

func (h *handler) loopz() *Loopz {
	l := h.src.Loopz()
	if l == nil {
		l = &Loopz{}
	}
	finishLoopz(l, h.now())
	return l
}

func (h *handler) serveConnz(w http.ResponseWriter, q url.Values) {
	opts, err := parseConnzOptions(q)
	if err != nil {
		writeError(w, err)
		return
	}
	c := h.src.Connz(opts)
	if c == nil {
		c = &Connz{}
	}
	finishConnz(c, opts, h.now())
	h.writeJSON(w, q, http.StatusOK, c, true)
}

func (h *handler) serveRoutez(w http.ResponseWriter, q url.Values) {
	opts, err := parseRoutezOptions(q)
	if err != nil {
		writeError(w, err)
		return
	}
	rz := h.src.Routez(opts)
	if rz == nil {
		rz = &Routez{}
	}
	finishRoutez(rz, opts, h.now())
	h.writeJSON(w, q, http.StatusOK, rz, true)
}

func (h *handler) serveSubsz(w http.ResponseWriter, q url.Values) {
	opts, err := parseSubszOptions(q)
	if err != nil {
		writeError(w, err)
		return
	}
	s := h.src.Subsz(opts)
	if s == nil {
		s = &Subsz{}
	}
	finishSubsz(s, opts, h.now())
	h.writeJSON(w, q, http.StatusOK, s, true)
}

func (h *handler) serveHealthz(w http.ResponseWriter, q url.Values) {
	opts, err := parseHealthzOptions(q)
	if err != nil {
		writeError(w, err)
		return
	}
	hs := h.src.Healthz()
	if hs == nil {
		hs = &HealthStatus{}
	}
	code := finishHealth(hs, opts)
	h.writeJSON(w, q, code, hs, false) // compact, as nats-server sends it
}

// writeJSON marshals v and sends it as JSON, or as JSONP when the query has a
// valid callback name.
func (h *handler) writeJSON(w http.ResponseWriter, q url.Values, code int, v any, indent bool) {
	var b []byte
	var err error
	if indent {
		b, err = json.MarshalIndent(v, "", "  ")
	} else {
		b, err = json.Marshal(v)
	}
	if err != nil {
		writeText(w, http.StatusInternalServerError, "monitor: encoding response: "+err.Error())
		return
	}
	hdr := w.Header()
	hdr.Set("Access-Control-Allow-Origin", "*")
	if cb := q.Get("callback"); cb != "" {
		if !isCallbackName(cb) {
			writeText(w, http.StatusBadRequest, "invalid callback name")
			return
		}
		hdr.Set("Content-Type", "application/javascript")
		w.WriteHeader(code)
		_, _ = w.Write([]byte(cb + "("))
		_, _ = w.Write(b)
		_, _ = w.Write([]byte(")"))
		return
	}
	hdr.Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(b) // the client went away; nothing to do
}

// writeError answers a rejected query with 400 and its text, anything else
// with 500.
func writeError(w http.ResponseWriter, err error) {
	code := http.StatusInternalServerError
	if errors.Is(err, errMonitorBadRequest) {
		code = http.StatusBadRequest
	}
	writeText(w, code, err.Error())
}

func writeText(w http.ResponseWriter, code int, text string) {
	hdr := w.Header()
	hdr.Set("Content-Type", "text/plain; charset=utf-8")
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Access-Control-Allow-Origin", "*")
	w.WriteHeader(code)
	_, _ = w.Write([]byte(text))
}

// isCallbackName accepts dotted JavaScript identifiers such as "cb" or
// "app.handlers.varz", so a JSONP callback cannot inject script.
func isCallbackName(s string) bool {
	if len(s) > 128 {
		return false
	}
	for part := range strings.SplitSeq(s, ".") {
		if part == "" {
			return false
		}
		for i := 0; i < len(part); i++ {
			c := part[i]
			letter := c == '_' || c == '$' || (c|0x20 >= 'a' && c|0x20 <= 'z')
			if !letter && (i == 0 || c < '0' || c > '9') {
				return false
			}
		}
	}
	return true
}

// rootLinks are the index page entries, in display order.
var rootLinks = [...]struct{ title, path string }{
	{"General", "varz"},
	{"Connections", "connz"},
	{"Routes", "routez"},
	{"Subscriptions", "subsz"},
	{"Event loops", "loopz"},
	{"Prometheus metrics", "metrics"},
	{"Health probe", "healthz"},
}

func (h *handler) serveRoot(w http.ResponseWriter) {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>evnats monitoring</title>\n" +
		"<style>body{font-family:system-ui,sans-serif;margin:2rem}a{display:block;padding:.2rem 0}</style></head>\n" +
		"<body>\n<h1>evnats monitoring</h1>\n")
	for _, l := range rootLinks {
		b.WriteString(`<a href="`)
		b.WriteString(html.EscapeString(path.Join(h.base, l.path)))
		b.WriteString(`">`)
		b.WriteString(l.title)
		b.WriteString("</a>\n")
	}
	b.WriteString("</body>\n</html>\n")
	hdr := w.Header()
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(b.String()))
}
