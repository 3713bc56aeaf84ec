package cluster

import "errors"

var (
	errNoServerID = errors.New("cluster: route INFO has no server_id")
	errNoHostPort = errors.New("cluster: route INFO has neither ip nor a usable host and port")
)
