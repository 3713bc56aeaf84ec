package bench

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Scenario names a traffic pattern. See Scenarios for the list.
type Scenario string

// The scenarios Run understands.
const (
	// ScenarioPub: Pubs publishers, no subscribers.
	ScenarioPub Scenario = "pub"
	// ScenarioSub: one publisher feeding Subs subscribers; reported per subscriber.
	ScenarioSub Scenario = "sub"
	// ScenarioPubSub: Pubs publishers and Subs subscribers on one subject.
	ScenarioPubSub Scenario = "pubsub"
	// ScenarioFanout: one publisher, Subs subscribers.
	ScenarioFanout Scenario = "fanout"
	// ScenarioQueue: Pubs publishers into one queue group of Subs members.
	ScenarioQueue Scenario = "queue"
	// ScenarioReqRep: Pubs requesters, each with one request in flight, and Subs
	// repliers in a queue group.
	ScenarioReqRep Scenario = "reqrep"
)

// Scenarios lists every Scenario in the order the CLI documents them.
var Scenarios = []Scenario{ScenarioPub, ScenarioSub, ScenarioPubSub, ScenarioFanout, ScenarioQueue, ScenarioReqRep}

// ParseScenario returns the Scenario called name.
func ParseScenario(name string) (Scenario, error) {
	for _, s := range Scenarios {
		if string(s) == name {
			return s, nil
		}
	}
	names := make([]string, len(Scenarios))
	for i, s := range Scenarios {
		names[i] = string(s)
	}
	return "", fmt.Errorf("unknown scenario %q (want one of %s)", name, strings.Join(names, ", "))
}

// Defaults used by DefaultConfig and by Run for zero fields.
const (
	DefaultURL       = "nats://127.0.0.1:4222"
	DefaultSubject   = "bench"
	DefaultMsgs      = 100_000
	DefaultSize      = 128
	DefaultTimeout   = 60 * time.Second
	DefaultWindow    = 8
	DefaultBatchSize = 64 << 10
	// QueueGroup is the queue group of the queue scenario and of reqrep's repliers.
	QueueGroup = "bench-q"
)

// Config describes one benchmark run. It is plain data: Run reads it and does not
// keep it, so a Config may be reused or changed after Run returns.
type Config struct {
	Scenario Scenario
	// URLs are the servers publishers and requesters connect to, round-robin
	// (nats://, tls://; user:pass@ in the URL is honoured).
	URLs []string
	// SubURLs are the servers subscribers and repliers connect to; empty means URLs.
	// A different server here measures a route: Run then waits until a probe
	// message crosses before it starts.
	SubURLs []string
	Subject string

	// Msgs is the number of messages (requests for reqrep) all publishers send
	// together. Ignored when Duration is set.
	Msgs int64
	// Duration, when non-zero, bounds publishing by time instead of count.
	Duration time.Duration
	// Size is the payload size in bytes. Sizes of 8 or more carry a send timestamp,
	// from which publish-to-receive latency is measured.
	Size int
	// Pubs is the number of publishers (requesters for reqrep).
	Pubs int
	// Subs is the number of subscribers (queue members, repliers).
	Subs int

	// TLS: CAFile verifies the server; CertFile and KeyFile are a client certificate.
	// Any of them, or a tls:// URL, makes the connection use TLS.
	CAFile   string
	CertFile string
	KeyFile  string
	// TLSInsecure skips verification of the server's certificate.
	TLSInsecure bool

	User     string
	Password string
	Token    string

	// Timeout bounds the whole run, including connecting and draining. When it
	// expires Run returns an error. Zero means DefaultTimeout (plus Duration).
	Timeout time.Duration
	// Window is how many PINGs (one per batch) a publisher may have outstanding;
	// zero means DefaultWindow.
	Window int
	// BatchSize is the size of a publisher's write; zero means DefaultBatchSize.
	BatchSize int
	// NoFlowControl lets publishers run ahead of subscribers without bound (only the
	// PING window applies). Slow consumers and lost messages are then likely.
	NoFlowControl bool
	// Progress draws a progress bar on this writer when non-nil.
	Progress io.Writer
	// OnStart and OnStop, when set, are called on Run's goroutine right before the
	// publishers start and right after the last delivery (or the drain timeout),
	// so a caller can sample a server's CPU time over exactly the measured interval.
	OnStart, OnStop func()
	// Name is sent in CONNECT, suffixed with the client's role and index.
	Name string

	// holdReceivers, for tests, makes the first holdReceivers subscribers read
	// nothing until the publishers are done, so the server sees them as slow
	// consumers; Run then waits (within Timeout) until the server has closed them.
	holdReceivers int
	// replyTimeout, when set, replaces the default bound on one request's
	// wait for its reply (the storm row expects long waits).
	replyTimeout time.Duration
}

