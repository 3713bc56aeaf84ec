package proto

import (
	"slices"
	"strconv"
)

// Encoders append one complete frame to dst and return the extended slice.
// They grow dst at most once (none when it has room) and allocate nothing
// else. They keep no reference to their arguments and are safe for
// concurrent use on distinct dst slices. Arguments are written as given:
// callers must not pass subjects, sids or queue names containing blanks,
// '\r' or '\n'.

// Fixed frames. They are shared: never modify or append to them in place
// (append to a copy or to your own buffer).
var (
	PingFrame = []byte("PING\r\n")
	PongFrame = []byte("PONG\r\n")
	OKFrame   = []byte("+OK\r\n")
)

const crlf = "\r\n"

// AppendInfo appends "INFO <json> \r\n". The blank before CRLF matches
// nats-server byte for byte.
func AppendInfo(dst, json []byte) []byte {
	dst = slices.Grow(dst, len("INFO ")+len(json)+len(" \r\n"))
	dst = append(dst, "INFO "...)
	dst = append(dst, json...)
	return append(dst, " \r\n"...)
}

// AppendConnect appends "CONNECT <json>\r\n".
func AppendConnect(dst, json []byte) []byte {
	dst = slices.Grow(dst, len("CONNECT ")+len(json)+len(crlf))
	dst = append(dst, "CONNECT "...)
	dst = append(dst, json...)
	return append(dst, crlf...)
}

// AppendPub appends "PUB <subject> [reply] <size>\r\n<payload>\r\n"; an
// empty reply is omitted.
func AppendPub(dst, subject, reply, payload []byte) []byte {
	dst = slices.Grow(dst, len("PUB ")+len(subject)+1+optLen(reply)+
		digits(len(payload))+2*len(crlf)+len(payload))
	dst = append(dst, "PUB "...)
	dst = append(dst, subject...)
	dst = append(dst, ' ')
	dst = appendOpt(dst, reply)
	return appendBody(dst, -1, payload)
}

// AppendHPub appends "HPUB <subject> [reply] <hdrLen> <len(msg)>\r\n<msg>\r\n";
// msg is the header block followed by the payload.
func AppendHPub(dst, subject, reply []byte, hdrLen int, msg []byte) []byte {
	dst = slices.Grow(dst, len("HPUB ")+len(subject)+1+optLen(reply)+
		digits(hdrLen)+1+digits(len(msg))+2*len(crlf)+len(msg))
	dst = append(dst, "HPUB "...)
	dst = append(dst, subject...)
	dst = append(dst, ' ')
	dst = appendOpt(dst, reply)
	return appendBody(dst, hdrLen, msg)
}

// AppendSub appends "SUB <subject> [queue] <sid>\r\n".
func AppendSub(dst, subject, queue, sid []byte) []byte {
	dst = slices.Grow(dst, len("SUB ")+len(subject)+1+optLen(queue)+len(sid)+len(crlf))
	dst = append(dst, "SUB "...)
	dst = append(dst, subject...)
	dst = append(dst, ' ')
	dst = appendOpt(dst, queue)
	dst = append(dst, sid...)
	return append(dst, crlf...)
}

// AppendUnsub appends "UNSUB <sid> [max]\r\n"; max < 0 is omitted.
func AppendUnsub(dst, sid []byte, max int64) []byte {
	dst = slices.Grow(dst, len("UNSUB ")+len(sid)+1+20+len(crlf))
	dst = append(dst, "UNSUB "...)
	dst = append(dst, sid...)
	if max >= 0 {
		dst = append(dst, ' ')
		dst = AppendInt(dst, max)
	}
	return append(dst, crlf...)
}

// AppendMsg appends "MSG <subject> <sid> [reply] <size>\r\n<payload>\r\n".
func AppendMsg(dst, subject, sid, reply, payload []byte) []byte {
	dst = slices.Grow(dst, len("MSG ")+len(subject)+1+len(sid)+1+optLen(reply)+
		digits(len(payload))+2*len(crlf)+len(payload))
	dst = append(dst, "MSG "...)
	dst = append(dst, subject...)
	dst = append(dst, ' ')
	dst = append(dst, sid...)
	dst = append(dst, ' ')
	dst = appendOpt(dst, reply)
	return appendBody(dst, -1, payload)
}

// AppendHMsg appends
// "HMSG <subject> <sid> [reply] <hdrLen> <len(msg)>\r\n<msg>\r\n".
func AppendHMsg(dst, subject, sid, reply []byte, hdrLen int, msg []byte) []byte {
	dst = slices.Grow(dst, len("HMSG ")+len(subject)+1+len(sid)+1+optLen(reply)+
		digits(hdrLen)+1+digits(len(msg))+2*len(crlf)+len(msg))
	dst = append(dst, "HMSG "...)
	dst = append(dst, subject...)
	dst = append(dst, ' ')
	dst = append(dst, sid...)
	dst = append(dst, ' ')
	dst = appendOpt(dst, reply)
	return appendBody(dst, hdrLen, msg)
}

