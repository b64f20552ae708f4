//go:build unix && !linux

package llamaserver

import "syscall"

func setDeathSignal(*syscall.SysProcAttr) {}
