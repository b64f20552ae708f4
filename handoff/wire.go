// Package handoff carries an encounter from a laptop to the clinic server: the wire
// contract (both sides), the bundle's sealing under the device's credential, and the
// laptop's client (pairing with a pinned certificate, resumable checksummed upload).
//
// The upload: the laptop seals the bundle (gzip, then AES-256-GCM under a key
// derived from its device credential, deterministically, so a retry sends the same
// bytes), announces its size and SHA-256, sends the chunks the server says it lacks,
// each with its own SHA-256, and asks the server to commit. The server keeps
// received chunks on disk (sealed: it cannot read them without the credential), so
// an upload cut by the network or a server restart resumes where it stopped; at
// commit it checks the whole bundle's SHA-256, opens it and imports it in one
// transaction keyed by the encounter's UUID, so sending twice imports once.
package handoff

import "time"

// Paths of the server's hand-off API (docs/server.md).
const (
	PathPair       = "/api/handoff/pair"
	PathUploads    = "/api/handoff/uploads/"
	PathEncounters = "/api/handoff/encounters/"
)

// Limits the server enforces.
const (
	DefaultChunkSize = 256 << 10
	MinChunkSize     = 1 << 10
	MaxChunkSize     = 512 << 10 // below the server's request body limit
	// MaxBundle caps the sealed bytes, and the bundle once inflated: the note and its
	// audio (store.MaxHandoffAudio, base64 in the JSON).
	MaxBundle = 256 << 20
)

// PairRequest is POST /api/handoff/pair's body: the admin's one-time code and a name
// for this laptop.
type PairRequest struct {
	Code   string `json:"code"`
	Device string `json:"device"`
}

// PairResponse is the device's id and credential, given once.
type PairResponse struct {
	DeviceID   int64  `json:"device_id"`
	Credential string `json:"credential"`
}

// UploadStart is PUT /api/handoff/uploads/{uuid}'s body: what will be sent.
type UploadStart struct {
	Size      int64  `json:"size"`
	SHA256    string `json:"sha256"`
	ChunkSize int    `json:"chunk_size"`
}

// UploadState is what the server holds of an upload: the chunks still missing, or
// that the encounter was imported already (then EncounterID is the server's).
type UploadState struct {
	UUID        string `json:"uuid"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	ChunkSize   int    `json:"chunk_size"`
	Chunks      int    `json:"chunks"`
	Missing     []int  `json:"missing"`
	Imported    bool   `json:"imported"`
	EncounterID int64  `json:"encounter_id,omitempty"`
}

// Ack is the server's answer to a commit: the encounter is the server's now.
type Ack struct {
	UUID        string `json:"uuid"`
	EncounterID int64  `json:"encounter_id"`
	// Duplicate: this UUID had been imported before; nothing changed.
	Duplicate bool `json:"duplicate"`
}

// RemoteState is what the server says of a handed-off encounter (GET
// /api/handoff/encounters/{uuid}): the laptop shows it beside its read-only copy.
type RemoteState struct {
	UUID          string     `json:"uuid"`
	EncounterID   int64      `json:"encounter_id"`
	State         string     `json:"state"`
	LatestVersion int        `json:"latest_version"`
	ApprovedAt    *time.Time `json:"approved_at,omitempty"`
}

// Chunks is how many chunks of chunkSize a bundle of size bytes has.
func Chunks(size int64, chunkSize int) int {
	if size <= 0 || chunkSize <= 0 {
		return 0
	}
	return int((size + int64(chunkSize) - 1) / int64(chunkSize))
}

// HeaderChunkSHA256 carries a chunk's SHA-256 (hex).
const HeaderChunkSHA256 = "X-Chunk-SHA256"
