package store

import (
	"context"
	"database/sql"
	"fmt"
)

// QueueEntry is an encounter as a review queue lists it: the label of the patient
// it is about (their local id, else their name) and its physician's name.
type QueueEntry struct {
	Encounter
	PatientLabel string `json:"patient_label,omitempty"`
	Physician    string `json:"physician,omitempty"`
}

// Queue lists encounters like ListEncounters, with each one's patient label read in
// the same query (only a patient without a local id has their name decrypted) and
// the physicians' names read once (their rows' MACs checked).
func (db *DB) Queue(ctx context.Context, f ListFilter) ([]QueueEntry, error) {
	names, err := db.userNames(ctx)
	if err != nil {
		return nil, err
	}
	where, args := f.sql()
	rows, err := db.db.QueryContext(ctx, `SELECT `+encounterCols+`, p.local_id, p.name_enc
		FROM encounters e LEFT JOIN patients p ON p.id = e.patient_id`+where, args...)
	if err != nil {
		return nil, fmt.Errorf("list the queue: %w", err)
	}
	defer rows.Close()
	out := []QueueEntry{}
	for rows.Next() {
		var q QueueEntry
		var local sql.NullString
		var name []byte
		if err := db.scanEncounterThen(rows, &q.Encounter, &local, &name); err != nil {
			return nil, funcErr(err, "list the queue")
		}
		q.PatientLabel, q.Physician = local.String, names[q.PhysicianID]
		if q.PatientLabel == "" && name != nil {
			if q.PatientLabel, err = db.openPatientField(name, q.PatientID, "name"); err != nil {
				return nil, fmt.Errorf("patient %d name: %w", q.PatientID, err)
			}
		}
		out = append(out, q)
	}
	if err := rows.Err(); err != nil {
		return nil, funcErr(err, "list the queue")
	}
	return out, nil
}

// userNames maps every user's id to their name.
func (db *DB) userNames(ctx context.Context) (map[int64]string, error) {
	us, err := db.ListUsers(ctx)
	if err != nil {
		return nil, funcErr(err, "list the queue")
	}
	names := make(map[int64]string, len(us))
	for _, u := range us {
		names[u.ID] = u.Name
	}
	return names, nil
}
