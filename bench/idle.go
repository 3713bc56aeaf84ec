package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// idleConnect is what an idle client sends after INFO: no echo of +OK, then a
// PING whose PONG proves the server has set the connection up completely.
var idleConnect = []byte(`CONNECT {"verbose":false,"pedantic":false,"lang":"go","version":"evnats-bench","protocol":1}` +
	"\r\nPING\r\n")

// idleResult is the memory cost of idle client connections on one server.
type idleResult struct {
	Conns       int   `json:"conns"`
	BaseRSS     int64 `json:"base_rss"`
	LoadedRSS   int64 `json:"loaded_rss"`
	BytesPerCon int64 `json:"bytes_per_conn"`
}

// measureIdle opens n connections to the server at addr (whose process is pid),
// each completing CONNECT and PING/PONG, and reports the growth of the server's
// resident memory per connection. The connections are closed before it returns.
func measureIdle(ctx context.Context, addr string, pid, n int) (*idleResult, error) {
	limit, err := raiseFileLimit()
	if err != nil {
		return nil, fmt.Errorf("raising RLIMIT_NOFILE: %w", err)
	}
	if uint64(n)+256 > limit {
		return nil, fmt.Errorf("RLIMIT_NOFILE is %d, too low for %d connections", limit, n)
	}
	base, err := steadyRSS(ctx, pid)
	if err != nil {
		return nil, err
	}
	conns := make([]net.Conn, n)
	defer func() {
		for _, c := range conns {
			if c != nil {
				closeHard(c)
			}
		}
	}()
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 1)
	for range 16 {
		wg.Go(func() {
			buf := make([]byte, 4096)
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				c, err := idleDial(ctx, addr, buf)
				if err != nil {
					select {
					case errs <- fmt.Errorf("idle connection %d of %d: %w", i+1, n, err):
					default:
					}
					next.Store(int64(n))
					return
				}
				conns[i] = c
			}
		})
	}
	wg.Wait()
	select {
	case err := <-errs:
		return nil, err
	default:
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	loaded, err := steadyRSS(ctx, pid)
	if err != nil {
		return nil, err
	}
	return &idleResult{Conns: n, BaseRSS: base, LoadedRSS: loaded, BytesPerCon: (loaded - base) / int64(n)}, nil
}

// idleDial connects, reads INFO, sends CONNECT and PING and waits for the PONG.
func idleDial(ctx context.Context, addr string, buf []byte) (net.Conn, error) {
	var d net.Dialer
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, unwrapOp(err)
	}
	dl, _ := ctx.Deadline()
	_ = c.SetDeadline(dl)
	if err := readFor(c, buf, []byte("\n")); err != nil {
		closeHard(c)
		return nil, fmt.Errorf("reading INFO: %w", err)
	}
	if _, err := c.Write(idleConnect); err != nil {
		closeHard(c)
		return nil, unwrapOp(err)
	}
	if err := readFor(c, buf, []byte("PONG\r\n")); err != nil {
		closeHard(c)
		return nil, fmt.Errorf("waiting for PONG: %w", err)
	}
	_ = c.SetDeadline(time.Time{})
	return c, nil
}

// readFor reads until the data read so far contains want.
func readFor(c net.Conn, buf, want []byte) error {
	n := 0
	for !bytes.Contains(buf[:n], want) {
		if n == len(buf) {
			return errors.New("line too long")
		}
		m, err := c.Read(buf[n:])
		n += m
		if bytes.HasPrefix(buf[:n], []byte("-ERR")) && bytes.IndexByte(buf[:n], '\n') > 0 {
			return fmt.Errorf("%w: %s", errServer, bytes.TrimSpace(buf[:n]))
		}
		if err != nil {
			return unwrapOp(err)
		}
	}
	return nil
}

// steadyRSS samples the resident size of pid every 100 ms until two
// consecutive samples differ by less than 1%, for at most 3 s.
func steadyRSS(ctx context.Context, pid int) (int64, error) {
	prev, err := procRSS(pid)
	if err != nil {
		return 0, err
	}
	for range 30 {
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		cur, err := procRSS(pid)
		if err != nil {
			return 0, err
		}
		if d := cur - prev; d*100 < cur && -d*100 < cur {
			return cur, nil
		}
		prev = cur
	}
	return prev, nil
}
