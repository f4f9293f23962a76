//go:build unix

package fnet

import "syscall"

// supported reports whether this platform has the system calls below.
const supported = true

// sysRead makes one non-blocking read(2) on fd (retrying on EINTR).
func sysRead(fd uintptr, p []byte) (int, error) {
	for {
		n, err := syscall.Read(int(fd), p)
		if err != syscall.EINTR {
			return n, err
		}
	}
}

// sysWrite makes one non-blocking write(2) on fd (retrying on EINTR).
func sysWrite(fd uintptr, p []byte) (int, error) {
	for {
		n, err := syscall.Write(int(fd), p)
		if err != syscall.EINTR {
			return n, err
		}
	}
}

// sysReadable reports whether a read on the socket fd would not block: it
// has data, or an end of file or error to report. It peeks at one byte
// into b and consumes nothing, but the error it returns (such as
// ECONNRESET) is consumed: the socket reports it once.
func sysReadable(fd uintptr, b *[1]byte) (bool, error) {
	for {
		_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		switch err {
		case syscall.EINTR:
		case syscall.EAGAIN:
			return false, nil
		default:
			return true, err
		}
	}
}

// isAgain reports whether err says that the call would block.
func isAgain(err error) bool { return err == syscall.EAGAIN }
