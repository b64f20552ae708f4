//go:build !linux

package llamaserver

// ownsPort cannot see sockets' owners here: the running child is all we check.
func ownsPort(pid, port int) error { return nil }
