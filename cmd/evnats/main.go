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

// waitForSignals handles SIGINT/SIGTERM (shut down, exit 0), SIGHUP (reload),
// SIGUSR1 (reopen the log file) and SIGUSR2 (lame duck mode, which ends in a
// shutdown and exit 0).
func waitForSignals(s *server.Server) int {
	ch := make(chan os.Signal, 4)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGUSR1, syscall.SIGUSR2)
	done := make(chan struct{})
	go func() { s.WaitForShutdown(); close(done) }()
	for {
		var sig os.Signal
		select {
		case sig = <-ch:
		case <-done:
			return 0
		}
		switch sig {
		case syscall.SIGUSR2:
			go s.LameDuck()
		case syscall.SIGHUP:
			// Reload logs a refusal itself ("Reload refused, keeping the
			// running configuration: ..."); logging it here too doubled it.
			_ = s.Reload()
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
}
