// Package sample builds the Documents the export tests share: an invented French
// consultation whose text holds accents and every HL7 delimiter, and an English one.
// No real patient is described.
package sample

import (
	"time"

	"greffier/export"
	"greffier/notes/schema"
)

// French returns a signed French progress note.
func French() export.Document {
	// A fixed zone (UTC+1, as Paris in November): tests never depend on the machine's
	// time zone database.
	paris := time.FixedZone("CET", 3600)
	return export.Document{
		Clinic:  export.Clinic{ID: "CLINIQUE-DU-PARC", Name: "Clinique du Parc — Médecine générale"},
		Patient: export.Patient{ID: "pat-7", MRN: "MRN-00421", Family: "Lefèvre", Given: "Hélène", BirthDate: "1958-03-14", Sex: "female"},
		Encounter: export.Encounter{ID: "enc-42",
			Start: time.Date(2026, 11, 20, 9, 15, 0, 0, paris), End: time.Date(2026, 11, 20, 9, 40, 0, 0, paris)},
		Author:      export.Author{ID: "usr-3", Family: "Durand", Given: "Éloïse"},
		ApprovedAt:  time.Date(2026, 11, 20, 10, 2, 30, 0, paris),
		NoteVersion: 3,
		Note: schema.Note{
			SchemaVersion: schema.Version, Template: "soap", Language: "fr",
			Drafter: schema.DrafterInfo{Kind: schema.DrafterLLM, Model: "test"},
			Sections: []schema.Section{
				{Key: "subjective", Title: "Subjectif", Sentences: []schema.Sentence{
					{Text: "Patiente de 68 ans vue pour fièvre et toux depuis 3 jours.", Evidence: schema.Evidence{1, 2}},
					{Text: "Douleur thoracique à l'inspiration, « comme un coup de poignard ».", Evidence: schema.Evidence{3}},
				}},
				{Key: "objective", Title: "Objectif", Sentences: []schema.Sentence{
					// Every HL7 delimiter and the escape character, plus a line break.
					{Text: "TA 135/85 | FC 98 ^ T° 38,6 °C ~ SpO2 95 % & crépitants\\base droite\nsans signe de gravité.", Evidence: schema.Evidence{4}},
				}},
				{Key: "assessment", Title: "Évaluation", Sentences: []schema.Sentence{
					{Text: "Pneumopathie communautaire probable, lobe inférieur droit.", Evidence: schema.Evidence{5}},
				}},
				{Key: "plan", Title: "Plan", Sentences: []schema.Sentence{
					{Text: "Amoxicilline 1 g trois fois par jour pendant 7 jours.", Evidence: schema.Evidence{6}},
					{Text: "Radiographie thoracique demain ; réévaluation à 48 h.", Evidence: schema.Evidence{7}},
				}},
			},
			Problems: []schema.Problem{{Title: "Pneumopathie", ICD10: &schema.CodeRef{Code: "J18.9", Title: "Pneumonia, unspecified organism"}, Evidence: schema.Evidence{5}}},
			Medications: []schema.Medication{{Name: "Amoxicilline", Dose: "1 g", Route: "per os", Frequency: "3 fois par jour",
				Action: schema.ActionStart, Evidence: schema.Evidence{6}}},
			Allergies: []schema.Allergy{{Substance: "Pénicilline ? non, aucune allergie connue", Evidence: schema.Evidence{8}}},
			FollowUp:  []schema.Sentence{{Text: "Revoir dans 48 heures.", Evidence: schema.Evidence{7}}},
		},
		AcceptedCodes: []export.Code{
			{Code: "J18.9", Title: "Pneumonia, unspecified organism"},
			{Code: "R05.9", Title: "Cough, unspecified"},
		},
		// The seal is made up (the store makes real ones): the formats only carry it.
		Signature: &export.Signature{Signer: "Éloïse Durand", SignedAt: time.Date(2026, 11, 20, 10, 2, 30, 0, paris), Version: 3,
			SHA256:          "5f2b9c0e6a1d4b3f8e7c6d5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c",
			PasswordChecked: true, Meaning: "I have reviewed and approve this note",
			Seal: []byte("eyJhbGciOiJIUzI1NiJ9.eyJ2ZXJzaW9uIjozfQ.c2VhbA"), SealFormat: "application/jose"},
	}
}

// English returns a signed English history and physical.
func English() export.Document {
	utc := time.UTC
	return export.Document{
		Clinic:  export.Clinic{ID: "RIVERSIDE", Name: "Riverside Family Practice", MRNSystem: "https://riverside.example/fhir/sid/mrn"},
		Patient: export.Patient{ID: "pat-9", MRN: "R-1001", Family: "O'Brien", Given: "Sean", BirthDate: "1990-07", Sex: "male"},
		Encounter: export.Encounter{ID: "enc-77",
			Start: time.Date(2026, 11, 21, 14, 0, 0, 0, utc)},
		Author:      export.Author{ID: "usr-5", Family: "Nguyen", Given: "Amy"},
		ApprovedAt:  time.Date(2026, 11, 21, 15, 30, 0, 0, utc),
		NoteVersion: 1,
		Note: schema.Note{
			SchemaVersion: schema.Version, Template: "hp", Language: "en",
			Drafter: schema.DrafterInfo{Kind: schema.DrafterExtractive},
			Sections: []schema.Section{
				{Key: "chief_complaint", Title: "Chief complaint", Sentences: []schema.Sentence{
					{Text: "Headaches for two weeks.", Evidence: schema.Evidence{1}}}},
				{Key: "hpi", Title: "History of present illness", Sentences: []schema.Sentence{
					{Text: "Bifrontal, worse in the evening, relieved by ibuprofen 400 mg.", Evidence: schema.Evidence{2}}}},
				{Key: "plan", Title: "Plan"},
			},
			Vitals: []schema.Vital{{Kind: schema.VitalBP, Value: "128/82", Unit: "mmHg", Evidence: schema.Evidence{3}}},
		},
		AcceptedCodes: []export.Code{{Code: "R51.9", Title: "Headache, unspecified"}},
	}
}
