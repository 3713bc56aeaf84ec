package cluster

import (
	"net/url"
	"reflect"
	"testing"
)

func TestURLSet(t *testing.T) {
	var s URLSet
	if !s.Add([]string{"10.0.0.2:4222", "10.0.0.3:4222"}) {
		t.Fatal("first Add should report new URLs")
	}
	if s.Add([]string{"10.0.0.2:4222"}) {
		t.Fatal("adding a known URL reported a change")
	}
	if s.Remove([]string{"10.0.0.2:4222"}) {
		t.Fatal("URL still referenced once, yet reported removed")
	}
	own := []string{"10.0.0.1:4222"}
	if got, want := s.List(own), []string{"10.0.0.1:4222", "10.0.0.2:4222", "10.0.0.3:4222"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("List: got %v, want %v", got, want)
	}
	if !s.Remove([]string{"10.0.0.2:4222", "10.0.0.9:4222"}) {
		t.Fatal("last reference removed, change expected")
	}
	if got, want := s.List(own), []string{"10.0.0.1:4222", "10.0.0.3:4222"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("List: got %v, want %v", got, want)
	}
	if s.Len() != 1 {
		t.Fatalf("Len %d", s.Len())
	}
	s.Add(own)
	if got := s.List(own); !reflect.DeepEqual(got, []string{"10.0.0.1:4222", "10.0.0.3:4222"}) {
		t.Fatalf("own URL listed twice: %v", got)
	}
}

func TestGossipURL(t *testing.T) {
	tests := []struct {
		name     string
		info     Info
		remoteIP string
		want     string
		wantErr  bool
	}{
		{name: "advertised ip wins", info: Info{IP: "nats-route://10.1.1.1:7000/", Host: "0.0.0.0", Port: 6222}, remoteIP: "192.0.2.1", want: "nats-route://10.1.1.1:7000/"},
		{name: "remote address and INFO port", info: Info{Host: "0.0.0.0", Port: 6222}, remoteIP: "192.0.2.1", want: "nats-route://192.0.2.1:6222/"},
		{name: "ipv6", info: Info{Port: 6222}, remoteIP: "::1", want: "nats-route://[::1]:6222/"},
		{name: "host when no remote address", info: Info{Host: "10.0.0.5", Port: 6222}, want: "nats-route://10.0.0.5:6222/"},
		{name: "no port", info: Info{Host: "10.0.0.5"}, remoteIP: "192.0.2.1", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := GossipURL(&tc.info, tc.remoteIP)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Fatalf("got %q, %v; want %q (error %v)", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestConfiguredAndSameRoute(t *testing.T) {
	routes := []*url.URL{mustURL(t, "nats-route://user:pw@LocalHost:6222"), mustURL(t, "nats-route://10.0.0.2:6223")}
	tests := []struct {
		name string
		info Info
		want bool
	}{
		{name: "by host and port", info: Info{Host: "localhost", Port: 6222}, want: true},
		{name: "by ip host", info: Info{Host: "0.0.0.0", Port: 6223, IP: "nats-route://10.0.0.2:9999/"}, want: true},
		{name: "other port", info: Info{Host: "localhost", Port: 6224}},
		{name: "unknown", info: Info{Host: "10.0.0.9", Port: 6222}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Configured(routes, &tc.info); got != tc.want {
				t.Fatalf("Configured = %v, want %v", got, tc.want)
			}
		})
	}
	if !SameRoute(routes[0], mustURL(t, "nats-route://localhost:6222/")) || SameRoute(routes[0], routes[1]) || SameRoute(nil, routes[0]) {
		t.Fatal("SameRoute")
	}
}

func TestNewName(t *testing.T) {
	a, b := NewName(), NewName()
	if len(a) != 22 || a == b {
		t.Fatalf("names %q %q", a, b)
	}
	for _, r := range a {
		if !('0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z') {
			t.Fatalf("unexpected character %q in %q", r, a)
		}
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
