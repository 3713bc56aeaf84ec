package server

import (
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/evnats/evnats/options"
)

// ReloadSource produces the options a reload should apply: normally the
// command line parsed again, so that the file is re-read and flags still win.
type ReloadSource func() (*options.Options, error)

// SetReloadSource sets how Reload obtains new options. Without one, Reload
// re-reads Options().ConfigFile.
func (s *Server) SetReloadSource(src ReloadSource) {
	s.reloadMu.Lock()
	s.reloadSrc = src
	s.reloadMu.Unlock()
}

// Reload re-reads the configuration and applies what can change at run time:
// logging, limits, authorization and TLS certificates. A change that cannot be
// applied (ports, hosts) or a broken file is refused, logged, and the running
// configuration is kept. Connections stay up; new limits apply to new
// operations, and clients already connected are checked against changed
// authorization (reauth.go).
func (s *Server) Reload() error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	old := s.Options()
	var (
		next *options.Options
		err  error
	)
	switch {
	case s.reloadSrc != nil:
		next, err = s.reloadSrc()
	case old.ConfigFile != "":
		// Re-read the file and apply the command-line flags over it again.
		next, err = old.ReloadConfig()
	default:
		err = errors.New("can only reload config when a file is provided using -c or --config")
	}
	if err == nil {
		err = next.Validate()
	}
	if err != nil {
		s.log.Errorf("Reload refused, keeping the running configuration: %v", err)
		return err
	}
	changed, err := options.Diff(old, next)
	if err != nil {
		s.log.Errorf("Reload refused, keeping the running configuration: %v", err)
		return err
	}
	prevAuth := s.auth.Load()
	if err := s.applyOptions(next); err != nil {
		s.log.Errorf("Reload refused, keeping the running configuration: %v", err)
		// applyOptions stores nothing before every part has been built.
		return err
	}
	if next.LogFile != old.LogFile && next.LogFile != "" {
		if err := s.log.OpenLogFile(next.LogFile); err != nil {
			s.log.Errorf("Reopening log file: %v", err)
		}
	}
	s.cluster.reloaded(old, next)
	if slices.Contains(changed, "authorization") {
		s.reauthorize(prevAuth)
	}
	s.cfgLoad.Store(time.Now().UnixNano())
	for _, c := range changed {
		s.log.Noticef("Reloaded: %s", c)
	}
	s.log.Noticef("Reloaded server configuration (%s)", strings.Join(changed, ", "))
	return nil
}
