package reactor

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// echoHandler writes back what it reads; with relay set, it sends each read
// to every other connection instead, through outboxes when they live on
// other loops.
type echoHandler struct {
	mu     sync.Mutex
	conns  map[*Conn]struct{}
	relay  bool
	ticks  atomic.Int64
	closes atomic.Int64
	opens  atomic.Int64
}

func (h *echoHandler) OnOpen(c *Conn, listener int) error {
	h.opens.Add(1)
	h.mu.Lock()
	h.conns[c] = struct{}{}
	h.mu.Unlock()
	return nil
}

func (h *echoHandler) OnData(c *Conn, data []byte) {
	if !h.relay {
		c.Out = append(c.OutBuf(), data...)
		c.MarkDirty()
		return
	}
	h.mu.Lock()
	targets := make([]*Conn, 0, len(h.conns))
	for t := range h.conns {
		if t != c {
			targets = append(targets, t)
		}
	}
	h.mu.Unlock()
	for _, t := range targets {
		if t.Loop() == c.Loop() {
			t.Out = append(t.OutBuf(), data...)
			t.CountOut(1, len(data))
			t.MarkDirty()
			continue
		}
		ob := c.Loop().Outbox(t.Loop())
		buf := ob.Begin()
		start := len(buf)
		buf = append(buf, data...)
		ob.End(t, buf, start, 1, len(data))
	}
}

func (h *echoHandler) OnFlush(c *Conn) {
	_ = c.Write(c.Out)
	c.Out = c.Out[:0]
}

func (h *echoHandler) OnClose(c *Conn, err error) {
	h.closes.Add(1)
	h.mu.Lock()
	delete(h.conns, c)
	h.mu.Unlock()
}

func (h *echoHandler) OnTick(l *Loop, now time.Time) { h.ticks.Add(1) }

func startEngine(t *testing.T, loops int, h *echoHandler) *Engine {
	t.Helper()
	e, err := Start(Config{Listeners: []string{"127.0.0.1:0"}, Loops: loops, Tick: 20 * time.Millisecond}, h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Stop(t.Context()) })
	return e
}

func dial(t *testing.T, e *Engine) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", e.Addrs()[0].String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestEcho(t *testing.T) {
	for _, loops := range []int{1, 2, 4} {
		t.Run(fmt.Sprintf("loops=%d", loops), func(t *testing.T) {
			h := &echoHandler{conns: map[*Conn]struct{}{}}
			e := startEngine(t, loops, h)
			for i := range 8 {
				c := dial(t, e)
				msg := bytes.Repeat([]byte{byte('a' + i)}, 100_000+i)
				go func() { _, _ = c.Write(msg) }()
				got := make([]byte, len(msg))
				_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
				if _, err := io.ReadFull(c, got); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, msg) {
					t.Fatal("echo corrupted")
				}
			}
			waitUntil(t, "ticks", func() bool { return h.ticks.Load() > 0 })
		})
	}
}

func TestRelayAcrossLoops(t *testing.T) {
	h := &echoHandler{conns: map[*Conn]struct{}{}, relay: true}
	e := startEngine(t, 4, h)
	const receivers = 16
	conns := make([]net.Conn, receivers)
	for i := range conns {
		conns[i] = dial(t, e)
	}
	sender := dial(t, e)
	waitUntil(t, "opens", func() bool { return h.opens.Load() == receivers+1 })
	if got := len(e.Loops()); got != 4 {
		t.Fatalf("connections spread over %d loops, want 4", got)
	}
	msg := []byte("hello, loops")
	const rounds = 200
	go func() {
		for range rounds {
			_, _ = sender.Write(msg)
		}
	}()
	for _, c := range conns {
		got := make([]byte, len(msg)*rounds)
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.ReadFull(c, got); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, bytes.Repeat(msg, rounds)) {
			t.Fatal("relayed bytes corrupted or reordered")
		}
	}
	var payload, wakeups uint64
	waitUntil(t, "statistics", func() bool {
		payload, wakeups = 0, 0
		for _, l := range e.Loops() {
			payload += l.Stats.OutPayload.Load()
			wakeups += l.Stats.Wakeups.Load()
		}
		return payload == uint64(receivers*rounds*len(msg))
	})
	if wakeups == 0 {
		t.Fatal("no cross-loop hand-off happened")
	}
}

func TestCloseFromAnyGoroutineAndPost(t *testing.T) {
	h := &echoHandler{conns: map[*Conn]struct{}{}}
	e := startEngine(t, 2, h)
	c := dial(t, e)
	waitUntil(t, "open", func() bool { return h.opens.Load() == 1 })
	var target *Conn
	h.mu.Lock()
	for k := range h.conns {
		target = k
	}
	h.mu.Unlock()
	ran := make(chan bool, 1)
	target.Loop().Post(func() { ran <- !target.Closed() })
	if !<-ran {
		t.Fatal("Post ran after close")
	}
	target.Close()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Fatal("connection still open")
	}
	waitUntil(t, "OnClose", func() bool { return h.closes.Load() == 1 })
}

func TestEnroll(t *testing.T) {
	h := &echoHandler{conns: map[*Conn]struct{}{}}
	e := startEngine(t, 2, h)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		nc, err := net.Dial("tcp", ln.Addr().String())
		if err == nil {
			_ = e.Enroll(nc, "outbound")
		}
	}()
	peer, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	waitUntil(t, "enrolled open", func() bool { return h.opens.Load() == 1 })
	h.mu.Lock()
	for c := range h.conns {
		if c.Tag() != "outbound" {
			t.Errorf("tag %v", c.Tag())
		}
	}
	h.mu.Unlock()
	if _, err := peer.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 4)
	_ = peer.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadFull(peer, got); err != nil || string(got) != "ping" {
		t.Fatalf("echo over enrolled conn: %q %v", got, err)
	}
}
