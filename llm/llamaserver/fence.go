package llamaserver

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// ErrNotOurs: the server's port is held by a process that is not the child Greffier
// started (it died and another process took the port). Nothing may be sent there.
var ErrNotOurs = errors.New("the llama-server port is not held by Greffier's own server")

// newKey is a random API key: 256 bits, hex.
func newKey() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("llama-server API key: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// keptEnv are the variables the child inherits: where to find programs and
// libraries, the user's home, locale and time zone, a temporary folder. Everything
// else (API tokens, cloud credentials, HTTP proxies, LLAMA_ARG_* settings that
// would change the server's host or options) is left out.
var keptEnv = map[string]bool{
	"PATH": true, "HOME": true, "USER": true, "LOGNAME": true, "TMPDIR": true, "TZ": true,
	"LANG": true, "LANGUAGE": true, "LC_ALL": true, "LC_CTYPE": true, "LC_NUMERIC": true, "LC_MESSAGES": true,
	"LD_LIBRARY_PATH": true, "SYSTEMROOT": true, "WINDIR": true, // Windows needs these to start a process
}

// childEnv is the child's environment: the kept variables of env, and the API key.
func childEnv(env []string, key string) []string {
	var out []string
	for _, kv := range env {
		name, _, ok := strings.Cut(kv, "=")
		if ok && keptEnv[strings.ToUpper(name)] {
			out = append(out, kv)
		}
	}
	return append(out, "LLAMA_API_KEY="+key)
}

// CheckOwner returns ErrNotOurs unless the server's loopback port is listened on by
// the current child process (Linux: the listening socket's inode in /proc/net/tcp
// is one of the child's file descriptors). Elsewhere it only checks that the child
// is running; the API key then keeps other processes from using the server, not
// from impersonating it.
func (s *Server) CheckOwner() error {
	pid := s.PID()
	if pid == 0 || s.exitedNow() {
		return fmt.Errorf("%w: the server is not running", ErrNotOurs)
	}
	return ownsPort(pid, s.port)
}
