package app

import (
	"greffier/domain"
)

// Encounters is the Home screen's service: today's encounters, new encounter, search.
type Encounters struct{ s *Services }

// EncounterSummary is one row of the Home list.
type EncounterSummary struct {
	ID           int64                 `json:"id"`
	PatientLabel string                `json:"patient_label"`
	State        domain.EncounterState `json:"state"`
	CreatedAt    int64                 `json:"created_at"` // Unix ms
	UpdatedAt    int64                 `json:"updated_at"`
}

// Today lists the encounters created today (local time), newest first.
func (e *Encounters) Today() ([]EncounterSummary, error) {
	s := e.s
	if err := s.ready(); err != nil {
		return nil, err
	}
	// The store's encounter listing is being written (issue 6); until it lands the
	// list is empty. Marked in the report.
	return []EncounterSummary{}, nil
}
