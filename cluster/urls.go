package cluster

import (
	"crypto/rand"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// URLSet is a reference-counted set of client URLs ("host:port") learned from
// routes. Two routes may announce the same URL (a peer reconnecting while
// its old route is still being closed), so a URL leaves the set only when
// every route that added it has removed it.
//
// The zero value is ready to use. A URLSet is not safe for concurrent use.
type URLSet struct {
	refs map[string]int
}

// Add counts urls once more. It reports whether a URL new to the set appeared.
func (s *URLSet) Add(urls []string) bool {
	if s.refs == nil {
		s.refs = make(map[string]int)
	}
	added := false
	for _, u := range urls {
		s.refs[u]++
		added = added || s.refs[u] == 1
	}
	return added
}

// Remove counts urls once less. It reports whether a URL left the set.
func (s *URLSet) Remove(urls []string) bool {
	removed := false
	for _, u := range urls {
		n, ok := s.refs[u]
		if !ok {
			continue
		}
		if n <= 1 {
			delete(s.refs, u)
			removed = true
			continue
		}
		s.refs[u] = n - 1
	}
	return removed
}

// Len is the number of distinct URLs.
func (s *URLSet) Len() int { return len(s.refs) }

// List returns own followed by the set's other URLs in sorted order: the
// connect_urls a server gives its clients (its own URLs first, as
// nats-server). The result is a new slice.
func (s *URLSet) List(own []string) []string {
	out := make([]string, 0, len(own)+len(s.refs))
	out = append(out, own...)
	others := make([]string, 0, len(s.refs))
	for u := range s.refs {
		if !slices.Contains(own, u) {
			others = append(others, u)
		}
	}
	slices.Sort(others)
	return append(out, others...)
}

// RouteURL is the nats-route URL nats-server builds for host and port:
// "nats-route://host:port/".
func RouteURL(host string, port int) string {
	return "nats-route://" + net.JoinHostPort(host, strconv.Itoa(port)) + "/"
}

// GossipURL is the URL other servers should dial to reach the server that
// sent info: its "ip" when it has one (set from cluster advertise), otherwise
// remoteIP (the address the route came from) with the INFO's port.
func GossipURL(info *Info, remoteIP string) (string, error) {
	if info.IP != "" {
		return info.IP, nil
	}
	host := remoteIP
	if host == "" {
		host = info.Host
	}
	if host == "" || info.Port <= 0 || info.Port > 65535 {
		return "", errNoHostPort
	}
	return RouteURL(host, info.Port), nil
}

// SameRoute reports whether two route URLs name the same host and port (the
// host compared without regard to case).
func SameRoute(a, b *url.URL) bool {
	if a == nil || b == nil {
		return false
	}
	return strings.EqualFold(a.Host, b.Host)
}

// Configured reports whether the server that sent info is one of routes, by
// the INFO's host and port or by the host of its "ip" with that port.
func Configured(routes []*url.URL, info *Info) bool {
	port := strconv.Itoa(info.Port)
	one := net.JoinHostPort(info.Host, port)
	two := ""
	if u, err := url.Parse(info.IP); err == nil && u.Hostname() != "" {
		two = net.JoinHostPort(u.Hostname(), port)
	}
	for _, r := range routes {
		if strings.EqualFold(r.Host, one) || (two != "" && strings.EqualFold(r.Host, two)) {
			return true
		}
	}
	return false
}

// NewName returns a random cluster name (22 characters of [0-9A-Za-z]), for
// a server whose cluster has no configured name. Safe for concurrent use.
func NewName() string {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	var raw [22]byte
	_, _ = rand.Read(raw[:])
	for i, b := range raw {
		raw[i] = alphabet[int(b)%len(alphabet)]
	}
	return string(raw[:])
}
