package export

import "greffier/atomicfile"

// WriteFile writes data to path atomically, so a crash never leaves a half-written
// export. Exports hold patient data: readable by the user only.
func WriteFile(path string, data []byte) error {
	return atomicfile.WriteFile(path, data, 0o600)
}
