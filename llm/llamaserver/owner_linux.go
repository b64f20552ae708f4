package llamaserver

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ownsPort checks that pid has a socket listening on 127.0.0.1:port.
func ownsPort(pid, port int) error {
	inodes, err := listeners("/proc/net/tcp", port)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNotOurs, err)
	}
	if len(inodes) == 0 {
		return fmt.Errorf("%w: nothing listens on port %d", ErrNotOurs, port)
	}
	fdDir := fmt.Sprintf("/proc/%d/fd", pid)
	fds, err := os.ReadDir(fdDir)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNotOurs, err)
	}
	for _, fd := range fds {
		link, err := os.Readlink(filepath.Join(fdDir, fd.Name()))
		if err != nil {
			continue // closed since the listing
		}
		if ino, ok := strings.CutPrefix(link, "socket:["); ok && inodes[strings.TrimSuffix(ino, "]")] {
			return nil
		}
	}
	return fmt.Errorf("%w: port %d is held by another process", ErrNotOurs, port)
}

// listeners returns the inodes of the sockets in LISTEN state on 127.0.0.1:port in
// a /proc/net/tcp table.
func listeners(table string, port int) (map[string]bool, error) {
	f, err := os.Open(table)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	local := fmt.Sprintf("0100007F:%04X", port)
	out := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
		fl := strings.Fields(sc.Text())
		if len(fl) < 10 || fl[1] != local || fl[3] != "0A" {
			continue
		}
		if _, err := strconv.ParseUint(fl[9], 10, 64); err == nil {
			out[fl[9]] = true
		}
	}
	return out, sc.Err()
}
