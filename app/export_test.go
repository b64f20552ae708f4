package app

import "time"

// SetLiveMinWindow shortens the live transcript's windows, so that a short
// recording makes several of them.
func SetLiveMinWindow(s *Services, d time.Duration) { s.Recording.minWindow = d }

// SetLiveDraft turns incremental drafting during recordings on (the default) or off.
func SetLiveDraft(s *Services, on bool) { s.Recording.noLiveDraft = !on }
