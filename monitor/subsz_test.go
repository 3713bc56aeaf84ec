package monitor

import (
	"fmt"
	"testing"
)

// natsSubsz spells out the /subsz keys of nats-server v2.15.
type natsSubsz struct {
	ServerID         string  `json:"server_id"`
	Now              string  `json:"now"`
	NumSubscriptions uint32  `json:"num_subscriptions"`
	NumCache         uint32  `json:"num_cache"`
	NumInserts       uint64  `json:"num_inserts"`
	NumRemoves       uint64  `json:"num_removes"`
	NumMatches       uint64  `json:"num_matches"`
	CacheHitRate     float64 `json:"cache_hit_rate"`
	MaxFanout        uint32  `json:"max_fanout"`
	AvgFanout        float64 `json:"avg_fanout"`
	Total            int     `json:"total"`
	Offset           int     `json:"offset"`
	Limit            int     `json:"limit"`
	Subs             []struct {
		Account string `json:"account"`
		Subject string `json:"subject"`
		QGroup  string `json:"qgroup"`
		Sid     string `json:"sid"`
		Msgs    int64  `json:"msgs"`
		Max     int64  `json:"max"`
		Cid     uint64 `json:"cid"`
	} `json:"subscriptions_list"`
}

func subsFixture() []SubDetail {
	return []SubDetail{
		{Account: "$G", Subject: "orders.*", Sid: "10", Cid: 2, Msgs: 4},
		{Account: "$G", Subject: "orders.eu", Queue: "workers", Sid: "2", Cid: 2},
		{Account: "$G", Subject: ">", Sid: "1", Cid: 3},
		{Account: "ACME", Subject: "orders.eu", Sid: "1", Cid: 1, Max: 100},
		{Account: "$G", Subject: "billing", Sid: "3", Cid: 2},
	}
}

func subIDs(s natsSubsz) string {
	out := make([]string, len(s.Subs))
	for i, sd := range s.Subs {
		out[i] = fmt.Sprintf("%d/%s", sd.Cid, sd.Sid)
	}
	return fmt.Sprint(out)
}

func TestSubsz(t *testing.T) {
	stats := SublistStats{NumSubs: 5, NumCache: 2, NumInserts: 9, NumRemoves: 4, NumMatches: 100,
		CacheHitRate: 0.75, MaxFanout: 3, AvgFanout: 1.5}
	src := &fakeSource{varz: sampleVarz(), subs: subsFixture(), stats: stats}
	h := newTestHandler(t, src, "")

	var s natsSubsz
	getJSON(t, h, "/subsz", &s)
	got := fmt.Sprintf("%s %s %d %d %d %d %d %v %d %v %d %d %d %d", s.ServerID, s.Now, s.NumSubscriptions, s.NumCache,
		s.NumInserts, s.NumRemoves, s.NumMatches, s.CacheHitRate, s.MaxFanout, s.AvgFanout, s.Total, s.Offset, s.Limit,
		len(s.Subs))
	if want := "NSRVID 2025-03-04T05:06:07Z 5 2 9 4 100 0.75 3 1.5 0 0 1024 0"; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	keys := getKeys(t, h, "/subscriptionsz")
	requireKeys(t, keys, "server_id", "now", "num_subscriptions", "num_cache", "num_inserts", "num_removes",
		"num_matches", "cache_hit_rate", "max_fanout", "avg_fanout", "total", "offset", "limit")
	if _, ok := keys["subscriptions_list"]; ok {
		t.Error("subscriptions_list present without subs=1")
	}

	tests := []struct {
		query string
		want  string
		total int
	}{
		{"subs=1", "[1/1 2/2 2/3 2/10 3/1]", 5},
		{"subs=1&offset=1&limit=2", "[2/2 2/3]", 5},
		{"subs=1&offset=9", "[]", 5},
		{"subs=1&test=orders.eu", "[1/1 2/2 2/10 3/1]", 4},
		{"subs=1&test=orders.eu&acc=$G", "[2/2 2/10 3/1]", 3},
		{"subs=1&test=billing", "[2/3 3/1]", 2},
		{"subs=1&test=nothing.here.x", "[3/1]", 1},
		{"subs=1&acc=ACME", "[1/1]", 1},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			var s natsSubsz
			getJSON(t, h, "/subsz?"+tc.query, &s)
			if got := subIDs(s); got != tc.want || s.Total != tc.total {
				t.Errorf("subs %s total %d, want %s total %d", got, s.Total, tc.want, tc.total)
			}
		})
	}

	getJSON(t, h, "/subsz?subs=true&limit=1", &s)
	if sd := s.Subs[0]; fmt.Sprint(sd) != "{ACME orders.eu  1 0 100 1}" || s.Limit != 1 {
		t.Errorf("first sub %v limit %d", sd, s.Limit)
	}
	if src.lastSubsz != (SubszOptions{Subscriptions: true, Limit: 1}) {
		t.Errorf("source got %+v", src.lastSubsz)
	}
}

func TestSubszBadRequests(t *testing.T) {
	tests := []struct{ query, want string }{
		{"test=foo.*", "invalid test subject, must be valid publish subject: foo.*"},
		{"test=foo..bar", "invalid test subject, must be valid publish subject: foo..bar"},
		{"test=%3E", "invalid test subject, must be valid publish subject: >"},
		{"subs=detail", `Error decoding boolean for 'subs': strconv.ParseBool: parsing "detail": invalid syntax`},
		{"limit=ten", `Error decoding int for 'limit': strconv.Atoi: parsing "ten": invalid syntax`},
	}
	h := newTestHandler(t, &fakeSource{}, "")
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			expectBadRequest(t, h, "/subsz?"+tc.query, tc.want)
		})
	}
}

func TestMatchLiteral(t *testing.T) {
	tests := []struct {
		literal, pattern string
		want             bool
	}{
		{"foo", "foo", true},
		{"foo", "bar", false},
		{"foo.bar", "foo.*", true},
		{"foo.bar", "*.bar", true},
		{"foo.bar", "*", false},
		{"foo", "foo.*", false},
		{"foo.bar.baz", "foo.*", false},
		{"foo.bar.baz", "foo.>", true},
		{"foo", "foo.>", false},
		{"foo", ">", true},
		{"foo.bar", "foo.bar.baz", false},
		{"foo.bar.baz", "foo.bar", false},
		{"a*b.c", "a*b.c", true},
		{"a.b", "*.*", true},
		{"a.b", "*.>", true},
	}
	for _, tc := range tests {
		if got := matchLiteral(tc.literal, tc.pattern); got != tc.want {
			t.Errorf("matchLiteral(%q, %q) = %v, want %v", tc.literal, tc.pattern, got, tc.want)
		}
	}
}

func TestIsLiteralSubject(t *testing.T) {
	tests := []struct {
		s    string
		want bool
	}{
		{"foo", true},
		{"foo.bar", true},
		{"a*b", true},
		{"", false},
		{".", false},
		{"foo.", false},
		{".foo", false},
		{"foo..bar", false},
		{"*", false},
		{">", false},
		{"foo.*.bar", false},
		{"foo.>", false},
		{"foo bar", false},
		{"foo\tbar", false},
	}
	for _, tc := range tests {
		if got := isLiteralSubject(tc.s); got != tc.want {
			t.Errorf("isLiteralSubject(%q) = %v, want %v", tc.s, got, tc.want)
		}
	}
}
