package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"

	"golang.org/x/crypto/bcrypt"
)

const (
	defaultCost = 11
	// Generated passwords: 22 characters from this alphabet (about 135 bits).
	passwordLength = 22
	passwordChars  = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!@$#%^&*()"
)

// env is the outside world of one run, so tests can drive it.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// readSecret reads one password from a terminal without echo; nil when
	// stdin is not a terminal, and lines are then read from stdin.
	readSecret func() ([]byte, error)
}

// run is the whole command; it returns the exit status.
func run(args []string, e env) int {
	fs := flag.NewFlagSet("mkpasswd", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	prompt := fs.Bool("p", false, "Input password via stdin")
	cost := fs.Int("c", defaultCost, fmt.Sprintf("The cost weight, range of %d-%d", bcrypt.MinCost, bcrypt.MaxCost))
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "mkpasswd: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return 2
	}
	if *cost < bcrypt.MinCost || *cost > bcrypt.MaxCost {
		fmt.Fprintf(e.stderr, "mkpasswd: cost %d is outside %d-%d\n", *cost, bcrypt.MinCost, bcrypt.MaxCost)
		return 2
	}

	var password []byte
	var err error
	if *prompt {
		read := e.readSecret
		if read == nil {
			read = lineReader(e.stdin)
		}
		password, err = readTwice(e.stdout, read)
	} else {
		password, err = generatePassword(rand.Reader)
		if err == nil {
			fmt.Fprintf(e.stdout, "pass: %s\n", password)
		}
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "mkpasswd: %v\n", err)
		return 1
	}
	hash, err := bcrypt.GenerateFromPassword(password, *cost)
	if err != nil {
		fmt.Fprintf(e.stderr, "mkpasswd: %v\n", err)
		return 1
	}
	fmt.Fprintf(e.stdout, "bcrypt hash: %s\n", hash)
	return 0
}

// readTwice prompts for the password twice and refuses a mismatch or an
// empty password.
func readTwice(out io.Writer, read func() ([]byte, error)) ([]byte, error) {
	fmt.Fprint(out, "Enter Password: ")
	first, err := read()
	if err != nil {
		return nil, fmt.Errorf("reading password: %w", err)
	}
	fmt.Fprint(out, "\nReenter Password: ")
	second, err := read()
	if err != nil {
		return nil, fmt.Errorf("reading password: %w", err)
	}
	fmt.Fprintln(out)
	if !bytes.Equal(first, second) {
		return nil, errors.New("passwords do not match")
	}
	if len(first) == 0 {
		return nil, errors.New("empty password")
	}
	return first, nil
}

// lineReader reads one line per call from r, without its "\n" or "\r\n".
func lineReader(r io.Reader) func() ([]byte, error) {
	br := bufio.NewReader(r)
	return func() ([]byte, error) {
		line, err := br.ReadBytes('\n')
		if err != nil && (err != io.EOF || len(line) == 0) {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		line = bytes.TrimSuffix(line, []byte("\n"))
		return bytes.TrimSuffix(line, []byte("\r")), nil
	}
}

// generatePassword draws passwordLength characters uniformly from
// passwordChars, using rejection sampling to avoid modulo bias.
func generatePassword(rnd io.Reader) ([]byte, error) {
	const n = len(passwordChars)
	const limit = 256 - 256%n // bytes at or above limit would bias the draw
	out := make([]byte, 0, passwordLength)
	var buf [64]byte
	for len(out) < passwordLength {
		if _, err := io.ReadFull(rnd, buf[:]); err != nil {
			return nil, fmt.Errorf("reading random bytes: %w", err)
		}
		for _, b := range buf {
			if int(b) < limit && len(out) < passwordLength {
				out = append(out, passwordChars[int(b)%n])
			}
		}
	}
	return out, nil
}
