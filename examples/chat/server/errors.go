package server

import "errors"

// ErrServerClosed is returned by [Server.Serve] and [Server.ListenAndServe]
// once [Server.Shutdown] has been called.
var ErrServerClosed = errors.New("server: closed")

// ErrServing is returned by [Server.Serve] if the server already serves.
var ErrServing = errors.New("server: already serving")
