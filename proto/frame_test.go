package proto

import (
	"bytes"
	"testing"
)

func TestMsgFrameMatchesAppend(t *testing.T) {
	hdr := "NATS/1.0\r\nK: V\r\n\r\n"
	tests := []struct {
		name                 string
		subject, reply, body string
		hdrLen               int
	}{
		{name: "msg", subject: "foo.bar", body: "hello", hdrLen: -1},
		{name: "msg reply", subject: "foo", reply: "_INBOX.1", body: "hi", hdrLen: -1},
		{name: "msg empty", subject: "foo", body: "", hdrLen: -1},
		{name: "hmsg", subject: "foo", body: hdr + "payload", hdrLen: len(hdr)},
		{name: "hmsg reply", subject: "a.b.c", reply: "r", body: hdr, hdrLen: len(hdr)},
	}
	var f MsgFrame
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.Reset([]byte(tt.subject), []byte(tt.reply), tt.hdrLen, []byte(tt.body))
			for _, sid := range []string{"1", "22", "sid-333"} {
				var want []byte
				if tt.hdrLen >= 0 {
					want = AppendHMsg(nil, []byte(tt.subject), []byte(sid), []byte(tt.reply), tt.hdrLen, []byte(tt.body))
				} else {
					want = AppendMsg(nil, []byte(tt.subject), []byte(sid), []byte(tt.reply), []byte(tt.body))
				}
				if got := f.Append([]byte("x"), []byte(sid)); !bytes.Equal(got[1:], want) || got[0] != 'x' {
					t.Errorf("sid %s: got %q, want %q", sid, got[1:], want)
				}
			}
		})
	}
}
