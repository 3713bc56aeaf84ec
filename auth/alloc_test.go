//go:build !race

package auth

import (
	"testing"
)

func benchPerms(tb testing.TB) *CompiledPermissions {
	cp, err := compilePermissions(&Permissions{
		Publish: &SubjectPermission{
			Allow: []string{"orders.>", "metrics.*.cpu", "_INBOX.>"},
			Deny:  []string{"orders.secret.>"},
		},
		Subscribe: &SubjectPermission{Allow: []string{"_INBOX.>"}},
		Response:  &ResponsePermission{},
	})
	if err != nil {
		tb.Fatal(err)
	}
	return cp
}

func TestCanPublishAllocs(t *testing.T) {
	c := NewConnPermissions(benchPerms(t), nil)
	subject := []byte("orders.eu.created")
	if !c.CanPublish(subject) { // first call fills the cache
		t.Fatal("not allowed")
	}
	if n := testing.AllocsPerRun(1000, func() { c.CanPublish(subject) }); n != 0 {
		t.Fatalf("CanPublish on a cached subject allocates %v times", n)
	}
	denied := []byte("orders.secret.x")
	c.CanPublish(denied)
	if n := testing.AllocsPerRun(1000, func() { c.CanPublish(denied) }); n != 0 {
		t.Fatalf("CanPublish on a cached denied subject allocates %v times", n)
	}
	var none *ConnPermissions
	if n := testing.AllocsPerRun(1000, func() { none.CanPublish(subject) }); n != 0 {
		t.Fatalf("CanPublish without permissions allocates %v times", n)
	}
	cp := benchPerms(t)
	if n := testing.AllocsPerRun(1000, func() { cp.PublishAllowed(subject) }); n != 0 {
		t.Fatalf("PublishAllowed allocates %v times", n)
	}
}

func BenchmarkCanPublish(b *testing.B) {
	subject := []byte("orders.eu.created")
	b.Run("no-permissions", func(b *testing.B) {
		var c *ConnPermissions
		b.ReportAllocs()
		for b.Loop() {
			if !c.CanPublish(subject) {
				b.Fatal("refused")
			}
		}
	})
	b.Run("cached", func(b *testing.B) {
		c := NewConnPermissions(benchPerms(b), nil)
		b.ReportAllocs()
		for b.Loop() {
			if !c.CanPublish(subject) {
				b.Fatal("refused")
			}
		}
	})
	b.Run("uncached-match", func(b *testing.B) {
		cp := benchPerms(b)
		b.ReportAllocs()
		for b.Loop() {
			if !cp.PublishAllowed(subject) {
				b.Fatal("refused")
			}
		}
	})
}

func BenchmarkCanSubscribe(b *testing.B) {
	c := NewConnPermissions(benchPerms(b), nil)
	subject := []byte("_INBOX.abcdef.*")
	b.ReportAllocs()
	for b.Loop() {
		if !c.CanSubscribe(subject, nil) {
			b.Fatal("refused")
		}
	}
}
