package server

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/evnats/evnats/options"
)

// monitorEndpoints are the endpoints that gather from the loops or read
// their counters, hammered by the load test and polled by the benchmark.
var monitorEndpoints = []string{"/connz?subs=1", "/routez?subs=1", "/varz", "/subsz?subs=1", "/loopz"}

// TestMonitoringUnderLoad hammers the monitoring endpoints of node A of a
// two-node cluster with a bounded number of concurrent requests while
// clients run request/reply (answered on A and across the route on B) and
// a counted stream to subscribers on both nodes.
// Every monitoring request must be answered with a complete document (every
// loop answered: all of A's clients listed) and every message delivered.
func TestMonitoringUnderLoad(t *testing.T) {
	ao := clusterOptions("A")
	ao.HTTPPort = options.RandomPort
	a, _ := startNode(t, ao)
	b, _ := startNode(t, clusterOptions("B", a))
	waitForMesh(t, a, b)

	respond := func(nc *nats.Conn, who string) {
		t.Helper()
		_, err := nc.Subscribe("load."+who, func(m *nats.Msg) {
			_ = m.Respond(append([]byte(who+":"), m.Data...))
		})
		if err != nil {
			t.Fatal(err)
		}
		mustFlush(t, nc)
	}
	respond(connect(t, a), "a")
	respond(connect(t, b), "b")
	streamA := mustSub(t, connect(t, a), "load.stream", "")
	nb := connect(t, b)
	streamB := mustSub(t, nb, "load.stream", "")
	mustFlush(t, nb)
	waitPlainInterest(t, a, "load.b", 1)
	waitPlainInterest(t, a, "load.stream", 1)
	streamPub := connect(t, a)

	const requesters, requests = 4, 50
	reqConns := make([]*nats.Conn, requesters)
	for i := range reqConns {
		reqConns[i] = connect(t, a)
	}
	clientsOnA := requesters + 3 // responder, stream subscriber, stream publisher
	if n := a.NumClients(); n != clientsOnA {
		t.Fatalf("A has %d clients, want %d", n, clientsOnA)
	}

	const perEndpoint, requestsEach = 2, 30
	httpClient := &http.Client{Timeout: 30 * time.Second}
	t.Cleanup(httpClient.CloseIdleConnections)
	base := monitorURL(a)
	var answered atomic.Int64
	var wg sync.WaitGroup
	for _, ep := range monitorEndpoints {
		for range perEndpoint {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range requestsEach {
					if err := checkMonitorDoc(httpClient, base, ep, a, clientsOnA); err != nil {
						t.Errorf("%s request %d: %v", ep, i, err)
						return
					}
					answered.Add(1)
				}
			}()
		}
	}

	var replies atomic.Int64
	for r, nc := range reqConns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range requests {
				// Alternately answered on A and, across the route, on B.
				who := [2]string{"a", "b"}[i%2]
				body := fmt.Sprintf("%d-%d", r, i)
				m, err := nc.Request("load."+who, []byte(body), 10*time.Second)
				if err != nil {
					t.Errorf("requester %d, request %d: %v", r, i, err)
					return
				}
				if string(m.Data) != who+":"+body {
					t.Errorf("requester %d: reply %q to %q for %s", r, m.Data, body, who)
					return
				}
				replies.Add(1)
			}
		}()
	}
	const streamed = 3000
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range streamed {
			if err := streamPub.Publish("load.stream", []byte(strconv.Itoa(i))); err != nil {
				t.Errorf("stream publish %d: %v", i, err)
				return
			}
		}
		if err := streamPub.Publish("load.stream", []byte("end")); err != nil {
			t.Errorf("stream end: %v", err)
			return
		}
		if err := streamPub.Flush(); err != nil {
			t.Errorf("stream flush: %v", err)
		}
	}()
	counts := make([]int, 2)
	for i, sub := range []*nats.Subscription{streamA, streamB} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; n <= streamed; n++ {
				m, err := sub.NextMsg(10 * time.Second)
				if err != nil {
					t.Errorf("stream subscriber %d after %d messages: %v", i, n, err)
					return
				}
				if string(m.Data) == "end" {
					counts[i] = n
					return
				}
				if string(m.Data) != strconv.Itoa(n) {
					t.Errorf("stream subscriber %d: message %d is %q", i, n, m.Data)
					return
				}
			}
			t.Errorf("stream subscriber %d: no end marker after %d messages", i, streamed)
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	if n := answered.Load(); n != int64(len(monitorEndpoints)*perEndpoint*requestsEach) {
		t.Errorf("%d monitoring requests answered, want %d", n, len(monitorEndpoints)*perEndpoint*requestsEach)
	}
	if n := replies.Load(); n != requesters*requests {
		t.Errorf("%d replies, want %d", n, requesters*requests)
	}
	if counts[0] != streamed || counts[1] != streamed {
		t.Errorf("stream subscribers got %v messages before the end marker, want %d each", counts, streamed)
	}
}

