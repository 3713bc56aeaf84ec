package options

import (
	"flag"
	"strings"
)

// usageColumn is where flag descriptions start in Usage.
const usageColumn = 36

// Usage returns the help text for the flags defined on fs, grouped as
// nats-server's usage is (Server, Logging, Authorization, TLS, Cluster, Common,
// then evnats Options). Aliases bound to one value share a line; defaults come
// from fs. Flags on fs that Configure did not define are listed last under
// "Other Options". Safe to call while no goroutine is defining flags on fs.
func Usage(fs *flag.FlagSet) string {
	var b strings.Builder
	b.WriteString("Usage: evnats [options]\n")
	shown := make(map[string]bool)
	for _, group := range flagGroups {
		header := false
		for _, d := range flagDefs {
			if d.group != group {
				continue
			}
			var names []string
			var f *flag.Flag
			for _, n := range d.names {
				if ff := fs.Lookup(flagName(n)); ff != nil {
					names = append(names, n)
					shown[ff.Name] = true
					if f == nil {
						f = ff
					}
				}
			}
			if f == nil {
				continue
			}
			if !header {
				b.WriteString("\n" + group + ":\n")
				header = true
			}
			left := strings.Join(names, ", ")
			if d.arg != "" {
				left += " " + d.arg
			}
			writeUsageLine(&b, left, f.Usage+defaultNote(f))
		}
	}
	header := false
	fs.VisitAll(func(f *flag.Flag) {
		if shown[f.Name] {
			return
		}
		if !header {
			b.WriteString("\nOther Options:\n")
			header = true
		}
		dash := "--"
		if len(f.Name) == 1 {
			dash = "-"
		}
		writeUsageLine(&b, dash+f.Name, f.Usage+defaultNote(f))
	})
	return b.String()
}

func writeUsageLine(b *strings.Builder, left, usage string) {
	b.WriteString("    " + left)
	if pad := usageColumn - 4 - len(left); pad > 0 {
		b.WriteString(strings.Repeat(" ", pad))
	} else {
		b.WriteString("\n" + strings.Repeat(" ", usageColumn))
	}
	b.WriteString(usage + "\n")
}

// defaultNote shows a flag's default unless it is the zero value.
func defaultNote(f *flag.Flag) string {
	switch f.DefValue {
	case "", "0", "false":
		return ""
	}
	return " (default: " + f.DefValue + ")"
}
