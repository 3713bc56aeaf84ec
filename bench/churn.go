package bench

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// churnBackoff is how long a churn client waits after a failed connection
// before it tries again, so a refusing server is not spun against.
const churnBackoff = 10 * time.Millisecond

// churn is a set of clients that each connect (TCP, INFO, TLS handshake,
// CONNECT, PING/PONG), close, and connect again, until stopped. Every
// handshake is a full one: the clients keep no TLS session cache. They close
// with RST (SO_LINGER 0), as the idle-connection test does, so hundreds of
// thousands of short connections leave no TIME_WAIT sockets behind.
type churn struct {
	d  *dialer
	ep *endpoint

	ok        atomic.Int64 // connections that reached PONG
	failed    atomic.Int64 // connections that did not
	recording atomic.Bool  // record connect times (the measured interval)

	mu       sync.Mutex
	firstErr error
	tlsText  string // the first connection's negotiated parameters

	hists  []*hdrhistogram.Histogram // connect time per client, read after stop
	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once
}

// startChurn starts clients churning connections against url. caFile verifies
// the server's certificate; with an empty caFile the connections are plain TCP.
func startChurn(ctx context.Context, url, caFile string, clients int) (*churn, error) {
	cfg := &Config{Scenario: ScenarioPub, URLs: []string{url}, CAFile: caFile, Msgs: 1, Pubs: 1,
		Timeout: 10 * time.Second, Name: "evnats-bench-churn"}
	c, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	ch := &churn{}
	if ch.d, err = newDialer(c); err != nil {
		return nil, err
	}
	if ch.ep, err = ch.d.endpoint(url, c); err != nil {
		return nil, err
	}
	ctx, ch.cancel = context.WithCancel(ctx)
	ch.hists = make([]*hdrhistogram.Histogram, clients)
	for i := range clients {
		h := newHist()
		ch.hists[i] = h
		ch.wg.Go(func() { ch.client(ctx, i, h) })
	}
	return ch, nil
}

// client is one churning client's loop.
func (ch *churn) client(ctx context.Context, i int, h *hdrhistogram.Histogram) {
	for ctx.Err() == nil {
		t0 := time.Now()
		c, err := ch.d.dialSmall(ctx, ch.ep, "churn", i, nil)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			ch.failed.Add(1)
			ch.mu.Lock()
			if ch.firstErr == nil {
				ch.firstErr = err
			}
			ch.mu.Unlock()
			select {
			case <-ctx.Done():
			case <-time.After(churnBackoff):
			}
			continue
		}
		d := time.Since(t0)
		if ch.recording.Load() {
			_ = h.RecordValue(max(d.Nanoseconds(), 1))
		}
		if ch.ok.Add(1) == 1 {
			if st, ok := c.tlsState(); ok {
				ch.mu.Lock()
				ch.tlsText = tlsText(st)
				ch.mu.Unlock()
			}
		}
		c.closeHard()
	}
}

// warm waits until the clients have completed as many connections as there
// are clients (so every one is past its first), or for at most limit. It
// fails when only failures came in.
func (ch *churn) warm(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for ch.ok.Load() < int64(len(ch.hists)) && time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
	if ch.ok.Load() == 0 {
		return fmt.Errorf("no connection completed within %v: %w", limit, ch.err())
	}
	return nil
}

// stop ends every client and waits for them. It may be called more than once.
func (ch *churn) stop() {
	ch.once.Do(func() {
		ch.cancel()
		ch.wg.Wait()
	})
}

// err is the first connection failure, or a generic error when there was none.
func (ch *churn) err() error {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if ch.firstErr == nil {
		return errors.New("no connection failed, none completed")
	}
	return ch.firstErr
}

// negotiated returns the first connection's TLS parameters.
func (ch *churn) negotiated() string {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	return ch.tlsText
}

// latency merges the connect times recorded while recording was on. Call it
// after stop.
func (ch *churn) latency() *Latency {
	all := newHist()
	for _, h := range ch.hists {
		all.Merge(h)
	}
	return latencyOf(all)
}

// tlsText describes a negotiated session: "TLS 1.3, TLS_AES_128_GCM_SHA256, X25519MLKEM768".
func tlsText(st tls.ConnectionState) string {
	s := tls.VersionName(st.Version) + ", " + tls.CipherSuiteName(st.CipherSuite)
	if st.CurveID != 0 {
		s += ", " + st.CurveID.String()
	}
	return s
}
