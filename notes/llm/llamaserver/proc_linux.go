package llamaserver

import "syscall"

// setDeathSignal makes the kernel kill the child if Greffier dies without stopping
// it (e.g. SIGKILL), so no orphan server keeps a model in memory.
func setDeathSignal(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGKILL }
