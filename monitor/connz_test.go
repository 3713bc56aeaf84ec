package monitor

import (
	"fmt"
	"strconv"
	"testing"
	"time"
)

// natsConnz spells out the /connz keys of nats-server v2.15.
type natsConnz struct {
	ServerID       string     `json:"server_id"`
	Now            string     `json:"now"`
	NumConnections int        `json:"num_connections"`
	Total          int        `json:"total"`
	Offset         int        `json:"offset"`
	Limit          int        `json:"limit"`
	Connections    []natsConn `json:"connections"`
}

type natsConn struct {
	Cid            uint64  `json:"cid"`
	Kind           string  `json:"kind"`
	Type           string  `json:"type"`
	IP             string  `json:"ip"`
	Port           int     `json:"port"`
	Start          string  `json:"start"`
	LastActivity   string  `json:"last_activity"`
	Stop           *string `json:"stop"`
	Reason         string  `json:"reason"`
	RTT            string  `json:"rtt"`
	Uptime         string  `json:"uptime"`
	Idle           string  `json:"idle"`
	PendingBytes   int     `json:"pending_bytes"`
	InMsgs         int64   `json:"in_msgs"`
	OutMsgs        int64   `json:"out_msgs"`
	InBytes        int64   `json:"in_bytes"`
	OutBytes       int64   `json:"out_bytes"`
	Subscriptions  uint32  `json:"subscriptions"`
	Name           string  `json:"name"`
	Lang           string  `json:"lang"`
	Version        string  `json:"version"`
	TLSVersion     string  `json:"tls_version"`
	TLSCipherSuite string  `json:"tls_cipher_suite"`
	TLSPeerCerts   []struct {
		Subject    string `json:"subject"`
		SPKISha256 string `json:"spki_sha256"`
		CertSha256 string `json:"cert_sha256"`
	} `json:"tls_peer_certs"`
	TLSFirst       bool     `json:"tls_first"`
	AuthorizedUser string   `json:"authorized_user"`
	Account        string   `json:"account"`
	SubsList       []string `json:"subscriptions_list"`
	SubsDetail     []struct {
		Account string `json:"account"`
		Subject string `json:"subject"`
		QGroup  string `json:"qgroup"`
		Sid     string `json:"sid"`
		Msgs    int64  `json:"msgs"`
		Max     int64  `json:"max"`
		Cid     uint64 `json:"cid"`
	} `json:"subscriptions_list_detail"`
	Loop         int  `json:"loop"`
	SlowConsumer bool `json:"slow_consumer"`
}

// makeConns returns n open connections with cids 1..n.
func makeConns(n int) []ConnInfo {
	conns := make([]ConnInfo, n)
	for i := range conns {
		cid := uint64(i + 1)
		conns[i] = ConnInfo{
			Cid: cid, Kind: "Client", Type: "nats", IP: "127.0.0.1", Port: 50000 + i,
			Start: t0.Add(-time.Duration(i+1) * time.Minute), LastActivity: t0.Add(-time.Duration(i) * time.Second),
			InMsgs: int64(i * 7 % 13), OutMsgs: int64(i * 5 % 11), InBytes: int64(i * 3), OutBytes: int64(n - i),
			NumSubs: uint32(i % 4), Pending: i % 3, Name: "c" + strconv.Itoa(i+1), Lang: "go", Version: "1.56.0",
			AuthorizedUser: "user" + strconv.Itoa(i%2), Account: "$G", Loop: i % 2,
		}
	}
	return conns
}

