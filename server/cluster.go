package server

import (
	"time"

	"github.com/evnats/evnats/options"
)

// clusterState holds the routes of this server. Routes are added by the
// cluster work; without a cluster block it stays empty.
type clusterState struct {
	s *Server
}

// route is the route-specific state of a route connection.
type route struct{}

func newClusterState(s *Server) *clusterState { return &clusterState{s: s} }

func (cs *clusterState) start() {}
func (cs *clusterState) stop()  {}

func (cs *clusterState) name() string { return cs.s.Options().Cluster.Name }

func (cs *clusterState) clientConnectURLs() []string { return nil }

func (cs *clusterState) localInterestAdded(*subscription)    {}
func (cs *clusterState) localInterestRemoved(*subscription)  {}
func (cs *clusterState) routeClosed(*client)                 {}
func (cs *clusterState) reloaded(old, next *options.Options) {}

func (s *Server) openRoute(c *client, accepted bool) error {
	c.kind = kindRoute
	return errServerShutdown
}

func (c *client) routeTick(time.Time) {}
func (c *client) routeTLSDone()       {}

func (c *client) forwardToRoute(t *routeTarget, subject, reply []byte, hdrLen int, msg []byte, maxPending int64) bool {
	return false
}
