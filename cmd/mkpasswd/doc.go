// Command mkpasswd prints a bcrypt hash for use as a password or token in an
// evnats (or nats-server) `authorization {}` block.
//
// With no flags it generates a random password and prints "pass: <password>"
// and "bcrypt hash: <hash>"; with -p it reads the password twice (without
// echo on a terminal) and prints only the hash. -c sets the bcrypt cost
// (default 11, bcrypt.MinCost to bcrypt.MaxCost); hashes are $2a$.
//
// The flags are defined in run (mkpasswd.go), which does the whole job
// against an env of stdin, stdout and stderr so tests can drive it; main
// stays short and only wires the real terminal into that env.
package main
