package bench

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/evnats/evnats/proto"
)

// probeTimeout bounds the wait for interest to cross a route.
const probeTimeout = 10 * time.Second

// probeHandler signals the first MSG.
type probeHandler struct {
	proto.NopHandler
	got chan struct{}
}

func (h *probeHandler) Msg(_, _, _, _ []byte) error {
	select {
	case h.got <- struct{}{}:
	default:
	}
	return nil
}

// probeRoute waits until a message published on server pub reaches a
// subscriber on server sub. The subscribers' own SUBs were
// confirmed before the probe's, so once the probe crosses, their interest has
// crossed too.
func (r *runner) probeRoute(ctx context.Context, pub, sub *endpoint) error {
	subject := []byte("_BENCH.probe." + strconv.FormatInt(time.Now().UnixNano(), 36))
	sc, err := r.d.dial(ctx, sub, "probe", 0, proto.AppendSub(nil, subject, nil, []byte("1")))
	if err != nil {
		return err
	}
	defer sc.Close()
	pc, err := r.d.dial(ctx, pub, "probe", 1, nil)
	if err != nil {
		return err
	}
	defer pc.Close()
	h := &probeHandler{got: make(chan struct{}, 1)}
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		_ = sc.readUntil(h, func() bool { return len(h.got) > 0 })
	}()
	defer func() {
		_ = sc.SetReadDeadline(time.Now())
		<-readDone
	}()
	msg := proto.AppendPub(nil, subject, nil, []byte("probe"))
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	timeout := time.NewTimer(probeTimeout)
	defer timeout.Stop()
	for {
		if _, err := pc.Write(msg); err != nil {
			return fmt.Errorf("route probe: %w", unwrapOp(err))
		}
		select {
		case <-h.got:
			return nil
		case <-readDone:
			if len(h.got) > 0 {
				return nil // the reader stopped because the probe arrived
			}
			return fmt.Errorf("route probe: subscriber connection to %s closed", sub.addr)
		case <-ctx.Done():
			return ctx.Err()
		case <-timeout.C:
			return fmt.Errorf("route probe: no message from %s reached %s within %v (are the servers clustered?)",
				pub.addr, sub.addr, probeTimeout)
		case <-tick.C:
		}
	}
}
