package proto

import (
	"strconv"
	"testing"
)

// fill repeats frame until buf holds about 64 KiB of whole frames.
func fill(frame []byte) []byte {
	buf := make([]byte, 0, 64<<10+len(frame))
	for len(buf)+len(frame) <= 64<<10 {
		buf = append(buf, frame...)
	}
	return buf
}

func benchParse(b *testing.B, mode Mode, buf []byte) {
	b.Helper()
	var h Handler = NopHandler{}
	p := NewParser(mode)
	b.ReportAllocs()
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		if err := p.Parse(buf, h); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParsePub(b *testing.B) {
	for _, size := range []int{16, 128} {
		frame := AppendPub(nil, []byte("foo.bar.baz"), nil, make([]byte, size))
		b.Run(strconv.Itoa(size)+"B", func(b *testing.B) { benchParse(b, ModeServer, fill(frame)) })
	}
}

func BenchmarkParsePubReply(b *testing.B) {
	frame := AppendPub(nil, []byte("foo.bar.baz"), []byte("_INBOX.abcdefghijklmnop"), make([]byte, 16))
	benchParse(b, ModeServer, fill(frame))
}

// BenchmarkParsePubSplit feeds 64 KiB of 128-byte PUBs in 4000-byte reads,
// so most reads end inside an operation.
func BenchmarkParsePubSplit(b *testing.B) {
	buf := fill(AppendPub(nil, []byte("foo.bar.baz"), nil, make([]byte, 128)))
	var h Handler = NopHandler{}
	p := NewParser(ModeServer)
	b.ReportAllocs()
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		for off := 0; off < len(buf); off += 4000 {
			if err := p.Parse(buf[off:min(off+4000, len(buf))], h); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkParseMsg(b *testing.B) {
	for _, size := range []int{16, 128} {
		frame := AppendMsg(nil, []byte("foo.bar.baz"), []byte("17"), nil, make([]byte, size))
		b.Run(strconv.Itoa(size)+"B", func(b *testing.B) { benchParse(b, ModeClient, fill(frame)) })
	}
}

func BenchmarkParseRMsg(b *testing.B) {
	frame := AppendRMsg(nil, []byte("$G"), []byte("foo.bar.baz"), []byte("_INBOX.x"), [][]byte{[]byte("q1")}, -1, make([]byte, 128))
	benchParse(b, ModeRoute, fill(frame))
}

func BenchmarkParseSub(b *testing.B) {
	benchParse(b, ModeServer, fill([]byte("SUB foo.bar.* workers 123\r\n")))
}

func BenchmarkAppendMsg(b *testing.B) {
	subj, sid, reply, pay := []byte("foo.bar.baz"), []byte("17"), []byte("_INBOX.abc"), make([]byte, 128)
	dst := make([]byte, 0, 512)
	b.ReportAllocs()
	b.SetBytes(int64(len(AppendMsg(nil, subj, sid, reply, pay))))
	for b.Loop() {
		dst = AppendMsg(dst[:0], subj, sid, reply, pay)
	}
}

func BenchmarkAppendHMsg(b *testing.B) {
	subj, sid, msg := []byte("foo.bar.baz"), []byte("17"), []byte(hdrBlock+"0123456789abcdef")
	dst := make([]byte, 0, 512)
	b.ReportAllocs()
	b.SetBytes(int64(len(AppendHMsg(nil, subj, sid, nil, 12, msg))))
	for b.Loop() {
		dst = AppendHMsg(dst[:0], subj, sid, nil, 12, msg)
	}
}
