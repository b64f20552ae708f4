package pipeline

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"greffier/domain"
	"greffier/export"
	"greffier/export/fhir"
	"greffier/export/fromstore"
	"greffier/export/hl7"
	"greffier/export/pdf"
	"greffier/export/text"
	"greffier/store"
)

// ExportFormats are the formats an approved note exports to.
var ExportFormats = []string{"fhir", "hl7", "pdf", "txt"}

// Export says what to export and where. With neither Out nor Post, the export is
// written to To (if set) and returned.
type Export struct {
	EncounterID int64
	// By is the user exporting, for the audit log; 0 means the approving physician.
	By     int64
	Format string // fhir, hl7, pdf or txt
	// HL7TX puts one OBX per line as TX instead of one per section as FT.
	HL7TX bool
	// Out is a file to write (atomically, private; its folder is created 0700).
	Out string
	// Post sends the export: a FHIR base URL (fhir, with Token) or an MLLP
	// HOST:PORT (hl7), waiting at most Timeout (0: 60 s) for the receiver.
	Post    string
	Token   string
	Timeout time.Duration
	To      io.Writer
}

// ExportResult is what an export produced.
type ExportResult struct {
	Data []byte // the export, unless it was posted
	Path string // the file written, if any
	Sent string // the receiver's answer, when posted
	// Warning is what the user must be told about how it was sent (MLLP to another
	// machine is unencrypted); empty when there is nothing to say.
	Warning string
}

// ExportFile is the file name an export gets in a folder: encounter-ID.EXT.
func ExportFile(dir string, id int64, format string) string {
	ext := format
	if format == "fhir" {
		ext = "fhir.json"
	}
	return filepath.Join(dir, fmt.Sprintf("encounter-%d.%s", id, ext))
}

// RunExport exports an approved note: the store's check first (a note that is not
// approved is never rendered), then the document, its format, its destination, and
// last the record that it was exported (the encounter becomes exported).
func RunExport(ctx context.Context, db *store.DB, x Export) (ExportResult, error) {
	if err := checkExport(x); err != nil {
		return ExportResult{}, err
	}
	if err := db.CanExport(ctx, x.EncounterID); err != nil {
		return ExportResult{}, err
	}
	by, err := exporter(ctx, db, x)
	if err != nil {
		return ExportResult{}, err
	}
	doc, err := fromstore.Load(ctx, db, x.EncounterID, by)
	if err != nil {
		return ExportResult{}, err
	}
	remote := false
	if x.Format == "hl7" && x.Post != "" {
		if remote, err = db.MLLPRemote(ctx); err != nil {
			return ExportResult{}, err
		}
	}
	res, err := deliver(ctx, doc, x, remote)
	if err != nil {
		// The note was rendered and may have reached a receiver that then refused
		// it: the attempt is on record too.
		if aerr := db.AuditExportFailed(ctx, x.EncounterID, by, x.Format, domain.ErrorCode(err)); aerr != nil {
			return ExportResult{}, fmt.Errorf("%w (and recording the failed export failed: %v)", err, aerr)
		}
		return ExportResult{}, err
	}
	if err := db.MarkExported(ctx, x.EncounterID, by, x.Format); err != nil {
		return ExportResult{}, fmt.Errorf("the export succeeded but recording it failed: %w", err)
	}
	return res, nil
}

func checkExport(x Export) error {
	switch x.Format {
	case "fhir", "hl7", "pdf", "txt":
	default:
		return domain.Errorf(domain.EInvalid, "unknown export format %q: want fhir, hl7, pdf or txt", x.Format)
	}
	if x.Out != "" && x.Post != "" {
		return domain.Errorf(domain.EInvalid, "an export goes to a file or is sent, not both")
	}
	if x.Post != "" && (x.Format == "pdf" || x.Format == "txt") {
		return domain.Errorf(domain.EInvalid, "only fhir and hl7 can be sent; write %s to a file", x.Format)
	}
	return nil
}