// checkMonitorDoc fetches one monitoring document from s and checks that it
// is complete: status 200, valid JSON, and the numbers that do not move
// during the load test.
func checkMonitorDoc(client *http.Client, base, ep string, s *Server, clients int) error {
	resp, err := client.Get(base + ep)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d: %s", resp.StatusCode, body)
	}
	// Keys shared by the documents; "connections" and "routes" are numbers
	// in /varz and lists elsewhere, so each endpoint decodes its own.
	var common struct {
		ServerID string `json:"server_id"`
	}
	if err := json.Unmarshal(body, &common); err != nil {
		return fmt.Errorf("decoding: %v", err)
	}
	if common.ServerID != s.ID() {
		return fmt.Errorf("server_id %q", common.ServerID)
	}
	var got, want [2]int
	switch ep {
	case "/varz":
		var v struct {
			Connections int `json:"connections"`
			Routes      int `json:"routes"`
		}
		err = json.Unmarshal(body, &v)
		got, want = [2]int{v.Connections, v.Routes}, [2]int{clients, 1}
	case "/connz?subs=1":
		var cz struct {
			NumConns int               `json:"num_connections"`
			Conns    []json.RawMessage `json:"connections"`
		}
		err = json.Unmarshal(body, &cz)
		got, want = [2]int{cz.NumConns, len(cz.Conns)}, [2]int{clients, clients}
	case "/routez?subs=1":
		var rz struct {
			NumRoutes int               `json:"num_routes"`
			Routes    []json.RawMessage `json:"routes"`
		}
		err = json.Unmarshal(body, &rz)
		got, want = [2]int{rz.NumRoutes, len(rz.Routes)}, [2]int{1, 1}
	case "/subsz?subs=1":
		var sz struct {
			NumSubs int               `json:"num_subscriptions"`
			Subs    []json.RawMessage `json:"subscriptions_list"`
		}
		err = json.Unmarshal(body, &sz)
		// The responder, the stream subscriber, and B's interest in both;
		// requesters add their reply subscriptions as they go.
		got, want = [2]int{min(sz.NumSubs, 4), min(len(sz.Subs), 4)}, [2]int{4, 4}
	case "/loopz":
		var lz struct {
			Loops []json.RawMessage `json:"loops"`
		}
		err = json.Unmarshal(body, &lz)
		got, want = [2]int{len(lz.Loops), 0}, [2]int{s.numLoops(), 0}
	}
	if err != nil {
		return fmt.Errorf("decoding: %v", err)
	}
	if got != want {
		return fmt.Errorf("counts %v, want %v", got, want)
	}
	return nil
}

// BenchmarkPubSubMonitoring is the pub->sub message path (one publisher, one
// subscriber, 128-byte payloads, raw protocol clients) on a server with a
// monitoring port, once with nobody asking and once with a goroutine
// polling /connz, /routez, /varz, /subsz and /loopz back to back. Allocations
// are the whole process's: in "polled" they include the HTTP handler's.
func BenchmarkPubSubMonitoring(b *testing.B) {
	for _, polled := range []bool{false, true} {
		name := "idle"
		if polled {
			name = "polled"
		}
		b.Run(name, func(b *testing.B) { runPubSubMonitored(b, polled) })
	}
}

func runPubSubMonitored(b *testing.B, polled bool) {
	const size = 128
	s := runServer(b, func(o *options.Options) { o.HTTPPort = options.RandomPort })
	c := dialBench(b, s)
	if _, err := c.Write([]byte("SUB bench 1\r\n")); err != nil {
		b.Fatal(err)
	}
	syncConn(b, c)
	recv := &benchSub{conn: c}
	readDone := make(chan struct{})
	go func() { defer close(readDone); recv.readLoop() }()
	pub := dialBench(b, s)
	syncConn(b, pub)

	stop := make(chan struct{})
	pollDone := make(chan struct{})
	var polls atomic.Int64
	var pollErr atomic.Value
	if polled {
		client := &http.Client{Timeout: 30 * time.Second}
		base := monitorURL(s)
		go func() {
			defer close(pollDone)
			defer client.CloseIdleConnections()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := client.Get(base + monitorEndpoints[i%len(monitorEndpoints)])
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if err == nil && resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("status %d", resp.StatusCode)
					}
				}
				if err != nil {
					pollErr.Store(err)
					return
				}
				polls.Add(1)
			}
		}()
		// The poller is answered at least once before the timed run.
		for i := 0; polls.Load() == 0 && pollErr.Load() == nil; i++ {
			if i == 10000 {
				b.Fatal("no answer from the monitoring port")
			}
			time.Sleep(time.Millisecond)
		}
	} else {
		close(pollDone)
	}

	pumpPublishes(b, pub, size, recv.n.Load, "subscriber")
	close(stop)
	<-pollDone
	if err, _ := pollErr.Load().(error); err != nil {
		b.Fatalf("monitoring poll failed: %v", err)
	}
	if polled {
		b.ReportMetric(float64(polls.Load())/b.Elapsed().Seconds(), "polls/s")
	}
	_ = c.Close()
	<-readDone
}
