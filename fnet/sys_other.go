//go:build !unix

package fnet

// supported reports whether this platform has the system calls fnet needs:
// on other platforms, NewConn and NewListener return ErrUnsupported and the
// functions below are never called.
const supported = false

func sysRead(uintptr, []byte) (int, error)        { return 0, ErrUnsupported }
func sysWrite(uintptr, []byte) (int, error)       { return 0, ErrUnsupported }
func sysReadable(uintptr, *[1]byte) (bool, error) { return true, nil }
func isAgain(error) bool                          { return false }
