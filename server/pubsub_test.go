package server

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

func TestPubSubBasic(t *testing.T) {
	s := runServer(t, nil)
	nc := connect(t, s)
	sub, err := nc.SubscribeSync("foo")
	if err != nil {
		t.Fatal(err)
	}
	if err := nc.Publish("foo", []byte("hello")); err != nil {
		t.Fatal(err)
	}
	m, err := sub.NextMsg(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if string(m.Data) != "hello" || m.Subject != "foo" {
		t.Fatalf("got %q on %q", m.Data, m.Subject)
	}
}

func TestWildcards(t *testing.T) {
	tests := []struct {
		sub     string
		pub     string
		matches bool
	}{
		{"foo.*", "foo.bar", true},
		{"foo.*", "foo.bar.baz", false},
		{"foo.>", "foo.bar.baz", true},
		{"foo.>", "foo", false},
		{"*.bar", "foo.bar", true},
		{">", "anything.at.all", true},
		{"foo.*.baz", "foo.x.baz", true},
	}
	s := runServer(t, nil)
	nc := connect(t, s)
	for _, tc := range tests {
		t.Run(tc.sub+"_"+tc.pub, func(t *testing.T) {
			sub, err := nc.SubscribeSync(tc.sub)
			if err != nil {
				t.Fatal(err)
			}
			defer sub.Unsubscribe()
			if err := nc.Flush(); err != nil {
				t.Fatal(err)
			}
			if err := nc.Publish(tc.pub, []byte("x")); err != nil {
				t.Fatal(err)
			}
			_, err = sub.NextMsg(300 * time.Millisecond)
			if tc.matches && err != nil {
				t.Fatalf("expected a message: %v", err)
			}
			if !tc.matches && err == nil {
				t.Fatalf("unexpected message")
			}
		})
	}
}

func TestQueueGroupsDeliverOnceAndUseEveryMember(t *testing.T) {
	s := runServer(t, nil)
	const members, total = 4, 2000
	// Each connection takes its messages on one channel, queue (or plain)
	// subscription and end marker alike, so when the marker arrives
	// everything the publisher sent that connection before it is counted.
	type receiver struct {
		ch    chan *nats.Msg
		count int
	}
	recvs := make([]*receiver, members+1) // the last one is a plain subscriber
	for i := range recvs {
		nc := connect(t, s)
		r := &receiver{ch: make(chan *nats.Msg, total+1)}
		var err error
		if i < members {
			_, err = nc.ChanQueueSubscribe("work", "q", r.ch)
		} else {
			_, err = nc.ChanSubscribe("work", r.ch)
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := nc.ChanSubscribe("work.end", r.ch); err != nil {
			t.Fatal(err)
		}
		mustFlush(t, nc)
		recvs[i] = r
	}
	pub := connect(t, s)
	for range total {
		if err := pub.Publish("work", []byte("job")); err != nil {
			t.Fatal(err)
		}
	}
	if err := pub.Publish("work.end", nil); err != nil {
		t.Fatal(err)
	}
	mustFlush(t, pub)
	for i, r := range recvs {
	read:
		for n := 0; n <= total+1; n++ {
			select {
			case m := <-r.ch:
				if m.Subject == "work.end" {
					break read
				}
				r.count++
			case <-time.After(10 * time.Second):
				t.Fatalf("receiver %d: no end marker after %d messages", i, r.count)
			}
		}
	}
	sum := 0
	for i, r := range recvs[:members] {
		if r.count == 0 {
			t.Errorf("member %d received nothing", i)
		}
		sum += r.count
	}
	// Exactly once: nothing lost, nothing delivered to two members.
	if sum != total {
		t.Errorf("queue members got %d messages in all, want %d", sum, total)
	}
	if plain := recvs[members].count; plain != total {
		t.Errorf("plain subscriber got %d, want %d", plain, total)
	}
}

func TestAutoUnsubscribe(t *testing.T) {
	s := runServer(t, nil)
	nc := connect(t, s)
	var got atomic.Int64
	sub, err := nc.Subscribe("auto", func(*nats.Msg) { got.Add(1) })
	if err != nil {
		t.Fatal(err)
	}
	if err := sub.AutoUnsubscribe(10); err != nil {
		t.Fatal(err)
	}
	pub := connect(t, s)
	for range 50 {
		if err := pub.Publish("auto", nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := pub.Flush(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, func() error {
		if got.Load() != 10 {
			return fmt.Errorf("got %d", got.Load())
		}
		if n := s.NumSubscriptions(); n != 0 {
			return fmt.Errorf("%d subscriptions left", n)
		}
		return nil
	})
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	if got.Load() != 10 {
		t.Fatalf("got %d messages, want 10", got.Load())
	}
}

func TestRequestReply(t *testing.T) {
	s := runServer(t, nil)
	srv := connect(t, s)
	if _, err := srv.Subscribe("help", func(m *nats.Msg) { _ = m.Respond(append([]byte("re: "), m.Data...)) }); err != nil {
		t.Fatal(err)
	}
	if err := srv.Flush(); err != nil {
		t.Fatal(err)
	}
	nc := connect(t, s)
	for i := range 100 {
		m, err := nc.Request("help", []byte(fmt.Sprint(i)), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if string(m.Data) != fmt.Sprintf("re: %d", i) {
			t.Fatalf("got %q", m.Data)
		}
	}
}

func TestHeaders(t *testing.T) {
	s := runServer(t, nil)
	nc := connect(t, s)
	sub, err := nc.SubscribeSync("h")
	if err != nil {
		t.Fatal(err)
	}
	msg := nats.NewMsg("h")
	msg.Header.Set("X-Trace", "abc")
	msg.Header.Add("X-Multi", "1")
	msg.Header.Add("X-Multi", "2")
	msg.Data = []byte("body")
	if err := nc.PublishMsg(msg); err != nil {
		t.Fatal(err)
	}
	m, err := sub.NextMsg(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if m.Header.Get("X-Trace") != "abc" || len(m.Header.Values("X-Multi")) != 2 || string(m.Data) != "body" {
		t.Fatalf("got header %v data %q", m.Header, m.Data)
	}
}

func TestNoResponders(t *testing.T) {
	s := runServer(t, nil)
	nc := connect(t, s)
	_, err := nc.Request("nobody.home", []byte("?"), 2*time.Second)
	if !errors.Is(err, nats.ErrNoResponders) {
		t.Fatalf("got %v, want ErrNoResponders", err)
	}
}

func TestNoEcho(t *testing.T) {
	s := runServer(t, nil)
	nc := connect(t, s, nats.NoEcho())
	sub, err := nc.SubscribeSync("echo")
	if err != nil {
		t.Fatal(err)
	}
	other := connect(t, s)
	otherSub, err := other.SubscribeSync("echo")
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := nc.Publish("echo", []byte("mine")); err != nil {
		t.Fatal(err)
	}
	if _, err := otherSub.NextMsg(5 * time.Second); err != nil {
		t.Fatalf("other client should receive: %v", err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	if _, err := sub.NextMsg(200 * time.Millisecond); err == nil {
		t.Fatal("publisher received its own message with echo off")
	}
}

func TestLargePayloadIntact(t *testing.T) {
	s := runServer(t, nil)
	nc := connect(t, s)
	sub, err := nc.SubscribeSync("big")
	if err != nil {
		t.Fatal(err)
	}
	payload := make([]byte, 1<<20)
	for i := range payload {
		payload[i] = byte(i * 7)
	}
	pub := connect(t, s)
	if err := pub.Publish("big", payload); err != nil {
		t.Fatal(err)
	}
	m, err := sub.NextMsg(10 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(m.Data, payload) {
		t.Fatal("payload corrupted")
	}
}

func TestFanoutCountsExactly(t *testing.T) {
	s := runServer(t, nil)
	const subs, msgs = 50, 10000
	var counts [subs]atomic.Int64
	for i := range subs {
		nc := connect(t, s)
		if _, err := nc.Subscribe("fan", func(*nats.Msg) { counts[i].Add(1) }); err != nil {
			t.Fatal(err)
		}
		if err := nc.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	pub := connect(t, s)
	payload := []byte("0123456789abcdef")
	for range msgs {
		if err := pub.Publish("fan", payload); err != nil {
			t.Fatal(err)
		}
	}
	if err := pub.Flush(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, func() error {
		for i := range subs {
			if n := counts[i].Load(); n != msgs {
				return fmt.Errorf("subscriber %d has %d", i, n)
			}
		}
		return nil
	})
}

func TestPerPublisherOrder(t *testing.T) {
	s := runServer(t, nil)
	const pubs, msgs = 4, 2000
	sc := connect(t, s)
	var mu sync.Mutex
	next := make(map[string]int)
	var bad atomic.Int64
	var total atomic.Int64
	if _, err := sc.Subscribe("order.*", func(m *nats.Msg) {
		var n int
		fmt.Sscanf(string(m.Data), "%d", &n)
		mu.Lock()
		if next[m.Subject] != n {
			bad.Add(1)
		}
		next[m.Subject] = n + 1
		mu.Unlock()
		total.Add(1)
	}); err != nil {
		t.Fatal(err)
	}
	if err := sc.Flush(); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for p := range pubs {
		nc := connect(t, s)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range msgs {
				_ = nc.Publish(fmt.Sprintf("order.%d", p), fmt.Appendf(nil, "%d", i))
			}
			_ = nc.Flush()
		}()
	}
	wg.Wait()
	waitFor(t, 20*time.Second, func() error {
		if total.Load() != pubs*msgs {
			return fmt.Errorf("got %d", total.Load())
		}
		return nil
	})
	if bad.Load() != 0 {
		t.Fatalf("%d messages out of order", bad.Load())
	}
}

func TestCrossLoopDelivery(t *testing.T) {
	s := runServer(t, nil)
	const clients = 1000
	type receiver struct {
		hi  atomic.Int64 // the broadcast
		end atomic.Bool  // the marker published after it
	}
	recvs := make([]receiver, clients)
	conns := make([]*nats.Conn, 0, clients)
	for i := range clients {
		nc := connect(t, s)
		r := &recvs[i]
		if _, err := nc.Subscribe("broadcast", func(m *nats.Msg) {
			if string(m.Data) == "end" {
				r.end.Store(true)
			} else {
				r.hi.Add(1)
			}
		}); err != nil {
			t.Fatal(err)
		}
		conns = append(conns, nc)
		if i%100 == 99 {
			mustFlush(t, nc)
		}
	}
	for _, nc := range conns {
		mustFlush(t, nc)
	}
	// Every loop owns its share of these subscribers. (The reactor's probe
	// connections at start reach every loop whatever happens to these.)
	per := clientsPerLoop(t, s)
	sum := 0
	for l, n := range per {
		sum += n
		if n < clients/(2*len(per)) {
			t.Errorf("loop %d owns %d of %d clients (%v)", l, n, clients, per)
		}
	}
	if sum != clients {
		t.Fatalf("loops own %d clients (%v), want %d", sum, per, clients)
	}
	for _, data := range []string{"hi", "end"} {
		if err := conns[0].Publish("broadcast", []byte(data)); err != nil {
			t.Fatal(err)
		}
	}
	mustFlush(t, conns[0])
	waitFor(t, 20*time.Second, func() error {
		done := 0
		for i := range recvs {
			if recvs[i].end.Load() {
				done++
			}
		}
		if done != clients {
			return fmt.Errorf("%d of %d clients got the end marker", done, clients)
		}
		return nil
	})
	for i := range recvs {
		if n := recvs[i].hi.Load(); n != 1 {
			t.Fatalf("client %d (loop %d) got the broadcast %d times, want once", i, loopOf(t, s, conns[i]), n)
		}
	}
}
