//go:build !linux

package main

import "errors"

// isNonBlocking is only asked on Linux, the one system where the server
// opens its stdin anew (stdin.go).
func isNonBlocking(uintptr) (bool, error) {
	return false, errors.New("not on Linux")
}
