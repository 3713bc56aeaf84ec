package reactor

import (
	"net"
	"sync"
	"time"

	"github.com/panjf2000/gnet/v2"
)

// gnetHandler adapts gnet's callbacks to Handler, adding the per-callback
// flush and hand-off.
type gnetHandler struct {
	gnet.BuiltinEventEngine
	e        *Engine
	bootOnce sync.Once
}

func (g *gnetHandler) OnBoot(eng gnet.Engine) gnet.Action {
	g.e.eng = eng
	return gnet.None
}

func (g *gnetHandler) OnOpen(gc gnet.Conn) ([]byte, gnet.Action) {
	l := g.e.loopFor(gc.EventLoop())
	if g.e.isProbe(gc.RemoteAddr()) {
		return nil, gnet.Close
	}
	c := &Conn{gc: gc, loop: l, local: gc.LocalAddr(), remote: gc.RemoteAddr()}
	listener := -1
	if t, ok := gc.Context().(*enrollTag); ok {
		c.tag = t.value
	} else {
		listener = g.e.listenerIndex(c.local)
	}
	gc.SetContext(c)
	l.Stats.Conns.Add(1)
	start := l.enter()
	if err := g.e.handler.OnOpen(c, listener); err != nil {
		l.leave(start)
		return nil, gnet.Close
	}
	l.leave(start)
	return nil, gnet.None
}

func (g *gnetHandler) OnTraffic(gc gnet.Conn) gnet.Action {
	c, ok := gc.Context().(*Conn)
	if !ok || c.closed {
		_, _ = gc.Discard(-1)
		return gnet.None
	}
	data, _ := gc.Next(-1)
	l := c.loop
	start := l.enter()
	g.e.handler.OnData(c, data)
	l.leave(start)
	return gnet.None
}

func (g *gnetHandler) OnClose(gc gnet.Conn, err error) gnet.Action {
	c, ok := gc.Context().(*Conn)
	if !ok || c.closed {
		return gnet.None
	}
	l := c.loop
	start := l.enter()
	c.closed = true
	l.Stats.Conns.Add(-1)
	g.e.handler.OnClose(c, err)
	l.leave(start)
	return gnet.None
}

func (g *gnetHandler) OnTick() (time.Duration, gnet.Action) {
	g.bootOnce.Do(func() { close(g.e.booted) })
	for _, l := range g.e.Loops() {
		l.tick()
	}
	return g.e.cfg.Tick, gnet.None
}

func (e *Engine) listenerIndex(local net.Addr) int {
	ta, ok := local.(*net.TCPAddr)
	if !ok {
		return 0
	}
	for i, a := range e.addrs {
		if a.Port == ta.Port {
			return i
		}
	}
	return 0
}
