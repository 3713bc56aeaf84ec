package cluster

import (
	"encoding/json"
	"strings"
	"testing"
)

// A v2.15.3 route INFO and CONNECT as seen on the wire (nats-features.md §5).
const (
	natsServerInfo = `{"server_id":"NAFA","server_name":"A","version":"2.15.3","proto":3,"go":"go1.26.8",` +
		`"host":"127.0.0.1","port":16301,"headers":true,"max_payload":1048576,"nonce":"abc","cluster":"C1",` +
		`"connect_urls":["192.0.2.2:14301"],"compression":"accept","lnoc":true,"lnocu":true,"ln":true,"route_pool_size":3}`
	natsServerConnect = `{"echo":true,"verbose":false,"pedantic":false,"tls_required":false,"headers":true,` +
		`"name":"NBBB","cluster":"C1","lnoc":true,"ln":true}`
)

func TestParseInfo(t *testing.T) {
	info, err := ParseInfo([]byte(natsServerInfo))
	if err != nil {
		t.Fatal(err)
	}
	want := Info{ID: "NAFA", Name: "A", Version: "2.15.3", Proto: 3, Go: "go1.26.8", Host: "127.0.0.1", Port: 16301,
		Headers: true, MaxPayload: 1048576, Nonce: "abc", Cluster: "C1", ConnectURLs: []string{"192.0.2.2:14301"},
		Compression: "accept", RoutePoolSize: 3}
	if got, _ := json.Marshal(info); string(got) != string(mustJSON(t, want)) {
		t.Fatalf("got %s", got)
	}
	for _, bad := range []string{`{`, `{"server_name":"x"}`, `[]`} {
		if _, err := ParseInfo([]byte(bad)); err == nil {
			t.Errorf("ParseInfo(%s) accepted", bad)
		}
	}
}

func TestParseConnect(t *testing.T) {
	c, err := ParseConnect([]byte(natsServerConnect))
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "NBBB" || c.Cluster != "C1" || !c.Headers || !c.Echo || c.Lang != "" {
		t.Fatalf("got %+v", c)
	}
	if _, err := ParseConnect([]byte(`{"name":1}`)); err == nil {
		t.Fatal("bad CONNECT accepted")
	}
}

// TestInfoWireForm checks what evnats sends: field order as nats-server's,
// and no pooling, compression or leaf flags, so a v2.15 peer negotiates down.
func TestInfoWireForm(t *testing.T) {
	info := Info{ID: "NX", Name: "x", Version: "0.1.0", Proto: 1, Host: "127.0.0.1", Port: 6222, Headers: true,
		MaxPayload: 1 << 20, Cluster: "c"}
	got := string(mustJSON(t, info))
	want := `{"server_id":"NX","server_name":"x","version":"0.1.0","proto":1,"host":"127.0.0.1","port":6222,` +
		`"headers":true,"max_payload":1048576,"cluster":"c"}`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	for _, k := range []string{"route_pool_size", "compression", "lnoc", `"ln"`} {
		if strings.Contains(got, k) {
			t.Errorf("INFO carries %s", k)
		}
	}
}

func FuzzParseInfo(f *testing.F) {
	f.Add([]byte(natsServerInfo))
	f.Add([]byte(natsServerConnect))
	f.Add([]byte(`{"server_id":"N","port":-1,"ip":"::"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if info, err := ParseInfo(b); err == nil {
			if info.ID == "" {
				t.Fatal("accepted an INFO without server_id")
			}
			_, _ = GossipURL(info, "127.0.0.1")
			_ = Configured(nil, info)
		}
		_, _ = ParseConnect(b)
	})
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