// DefaultConfig returns the configuration of `evnats-bench pubsub` with no flags.
func DefaultConfig() *Config {
	return &Config{
		Scenario: ScenarioPubSub,
		URLs:     []string{DefaultURL},
		Subject:  DefaultSubject,
		Msgs:     DefaultMsgs,
		Size:     DefaultSize,
		Pubs:     1,
		Subs:     1,
		Timeout:  DefaultTimeout,
		Window:   DefaultWindow,
		Name:     "evnats-bench",
	}
}

// shape is what a Scenario means in clients and deliveries.
type shape struct {
	pubs, subs int
	queue      string
	reqrep     bool
}

// fanout is the number of deliveries one published message should cause.
func (s shape) fanout() int64 {
	switch {
	case s.subs == 0:
		return 0
	case s.queue != "":
		return 1
	}
	return int64(s.subs)
}

// shape resolves the client counts of c.Scenario.
func (c *Config) shape() shape {
	switch c.Scenario {
	case ScenarioPub:
		return shape{pubs: c.Pubs}
	case ScenarioSub, ScenarioFanout:
		return shape{pubs: 1, subs: c.Subs}
	case ScenarioQueue:
		return shape{pubs: c.Pubs, subs: c.Subs, queue: QueueGroup}
	case ScenarioReqRep:
		return shape{pubs: c.Pubs, subs: c.Subs, queue: QueueGroup, reqrep: true}
	}
	return shape{pubs: c.Pubs, subs: c.Subs}
}

// validate checks c and fills zero fields with defaults. It works on a copy.
func (c Config) validate() (*Config, error) {
	if _, err := ParseScenario(string(c.Scenario)); err != nil {
		return nil, err
	}
	if len(c.URLs) == 0 {
		c.URLs = []string{DefaultURL}
	}
	if len(c.SubURLs) == 0 {
		c.SubURLs = c.URLs
	}
	if c.Subject == "" {
		c.Subject = DefaultSubject
	}
	if strings.ContainsAny(c.Subject, " \t\r\n") {
		return nil, fmt.Errorf("subject %q contains white space", c.Subject)
	}
	if c.Window <= 0 {
		c.Window = DefaultWindow
	}
	if c.BatchSize <= 0 {
		c.BatchSize = DefaultBatchSize
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout + c.Duration
	}
	if c.Name == "" {
		c.Name = "evnats-bench"
	}
	var errs []error
	if c.Size < 0 {
		errs = append(errs, errors.New("--size must not be negative"))
	}
	if c.Duration < 0 {
		errs = append(errs, errors.New("--duration must not be negative"))
	}
	if c.Duration == 0 && c.Msgs <= 0 {
		errs = append(errs, errors.New("--msgs must be positive (or give --duration)"))
	}
	if c.Scenario == ScenarioReqRep && c.Size < 8 {
		errs = append(errs, errors.New("reqrep needs --size of at least 8 (the payload carries a timestamp)"))
	}
	sh := c.shape()
	if sh.pubs <= 0 {
		errs = append(errs, errors.New("--pubs must be positive"))
	}
	if c.Scenario != ScenarioPub && sh.subs <= 0 {
		errs = append(errs, errors.New("--subs must be positive"))
	}
	if (c.CertFile == "") != (c.KeyFile == "") {
		errs = append(errs, errors.New("--tlscert and --tlskey go together"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &c, nil
}

// perClient splits total over n clients, the remainder going to the first ones.
func perClient(total int64, n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = total / int64(n)
		if int64(i) < total%int64(n) {
			out[i]++
		}
	}
	return out
}
