// Package monitor serves the HTTP(S) monitoring endpoints that NATS tooling
// reads (/varz, /connz, /routez, /subsz, /healthz), evnats' own /loopz, and a
// Prometheus /metrics page, with nats-server v2.15's JSON field names, query
// parameters and error texts.
//
// # What it must not know
//
// The package knows nothing of event loops, sockets, the NATS parser or the
// server's data structures. Everything it shows comes from a Source, which the
// server implements by handing over snapshots. It imports only the standard
// library and Prometheus' client_golang.
//
// # Division of work
//
// The handler parses and validates the query (answering 400 with nats-server's
// text), calls the Source with normalised options, then does everything that
// needs no server knowledge: filtering connections by cid, user and account,
// the 14 sort orders, paging, trimming fields the query did not ask for
// (auth details, subscription lists), uptime and idle strings, the test-subject
// filter of /subsz, request counters (http_req_stats), process CPU and memory
// when the Source leaves them zero, and /metrics. See Source for what each
// method must return.
//
// # Concurrency
//
// The handler is safe for concurrent use and holds no lock while calling the
// Source; its only state is atomic request counters and a CPU sampler with its
// own mutex. Source methods are therefore called concurrently from HTTP
// goroutines and must not block event loops. Values returned by a Source are
// owned, and modified, by the handler. /metrics builds its samples from fresh
// Varz and Loopz snapshots at scrape time, using a private Prometheus
// registry (never the global one).
//
// # Differences from nats-server
//
// Sort ties are broken by ascending cid, so pages are stable. /connz "total"
// counts connections after every filter (nats-server ignores the cid and user
// filters there), and /subsz "total" counts matching subscriptions before
// paging (nats-server reports the page length). A JSONP "callback" must be a
// dotted JavaScript identifier. /healthz accepts the JetStream parameters and
// ignores them. /metrics uses the names prometheus-nats-exporter gives /varz
// (gnatsd_varz_<key>, all gauges, label server_id) plus evnats_loop_* series
// with a loop label.
//
// # Example
//
//	h := monitor.NewHandler(srv, opts.HTTPBasePath) // srv implements monitor.Source
//	hs := monitor.NewServer(h)
//	ln, err := net.Listen("tcp", net.JoinHostPort(opts.HTTPHost, strconv.Itoa(opts.HTTPPort)))
//	if err != nil {
//		return err
//	}
//	go hs.Serve(ln) // or: hs.TLSConfig = cfg; go hs.ServeTLS(ln, "", "")
//	defer hs.Shutdown(ctx)
package monitor
