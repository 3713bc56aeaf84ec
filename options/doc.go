// Package options holds the configuration of an evnats server and builds it the
// way nats-server does: defaults, then the configuration file (-c), then the
// command-line flags that were given.
//
//	fs := flag.NewFlagSet("evnats", flag.ContinueOnError)
//	opts, cmd, err := options.Configure(fs, os.Args[1:])
//	if err != nil { ... }              // every problem, as "file:line:col: message"
//	switch cmd.Action {
//	case options.ActionShowHelp:
//		fmt.Print(options.Usage(fs))
//	case options.ActionRun:
//		// start the server with opts
//	}
//	// On SIGHUP:
//	next, err := opts.ReloadConfig()
//	changed, err := options.Diff(opts, next) // err: "config reload not supported for port: ..."
//
// The file keys are nats-server's (nats-features.md §2.2-2.5), matched without
// regard to case and with the same aliases. Unknown keys are errors, also inside
// tls, authorization, users, permissions and cluster blocks; keys of features
// evnats does not implement (jetstream, accounts, leafnodes, ...) are errors that
// say so; a few logging knobs are accepted with a warning (Options.Warnings).
// TLS blocks and --tls* flags load their certificate, key and CA files at once, as
// nats-server does, so -t reports a bad certificate; paths are relative to the
// current directory.
//
// Usage prints help from the FlagSet that Configure filled, and both come from one
// table of flag definitions, so help cannot drift from the flags.
//
// What this package must not know: sockets, the server, or how TLS and
// authorization are enforced. It only fills tlsengine.Config and auth.Config.
//
// Concurrency: Options is plain data. Configure, ProcessConfigFile and
// ReloadConfig return a new value that the caller owns; once handed to a server it
// must not be modified (use Clone). Diff and Validate only read. HelpTLS and Usage
// are safe for concurrent use.
package options