// sortFixture is four open and two closed connections with distinct values
// for every sort key.
func sortFixture() []ConnInfo {
	return []ConnInfo{
		{Cid: 1, NumSubs: 1, Pending: 10, OutMsgs: 5, InMsgs: 50, OutBytes: 500, InBytes: 7,
			LastActivity: t0.Add(-10 * time.Second), Start: t0.Add(-time.Hour), RTT: "2ms"},
		{Cid: 2, NumSubs: 3, Pending: 0, OutMsgs: 9, InMsgs: 10, OutBytes: 100, InBytes: 70,
			LastActivity: t0.Add(-time.Second), Start: t0.Add(-2 * time.Hour), RTT: "500µs"},
		{Cid: 3, NumSubs: 2, Pending: 30, OutMsgs: 1, InMsgs: 30, OutBytes: 300, InBytes: 700,
			LastActivity: t0.Add(-100 * time.Second), Start: t0.Add(-10 * time.Minute), RTT: "10ms"},
		{Cid: 4, NumSubs: 0, Pending: 20, OutMsgs: 9, InMsgs: 0, OutBytes: 0, InBytes: 0,
			LastActivity: t0, Start: t0.Add(-time.Minute)},
		{Cid: 5, Stop: timePtr(t0.Add(-5 * time.Minute)), Reason: "Client Closed",
			Start: t0.Add(-3 * time.Hour), LastActivity: t0.Add(-6 * time.Minute)},
		{Cid: 6, Stop: timePtr(t0.Add(-time.Minute)), Reason: "Authentication Timeout",
			Start: t0.Add(-90 * time.Minute), LastActivity: t0.Add(-2 * time.Minute)},
	}
}

func cidsOf(c natsConnz) string {
	s := make([]uint64, len(c.Connections))
	for i, ci := range c.Connections {
		s[i] = ci.Cid
	}
	return fmt.Sprint(s)
}

func TestConnzSort(t *testing.T) {
	tests := []struct {
		query string
		want  string
	}{
		{"", "[1 2 3 4]"},
		{"sort=cid", "[1 2 3 4]"},
		{"sort=start", "[1 2 3 4]"},
		{"sort=subs", "[2 3 1 4]"},
		{"sort=pending", "[3 4 1 2]"},
		{"sort=msgs_to", "[2 4 1 3]"}, // 2 and 4 tie; cid breaks it
		{"sort=msgs_from", "[1 3 2 4]"},
		{"sort=bytes_to", "[1 3 2 4]"},
		{"sort=bytes_from", "[3 2 1 4]"},
		{"sort=last", "[4 2 1 3]"},
		{"sort=idle", "[3 1 2 4]"},
		{"sort=uptime", "[4 3 1 2]"},
		{"sort=rtt", "[3 1 2 4]"},
		{"sort=stop&state=closed", "[6 5]"},
		{"sort=reason&state=closed", "[6 5]"},
		{"sort=uptime&state=closed", "[6 5]"},
		{"state=closed", "[5 6]"},
		{"state=any", "[1 2 3 4 5 6]"},
		{"state=ALL&sort=subs", "[2 3 1 4 5 6]"},
	}
	h := newTestHandler(t, &fakeSource{varz: sampleVarz(), conns: sortFixture()}, "")
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			var c natsConnz
			getJSON(t, h, "/connz?"+tc.query, &c)
			if got := cidsOf(c); got != tc.want {
				t.Errorf("order %s, want %s", got, tc.want)
			}
		})
	}
}

