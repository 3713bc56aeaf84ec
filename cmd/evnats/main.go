// Command evnats runs the evnats broker. Its flags are nats-server's; see
// --help, and --help_tls for the accepted TLS names.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/evnats/evnats/options"
	"github.com/evnats/evnats/server"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	fs := flag.NewFlagSet("evnats", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(os.Stdout, options.Usage(fs)) }
	opts, cmd, err := options.Configure(fs, args)
	if err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		fmt.Fprintf(os.Stderr, "evnats: %v\n", err)
		return 1
	}
	switch cmd.Action {
	case options.ActionShowVersion:
		fmt.Printf("evnats: v%s\n", server.Version)
		return 0
	case options.ActionShowHelp:
		fmt.Print(options.Usage(fs))
		return 0
	case options.ActionShowHelpTLS:
		fmt.Print(options.HelpTLS())
		return 0
	case options.ActionSignal:
		if err := sendSignal(cmd.Signal, cmd.SignalTarget); err != nil {
			fmt.Fprintf(os.Stderr, "evnats: %v\n", err)
			return 1
		}
		return 0
	}
	s, err := server.New(opts)
	if err != nil {
		fmt.Fprintf(os.Stderr, "evnats: %v\n", err)
		return 1
	}
	if cmd.Action == options.ActionCheckConfig {
		fmt.Printf("evnats: configuration file %s test is successful\n", opts.ConfigFile)
		return 0
	}
	if err := s.Start(); err != nil {
		s.Logger().Fatalf("%v", err)
		return 1
	}
	return waitForSignals(s)
}

// waitForSignals handles SIGINT/SIGTERM (shut down, exit 0), SIGHUP (reload)
// and SIGUSR1 (reopen the log file).
func waitForSignals(s *server.Server) int {
	ch := make(chan os.Signal, 4)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGUSR1)
	for sig := range ch {
		switch sig {
		case syscall.SIGHUP:
			if err := s.Reload(); err != nil {
				s.Logger().Errorf("Failed to reload server configuration: %v", err)
			}
		case syscall.SIGUSR1:
			if err := s.Logger().Reopen(); err != nil {
				s.Logger().Errorf("Failed to reopen log file: %v", err)
			}
		default:
			s.Logger().Noticef("Trapped %q signal", sig.String())
			s.Shutdown()
			return 0
		}
	}
	return 0
}
