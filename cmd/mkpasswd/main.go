package main

import (
	"os"

	"golang.org/x/term"
)

func main() {
	e := env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}
	if fd := int(os.Stdin.Fd()); term.IsTerminal(fd) {
		e.readSecret = func() ([]byte, error) { return term.ReadPassword(fd) }
	}
	os.Exit(run(os.Args[1:], e))
}