func TestConnzPaging(t *testing.T) {
	tests := []struct {
		query                   string
		wantCids                string
		total, num, off, limSet int
	}{
		{"offset=3&limit=4", "[4 5 6 7]", 10, 4, 3, 4},
		{"offset=8&limit=5", "[9 10]", 10, 2, 8, 5},
		{"offset=20", "[]", 10, 0, 20, DefaultListSize},
		{"offset=-5&limit=0", "[1 2 3 4 5 6 7 8 9 10]", 10, 10, 0, DefaultListSize},
		{"limit=9223372036854775807&offset=2", "[3 4 5 6 7 8 9 10]", 10, 8, 2, 1<<63 - 1},
		{"cid=3", "[3]", 1, 1, 0, 1},
		{"cid=99", "[]", 0, 0, 0, 1},
		{"user=user1", "[2 4 6 8 10]", 5, 5, 0, DefaultListSize},
		{"user=user1&limit=2&sort=bytes_to", "[2 4]", 5, 2, 0, 2},
		{"acc=$G&limit=1", "[1]", 10, 1, 0, 1},
		{"acc=other", "[]", 0, 0, 0, DefaultListSize},
	}
	h := newTestHandler(t, &fakeSource{varz: sampleVarz(), conns: makeConns(10)}, "")
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			var c natsConnz
			getJSON(t, h, "/connz?"+tc.query, &c)
			if got := cidsOf(c); got != tc.wantCids {
				t.Errorf("cids %s, want %s", got, tc.wantCids)
			}
			if c.Total != tc.total || c.NumConnections != tc.num || c.Offset != tc.off || c.Limit != tc.limSet {
				t.Errorf("total %d num %d offset %d limit %d, want %d %d %d %d",
					c.Total, c.NumConnections, c.Offset, c.Limit, tc.total, tc.num, tc.off, tc.limSet)
			}
			if c.ServerID != "NSRVID" || c.Now != "2025-03-04T05:06:07Z" {
				t.Errorf("server_id %q now %q", c.ServerID, c.Now)
			}
		})
	}
}

func TestConnzOptionsReachSource(t *testing.T) {
	src := &fakeSource{conns: makeConns(2)}
	h := newTestHandler(t, src, "")
	get(t, h, "/connz?auth=true&subs=detail&offset=-1&cid=2&state=any&user=u&acc=A")
	want := ConnzOptions{Sort: SortByCID, Username: true, SubscriptionsDetail: true, Offset: 0, Limit: 1,
		CID: 2, State: ConnAll, User: "u", Account: "A"}
	if src.lastConnz != want {
		t.Errorf("source got %+v, want %+v", src.lastConnz, want)
	}
}