// exporter is x.By, or the physician who approved the note.
func exporter(ctx context.Context, db *store.DB, x Export) (int64, error) {
	if x.By != 0 {
		return x.By, nil
	}
	e, err := db.GetEncounter(ctx, x.EncounterID)
	if err != nil {
		return 0, err
	}
	if e.ApprovedBy == 0 {
		return 0, domain.Errorf(domain.EInvalid, "say who exports: the approving physician is unknown")
	}
	return e.ApprovedBy, nil
}

func deliver(ctx context.Context, doc export.Document, x Export, mllpRemote bool) (ExportResult, error) {
	timeout := x.Timeout
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	var res ExportResult
	var err error
	switch x.Format {
	case "txt":
		res.Data = []byte(text.Render(doc))
	case "pdf":
		res.Data, err = pdf.Render(doc)
	case "fhir":
		res, err = deliverFHIR(ctx, doc, x, timeout)
	case "hl7":
		res, err = deliverHL7(ctx, doc, x, timeout, mllpRemote)
	}
	if err != nil || x.Post != "" {
		return res, err
	}
	return res, place(&res, x)
}

// deliverFHIR builds the Bundle (naming Greffier's version on its Device) and
// returns it, or posts it to x.Post.
func deliverFHIR(ctx context.Context, doc export.Document, x Export, timeout time.Duration) (ExportResult, error) {
	b, err := fhir.Build(doc, fhir.Options{Now: time.Now(), SoftwareVersion: Version})
	if err != nil {
		return ExportResult{}, err
	}
	if x.Post == "" {
		data, err := fhir.Marshal(b)
		return ExportResult{Data: data}, err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	r, err := fhir.Client{BaseURL: x.Post, Token: x.Token}.Post(ctx, b)
	if err != nil {
		return ExportResult{}, err
	}
	created := r.Created()
	return ExportResult{Sent: fmt.Sprintf("%d resources created, %d already there", created, len(r.Entries)-created)}, nil
}

// deliverHL7 builds the MDM^T02 message and returns it, or sends it over MLLP to
// x.Post and waits for the ACK.
func deliverHL7(ctx context.Context, doc export.Document, x Export, timeout time.Duration, allowRemote bool) (ExportResult, error) {
	opt := hl7.Options{Now: time.Now()}
	if x.HL7TX {
		opt.Presentation = hl7.TX
	}
	msg, ctrl, err := hl7.MDM(doc, opt)
	if err != nil || x.Post == "" {
		return ExportResult{Data: msg}, err
	}
	addr := strings.TrimPrefix(x.Post, "mllp://")
	ack, err := hl7.Sender{Addr: addr, Timeout: timeout, AllowRemote: allowRemote}.Send(ctx, msg, ctrl)
	if err != nil {
		return ExportResult{}, err
	}
	res := ExportResult{Sent: "acknowledged " + ack.Code + " for message " + ctrl}
	if hl7.Remote(addr) {
		res.Warning = fmt.Sprintf("MLLP is unencrypted: the note crossed the network in clear to %s (allowed by an admin, setting %s)", addr, store.SettingMLLPRemote)
	}
	return res, nil
}

// place writes the export to its file or writer.
func place(res *ExportResult, x Export) error {
	switch {
	case x.Out != "":
		if err := os.MkdirAll(filepath.Dir(x.Out), 0o700); err != nil {
			return domain.Wrap(domain.EInvalid, err, "cannot create the folder %s", filepath.Dir(x.Out))
		}
		if err := export.WriteFile(x.Out, res.Data); err != nil {
			return domain.Wrap(domain.EInvalid, err, "cannot write %s", x.Out)
		}
		res.Path = x.Out
	case x.To != nil:
		if _, err := x.To.Write(res.Data); err != nil {
			return fmt.Errorf("write the export: %w", err)
		}
	}
	return nil
}
