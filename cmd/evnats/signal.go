package main

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
)

// sendSignal implements --signal: the target is a pid, a pid file, or empty
// (then the single running evnats process is looked up with pgrep).
func sendSignal(sig syscall.Signal, target string) error {
	pid, err := resolvePid(target)
	if err != nil {
		return err
	}
	if err := syscall.Kill(pid, sig); err != nil {
		return fmt.Errorf("signal %d to pid %d: %w", sig, pid, err)
	}
	return nil
}

func resolvePid(target string) (int, error) {
	if target == "" {
		out, err := exec.Command("pgrep", "-x", "evnats").Output()
		if err != nil {
			return 0, fmt.Errorf("no evnats process found: %w", err)
		}
		fields := strings.Fields(string(out))
		if len(fields) != 1 {
			return 0, fmt.Errorf("multiple evnats processes running (%s): give a pid", strings.Join(fields, ", "))
		}
		target = fields[0]
	}
	if pid, err := strconv.Atoi(target); err == nil {
		return pid, nil
	}
	data, err := os.ReadFile(target)
	if err != nil {
		return 0, fmt.Errorf("read pid file: %w", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		return 0, fmt.Errorf("pid file %s: %w", target, err)
	}
	return pid, nil
}
