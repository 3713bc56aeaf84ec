package proto

import "slices"

// MsgFrame encodes one message for many subscribers. Reset formats the parts
// every copy shares (operation, subject, reply and sizes) once; Append then
// adds a whole MSG or HMSG frame for one subscription id, which costs a few
// copies and no number formatting. The zero value is ready for Reset.
//
// A MsgFrame keeps a reference to the payload given to Reset until the next
// Reset or Clear. Not safe for concurrent use.
type MsgFrame struct {
	head []byte // "MSG <subject> " or "HMSG <subject> "
	tail []byte // " [<reply> ]<size>\r\n" or " [<reply> ]<hdrLen> <size>\r\n"
	body []byte // the payload (headers included for HMSG)
}

// Reset prepares frames for a message: an HMSG whose first hdrLen bytes of
// msg are headers, or a MSG when hdrLen < 0.
func (f *MsgFrame) Reset(subject, reply []byte, hdrLen int, msg []byte) {
	op := "MSG "
	if hdrLen >= 0 {
		op = "HMSG "
	}
	f.head = append(append(f.head[:0], op...), subject...)
	f.head = append(f.head, ' ')
	f.tail = append(f.tail[:0], ' ')
	f.tail = appendOpt(f.tail, reply)
	if hdrLen >= 0 {
		f.tail = AppendInt(f.tail, int64(hdrLen))
		f.tail = append(f.tail, ' ')
	}
	f.tail = AppendInt(f.tail, int64(len(msg)))
	f.tail = append(f.tail, crlf...)
	f.body = msg
}

// Append appends the frame for subscription id sid: what AppendMsg or
// AppendHMsg would append for the message given to Reset.
func (f *MsgFrame) Append(dst, sid []byte) []byte {
	dst = slices.Grow(dst, len(f.head)+len(sid)+len(f.tail)+len(f.body)+len(crlf))
	dst = append(dst, f.head...)
	dst = append(dst, sid...)
	dst = append(dst, f.tail...)
	dst = append(dst, f.body...)
	return append(dst, crlf...)
}

// Clear drops the reference to the payload.
func (f *MsgFrame) Clear() { f.body = nil }
