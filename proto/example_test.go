package proto_test

import (
	"errors"
	"fmt"

	"github.com/evnats/evnats/proto"
)

// echo answers PING and turns every PUB into a MSG for sid 1.
type echo struct {
	proto.NopHandler
	out []byte
}

func (e *echo) Ping() error {
	e.out = append(e.out, proto.PongFrame...)
	return nil
}

func (e *echo) Pub(subject, reply, payload []byte) error {
	e.out = proto.AppendMsg(e.out, subject, []byte("1"), reply, payload)
	return nil
}

func ExampleParser() {
	p := proto.NewParser(proto.ModeServer)
	e := &echo{}
	// One operation may arrive in several reads.
	for _, read := range []string{"PING\r\nPUB foo 5\r\nhel", "lo\r\n", "BOGUS\r\n"} {
		if err := p.Parse([]byte(read), e); err != nil {
			var pe *proto.ProtocolError
			if errors.As(err, &pe) && pe.Text != "" {
				e.out = proto.AppendErr(e.out, pe.Text)
			}
			break
		}
	}
	fmt.Printf("%q\n", e.out)
	// Output: "PONG\r\nMSG foo 1 5\r\nhello\r\n-ERR 'Unknown Protocol Operation'\r\n"
}
