package main

import "syscall"

// isNonBlocking says whether the open file description behind fd is in
// non-blocking mode, for everyone who holds it.
func isNonBlocking(fd uintptr) (bool, error) {
	flags, _, errno := syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_GETFL, 0)
	if errno != 0 {
		return false, errno
	}
	return flags&syscall.O_NONBLOCK != 0, nil
}