func TestConnzFields(t *testing.T) {
	stop := t0.Add(-30 * time.Second)
	conns := []ConnInfo{
		{
			Cid: 1, Kind: "Client", Type: "nats", IP: "10.1.1.1", Port: 5555,
			Start: t0.Add(-(25*time.Hour + 61*time.Second)), LastActivity: t0.Add(-3 * time.Second),
			RTT: "1.5ms", Pending: 12, InMsgs: 1, OutMsgs: 2, InBytes: 3, OutBytes: 4, NumSubs: 2,
			Name: "svc", Lang: "go", Version: "1.56.0", TLSVersion: "1.3", TLSCipher: "TLS_AES_128_GCM_SHA256",
			TLSPeerCerts: []*TLSPeerCert{{Subject: "CN=svc", SubjectPKISha256: "aa", CertSha256: "bb"}},
			TLSFirst:     true, AuthorizedUser: "alice", Account: "ACME",
			SubsDetail: []SubDetail{
				{Account: "ACME", Subject: "foo.>", Queue: "q", Sid: "1", Msgs: 9, Max: 10, Cid: 1},
				{Account: "ACME", Subject: "bar", Sid: "2", Cid: 1},
			},
			Loop: 1, SlowConsumer: true,
		},
		{
			Cid: 2, Start: t0.Add(-time.Minute), LastActivity: t0.Add(-40 * time.Second),
			Stop: &stop, Reason: "Client Closed", AuthorizedUser: "bob", Account: "$G",
		},
	}
	h := newTestHandler(t, &fakeSource{conns: conns}, "")

	var c natsConnz
	getJSON(t, h, "/connz?state=any&auth=true&subs=detail", &c)
	if len(c.Connections) != 2 {
		t.Fatalf("connections %d", len(c.Connections))
	}
	a, b := c.Connections[0], c.Connections[1]
	got := fmt.Sprintf("%d %s %s %s:%d %s %s %v %q %s %s %s %d %d %d %d %d %d %s %s %s %s %s %v %s %s %d %v",
		a.Cid, a.Kind, a.Type, a.IP, a.Port, a.Start, a.LastActivity, a.Stop, a.Reason, a.RTT, a.Uptime, a.Idle,
		a.PendingBytes, a.InMsgs, a.OutMsgs, a.InBytes, a.OutBytes, a.Subscriptions, a.Name, a.Lang, a.Version,
		a.TLSVersion, a.TLSCipherSuite, a.TLSFirst, a.AuthorizedUser, a.Account, a.Loop, a.SlowConsumer)
	want := "1 Client nats 10.1.1.1:5555 2025-03-03T04:05:06Z 2025-03-04T05:06:04Z <nil> \"\" 1.5ms 1d1h1m1s 3s " +
		"12 1 2 3 4 2 svc go 1.56.0 1.3 TLS_AES_128_GCM_SHA256 true alice ACME 1 true"
	if got != want {
		t.Errorf("conn 1:\n got %s\nwant %s", got, want)
	}
	if len(a.TLSPeerCerts) != 1 || a.TLSPeerCerts[0].Subject != "CN=svc" || a.TLSPeerCerts[0].SPKISha256 != "aa" ||
		a.TLSPeerCerts[0].CertSha256 != "bb" {
		t.Errorf("tls_peer_certs %+v", a.TLSPeerCerts)
	}
	if a.SubsList != nil || len(a.SubsDetail) != 2 || fmt.Sprint(a.SubsDetail[0]) != "{ACME foo.> q 1 9 10 1}" {
		t.Errorf("subs %v detail %v", a.SubsList, a.SubsDetail)
	}
	if b.Stop == nil || *b.Stop != "2025-03-04T05:05:37Z" || b.Reason != "Client Closed" ||
		b.Uptime != "30s" || b.Idle != "10s" || b.Account != "" || b.AuthorizedUser != "bob" {
		t.Errorf("closed conn: %+v", b)
	}

	var c2 natsConnz // fresh: decoding into c would keep absent fields
	getJSON(t, h, "/connz?state=any&subs=true", &c2)
	a = c2.Connections[0]
	if fmt.Sprint(a.SubsList) != "[foo.> bar]" || a.SubsDetail != nil {
		t.Errorf("subs=true: list %v detail %v", a.SubsList, a.SubsDetail)
	}
	if a.AuthorizedUser != "" || a.Account != "" || a.TLSPeerCerts != nil {
		t.Errorf("auth fields without auth: %q %q %v", a.AuthorizedUser, a.Account, a.TLSPeerCerts)
	}

	var c3 natsConnz
	getJSON(t, h, "/connz", &c3)
	if a := c3.Connections[0]; a.SubsList != nil || a.SubsDetail != nil {
		t.Errorf("subscription lists without subs: %v %v", a.SubsList, a.SubsDetail)
	}
	keys := getKeys(t, h, "/connz")
	requireKeys(t, keys, "server_id", "now", "num_connections", "total", "offset", "limit", "connections")
}

func TestConnzBadRequests(t *testing.T) {
	tests := []struct{ query, want string }{
		{"sort=foo", "invalid sorting option: foo"},
		{"sort=stop", "sort by stop only valid on closed connections"},
		{"sort=reason&state=any", "sort by reason only valid on closed connections"},
		{"auth=maybe", `Error decoding boolean for 'auth': strconv.ParseBool: parsing "maybe": invalid syntax`},
		{"subs=2", `Error decoding boolean for 'subs': strconv.ParseBool: parsing "2": invalid syntax`},
		{"offset=x", `Error decoding int for 'offset': strconv.Atoi: parsing "x": invalid syntax`},
		{"limit=1.5", `Error decoding int for 'limit': strconv.Atoi: parsing "1.5": invalid syntax`},
		{"cid=-1", `Error decoding uint64 for 'cid': strconv.ParseUint: parsing "-1": invalid syntax`},
		{"state=half", "Error decoding state for half"},
	}
	h := newTestHandler(t, &fakeSource{conns: makeConns(3)}, "")
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			expectBadRequest(t, h, "/connz?"+tc.query, tc.want)
		})
	}
}
