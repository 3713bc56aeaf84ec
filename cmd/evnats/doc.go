// Command evnats runs the evnats broker, a NATS-protocol server on gnet event
// loops (see the repository's README.md).
//
// Its flags are nats-server's and are not defined here: options.Configure
// parses the command line (and the -c config file, with the flags applied
// over it), options.Usage prints --help and options.HelpTLS --help_tls. The
// action they select runs in main.go: start the server, only check the
// configuration (-t, exit 0 or 1 with the error), print the version or help,
// or send a signal to a running evnats (--signal, signal.go).
//
// main stays short: everything a server does lives in package server, and
// this command only builds the options, starts the server and turns signals
// into calls (SIGINT/SIGTERM shut down, SIGHUP reloads, SIGUSR1 reopens the
// log file, SIGUSR2 enters lame duck mode). The tests run the built binary as
// real processes.
package main