// AppendRSub appends "RS+ <account> <subject> [<queue> <weight>]\r\n". An
// empty account is omitted (a route dedicated to one account); weight is
// written only with a queue.
func AppendRSub(dst, account, subject, queue []byte, weight int32) []byte {
	dst = slices.Grow(dst, len("RS+ ")+optLen(account)+len(subject)+1+len(queue)+12+len(crlf))
	dst = append(dst, "RS+ "...)
	dst = appendOpt(dst, account)
	dst = append(dst, subject...)
	if len(queue) > 0 {
		dst = append(dst, ' ')
		dst = append(dst, queue...)
		dst = append(dst, ' ')
		dst = AppendInt(dst, int64(weight))
	}
	return append(dst, crlf...)
}

// AppendRUnsub appends "RS- <account> <subject> [queue]\r\n"; an empty
// account is omitted as for AppendRSub.
func AppendRUnsub(dst, account, subject, queue []byte) []byte {
	dst = slices.Grow(dst, len("RS- ")+optLen(account)+len(subject)+1+len(queue)+len(crlf))
	dst = append(dst, "RS- "...)
	dst = appendOpt(dst, account)
	dst = append(dst, subject...)
	if len(queue) > 0 {
		dst = append(dst, ' ')
		dst = append(dst, queue...)
	}
	return append(dst, crlf...)
}

// AppendRMsg appends a route message: "RMSG" when hdrLen < 0, else the route
// "HMSG" form with "<hdrLen> <len(msg)>". Between subject and sizes it writes
// "+ <reply> <queues..>" or "| <queues..>" when queues is non-empty, else the
// reply if any. An empty account is omitted as for AppendRSub.
func AppendRMsg(dst, account, subject, reply []byte, queues [][]byte, hdrLen int, msg []byte) []byte {
	n := len("RMSG ") + optLen(account) + len(subject) + 1 + optLen(reply) +
		digits(hdrLen) + 1 + digits(len(msg)) + 2*len(crlf) + len(msg)
	if len(queues) > 0 {
		n += 2
		for _, q := range queues {
			n += len(q) + 1
		}
	}
	dst = slices.Grow(dst, n)
	if hdrLen < 0 {
		dst = append(dst, "RMSG "...)
	} else {
		dst = append(dst, "HMSG "...)
	}
	dst = appendOpt(dst, account)
	dst = append(dst, subject...)
	dst = append(dst, ' ')
	if len(queues) > 0 {
		if len(reply) > 0 {
			dst = append(dst, "+ "...)
			dst = append(dst, reply...)
			dst = append(dst, ' ')
		} else {
			dst = append(dst, "| "...)
		}
		for _, q := range queues {
			dst = append(dst, q...)
			dst = append(dst, ' ')
		}
	} else {
		dst = appendOpt(dst, reply)
	}
	return appendBody(dst, hdrLen, msg)
}

// AppendErr appends "-ERR '<text>'\r\n".
func AppendErr(dst []byte, text string) []byte {
	dst = slices.Grow(dst, len("-ERR ''")+len(text)+len(crlf))
	dst = append(dst, "-ERR '"...)
	dst = append(dst, text...)
	return append(dst, "'\r\n"...)
}

// AppendInt appends the decimal form of n.
func AppendInt(dst []byte, n int64) []byte {
	return strconv.AppendInt(dst, n, 10)
}

// maxSizeDigits keeps ParseSize's result below 10^18 (10^9 on 32-bit
// platforms), so the accumulation can never overflow an int.
const maxSizeDigits = 9 * (strconv.IntSize / 32)

// ParseSize parses a non-negative decimal size. It returns -1 when b is
// empty, has a non-digit or more digits than an int can safely hold (18 on
// 64-bit platforms). It is small enough to be inlined.
func ParseSize(b []byte) int {
	if len(b) == 0 || len(b) > maxSizeDigits {
		return -1
	}
	n := 0
	for _, c := range b {
		d := c - '0'
		if d > 9 {
			return -1
		}
		n = n*10 + int(d)
	}
	return n
}

// appendBody appends "[<hdrLen> ]<len(msg)>\r\n<msg>\r\n"; hdrLen < 0 omits
// the header size.
func appendBody(dst []byte, hdrLen int, msg []byte) []byte {
	if hdrLen >= 0 {
		dst = AppendInt(dst, int64(hdrLen))
		dst = append(dst, ' ')
	}
	dst = AppendInt(dst, int64(len(msg)))
	dst = append(dst, crlf...)
	dst = append(dst, msg...)
	return append(dst, crlf...)
}

// appendOpt appends b and a blank, or nothing when b is empty.
func appendOpt(dst, b []byte) []byte {
	if len(b) == 0 {
		return dst
	}
	dst = append(dst, b...)
	return append(dst, ' ')
}

func optLen(b []byte) int {
	if len(b) == 0 {
		return 0
	}
	return len(b) + 1
}

// digits returns the length of the decimal form of n (n < 0 counts as 0).
func digits(n int) int {
	if n < 0 {
		return 0
	}
	d := 1
	for n >= 10 {
		n /= 10
		d++
	}
	return d
}
