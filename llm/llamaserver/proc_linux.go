package llamaserver

import "syscall"

// setDeathSignal makes the kernel kill the child if Greffier dies without stopping
// it (e.g. SIGKILL), so no orphan server keeps a model in memory. The signal follows
// the OS thread that started the child; Go ends a thread only when a goroutine
// locked to it exits, and should that happen the supervisor restarts the server.
func setDeathSignal(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGKILL }
