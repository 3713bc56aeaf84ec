package options

import (
	"fmt"
	"strings"
	"syscall"
)

// Action is what the program should do after Configure.
type Action int

// The actions Configure can ask for.
const (
	// ActionRun starts the server.
	ActionRun Action = iota
	// ActionShowVersion prints the version (-v).
	ActionShowVersion
	// ActionShowHelp prints Usage (-h).
	ActionShowHelp
	// ActionShowHelpTLS prints HelpTLS (--help_tls).
	ActionShowHelpTLS
	// ActionCheckConfig reports that the configuration is valid and exits (-t).
	ActionCheckConfig
	// ActionSignal sends Command.Signal to a running server (-sl).
	ActionSignal
)

// String names the action.
func (a Action) String() string {
	switch a {
	case ActionRun:
		return "run"
	case ActionShowVersion:
		return "version"
	case ActionShowHelp:
		return "help"
	case ActionShowHelpTLS:
		return "help_tls"
	case ActionCheckConfig:
		return "check_config"
	case ActionSignal:
		return "signal"
	}
	return fmt.Sprintf("Action(%d)", int(a))
}

// Command is what Configure decided the program should do.
type Command struct {
	Action Action
	// Signal, SignalName and SignalTarget are set when Action is ActionSignal:
	// send Signal (named SignalName: stop, quit, term, reopen, reload or ldm) to
	// the server whose process ID is SignalTarget, or is read from the file
	// SignalTarget. An empty SignalTarget means the configuration's pid_file if it
	// has one; if that is empty too, the caller finds the process by name.
	Signal       syscall.Signal
	SignalName   string
	SignalTarget string
}

// signalCommands maps --signal commands to signals, as nats-server does.
var signalCommands = []struct {
	name string
	sig  syscall.Signal
}{
	{name: "stop", sig: syscall.SIGKILL},
	{name: "quit", sig: syscall.SIGINT},
	{name: "term", sig: syscall.SIGTERM},
	{name: "reopen", sig: syscall.SIGUSR1},
	{name: "reload", sig: syscall.SIGHUP},
	{name: "ldm", sig: syscall.SIGUSR2},
}

// parseSignal parses "<command>[=<pid|pidfile>]" into a signal command.
func parseSignal(arg string) (*Command, error) {
	name, target, _ := strings.Cut(arg, "=")
	for _, c := range signalCommands {
		if c.name == strings.ToLower(name) {
			return &Command{Action: ActionSignal, Signal: c.sig, SignalName: c.name, SignalTarget: target}, nil
		}
	}
	names := make([]string, len(signalCommands))
	for i, c := range signalCommands {
		names[i] = c.name
	}
	return nil, fmt.Errorf("unknown signal %q: expected one of %s", name, strings.Join(names, ", "))
}
