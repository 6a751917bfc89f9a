package faults

import (
	"path/filepath"

	toxiproxy "github.com/Shopify/toxiproxy/v2/client"

	"github.com/recur-go/recur/internal/toxiserver"
)

// toxiproxyServer is a toxiproxy server process on 127.0.0.1, started for the test binary, and
// a client of its API; the client package is this module's dependency at toxiserver.Version.
type toxiproxyServer struct {
	srv    *toxiserver.Server
	client *toxiproxy.Client
}

// startToxiproxy starts the server (installing it into the repository's .tools directory if
// need be) and waits until its API answers.
func startToxiproxy() (*toxiproxyServer, error) {
	srv, err := toxiserver.Start(filepath.Join("..", ".tools"))
	if err != nil {
		return nil, err
	}
	return &toxiproxyServer{srv: srv, client: toxiproxy.NewClient(srv.Addr)}, nil
}

// stop ends the server, and the client's idle connections with it.
func (s *toxiproxyServer) stop() { s.srv.Stop() }
