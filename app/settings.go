package app

import (
	"context"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"greffier/audio/portaudio"
	"greffier/domain"
	llmmodels "greffier/llm/models"
	"greffier/notes/templates"
	"greffier/pipeline/llmsetup"
	"greffier/store"
	"greffier/transcribe/models"
)

// Settings is the Settings screen's service: what the app is and how it is set up.
type Settings struct{ s *Services }

// Info is what the shell needs at start.
type Info struct {
	Product     string `json:"product"`
	Version     string `json:"version"`
	DataDir     string `json:"data_dir"`
	ModelsDir   string `json:"models_dir"`
	StartScreen string `json:"start_screen"`
	// StartEncounter is an encounter to open at start, 0 for none.
	StartEncounter int64 `json:"start_encounter"`
	// StartLanguage is the language asked for at start (GREFFIER_LANG), "" if none:
	// the UI then keeps the user's saved choice.
	StartLanguage string `json:"start_language"`
	SchemaVersion int    `json:"schema_version"`
	SQLiteVersion string `json:"sqlite_version"`
}

// Info reports the product, the data folders and, once a user unlocked it, the
// database. It needs no login: the window asks it first (a database that could not
// be opened is reported here).
func (st *Settings) Info() (Info, error) {
	s := st.s
	if s.startErr != nil {
		return Info{}, s.fail(s.startErr)
	}
	var ver int
	var sv string
	if _, err := s.session(); err == nil {
		ctx := s.ctx
		if ver, err = s.db.SchemaVersion(ctx); err != nil {
			return Info{}, s.fail(err)
		}
		if sv, err = s.db.SQLiteVersion(ctx); err != nil {
			return Info{}, s.fail(err)
		}
	}
	screen := s.cfg.StartScreen
	if screen == "" {
		screen = "home"
	}
	return Info{
		Product: Product, Version: Version,
		DataDir: s.cfg.Dirs.Data, ModelsDir: s.cfg.Dirs.Models(),
		StartScreen: screen, StartLanguage: string(s.cfg.Language), StartEncounter: s.cfg.StartEncounter,
		SchemaVersion: ver, SQLiteVersion: sv,
	}, nil
}

// SetLanguage switches the language of the messages the services return ("en"/"fr");
// the login screen calls it before anyone is logged in.
func (st *Settings) SetLanguage(lang string) (string, error) {
	if lang != "en" && lang != "fr" {
		return "", st.s.fail(domain.Errorf(domain.EInvalid, "unknown language %q (en or fr)", lang))
	}
	st.s.setLanguage(domain.Language(lang))
	return lang, nil
}

// Users lists the clinic's users.
func (st *Settings) Users() ([]store.User, error) {
	if err := st.s.ready(); err != nil {
		return nil, err
	}
	us, err := st.s.db.ListUsers(st.s.ctx)
	if us == nil {
		us = []store.User{}
	}
	return us, st.s.fail(err)
}

// CreateUser adds a user with a role (physician, secretary, admin) and their first
// password. Only an admin adds users (the store checks the session's user).
func (st *Settings) CreateUser(name, role, password string) (store.User, error) {
	sess, err := st.s.session()
	if err != nil {
		return store.User{}, err
	}
	u, err := st.s.db.AddUser(st.s.ctx, sess, strings.TrimSpace(name), domain.UserRole(role), password)
	return u, st.s.fail(err)
}

// SetUserRole changes the role of the user called name. Admins only (the store
// checks the session's user); the last admin keeps the role.
func (st *Settings) SetUserRole(name, role string) (store.User, error) {
	return st.adminOn(name, func(ctx context.Context, sess *store.Session, id int64) error {
		return st.s.db.SetRole(ctx, sess, id, domain.UserRole(role))
	})
}

// DisableUser stops the user called name from logging in (users are disabled, never
// deleted: the audit names them) and removes their key slot. Admins only.
func (st *Settings) DisableUser(name string) (store.User, error) {
	return st.adminOn(name, func(ctx context.Context, sess *store.Session, id int64) error {
		return st.s.db.Disable(ctx, sess, id)
	})
}

// ResetUserPassword sets the password of the user called name (re-enabling them).
// Admins only.
func (st *Settings) ResetUserPassword(name, password string) (store.User, error) {
	return st.adminOn(name, func(ctx context.Context, sess *store.Session, id int64) error {
		return st.s.db.ResetPassword(ctx, sess, id, password)
	})
}

// adminOn runs an admin's change f on the user called name and returns that user as
// changed. The user is named, not given by id: no bound method takes a user id.
func (st *Settings) adminOn(name string, f func(ctx context.Context, sess *store.Session, id int64) error) (store.User, error) {
	sess, err := st.s.session()
	if err != nil {
		return store.User{}, err
	}
	ctx := st.s.ctx
	u, err := st.s.db.UserByName(ctx, strings.TrimSpace(name))
	if err != nil {
		return store.User{}, st.s.fail(err)
	}
	if err := f(ctx, sess, u.ID); err != nil {
		return store.User{}, st.s.fail(err)
	}
	u, err = st.s.db.UserByName(ctx, u.Name)
	return u, st.s.fail(err)
}

// ChangePassword changes the session's user's own password.
func (st *Settings) ChangePassword(oldPassword, newPassword string) (bool, error) {
	sess, err := st.s.session()
	if err != nil {
		return false, err
	}
	if err := st.s.db.ChangePassword(st.s.ctx, sess, oldPassword, newPassword); err != nil {
		return false, st.s.fail(err)
	}
	return true, nil
}

// ModelInfo is one whisper model file present.
type ModelInfo struct {
	Name   string `json:"name"`
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	Known  bool   `json:"known"`
	Active bool   `json:"active"`
}

func (st *Settings) manager() *models.Manager {
	return &models.Manager{Dir: st.s.cfg.Dirs.Models(), BaseURL: st.s.cfg.ModelBaseURL, Models: st.s.cfg.ModelCatalogue}
}

// Catalogue lists the whisper models that can be downloaded.
func (st *Settings) Catalogue() ([]models.Model, error) {
	if err := st.s.ready(); err != nil {
		return nil, err
	}
	mgr := st.manager()
	if mgr.Models != nil {
		return mgr.Models, nil
	}
	return models.Catalogue(), nil
}

// PullModel downloads a catalogue model as a job ("download" progress events; cancel
// with Encounters.CancelJob). An interrupted download resumes; a file with the wrong
// checksum is deleted, never installed.
func (st *Settings) PullModel(name string) (Job, error) {
	if err := st.s.ready(); err != nil {
		return Job{}, err
	}
	mgr := st.manager()
	if _, ok := mgr.Lookup(name); !ok {
		return Job{}, st.s.fail(domain.Errorf(domain.ENotFound, "no model %q in the catalogue", name))
	}
	return st.s.jobs.start("download", 0, func(ctx context.Context, progress func(string, float64)) error {
		mgr.Progress = func(p models.Progress) {
			if p.Total > 0 {
				progress(name, float64(p.Done)/float64(p.Total))
			}
		}
		_, err := mgr.Pull(ctx, name)
		return err
	}), nil
}

// Models lists the whisper models in the models folder, marking the one in use.
func (st *Settings) Models() ([]ModelInfo, error) {
	if err := st.s.ready(); err != nil {
		return nil, err
	}
	mgr := st.manager()
	inst, err := mgr.Installed()
	if err != nil {
		return nil, st.s.fail(err)
	}
	active, _ := st.s.whisperModel()
	out := make([]ModelInfo, 0, len(inst))
	for _, m := range inst {
		out = append(out, ModelInfo{Name: m.Name, Path: m.Path, Size: m.Size, Known: m.Known, Active: m.Path == active})
	}
	return out, nil
}

// Devices lists the audio inputs.
func (st *Settings) Devices() ([]portaudio.Device, error) {
	if err := st.s.ready(); err != nil {
		return nil, err
	}
	ds, err := portaudio.InputDevices()
	if err != nil {
		return nil, st.s.fail(domain.Wrap(domain.EUnavailable, err, "cannot list the audio inputs"))
	}
	if ds == nil {
		ds = []portaudio.Device{}
	}
	return ds, nil
}

// TemplateInfo names a note template.
type TemplateInfo struct {
	Key   string `json:"key"`
	Title string `json:"title"`
}

// Templates lists the note templates (the user's folder first, then built-in) with
// titles in lang.
func (st *Settings) Templates(lang string) ([]TemplateInfo, error) {
	if err := st.s.ready(); err != nil {
		return nil, err
	}
	ts, err := templates.Loader{Dir: st.s.cfg.Dirs.Templates()}.List()
	if err != nil {
		return nil, st.s.fail(err)
	}
	out := make([]TemplateInfo, 0, len(ts))
	for _, t := range ts {
		out = append(out, TemplateInfo{Key: t.Key, Title: t.Title.In(lang)})
	}
	return out, nil
}

// Preferences are the clinic's settings kept in the database.
type Preferences struct {
	RetentionDays int    `json:"retention_days"`
	LLMEndpoint   string `json:"llm_endpoint"`
	// LLMModel is a GGUF file that Greffier serves itself with llama-server; it
	// wins over LLMEndpoint. With neither, notes are drafted extractively.
	LLMModel   string `json:"llm_model"`
	ClinicName string `json:"clinic_name"`
	// IdleLockMinutes locks the window after that long without activity (0: never;
	// DefaultIdleLock when never set).
	IdleLockMinutes int `json:"idle_lock_minutes"`
}

const (
	settingLLM      = "llm.endpoint"
	settingLLMModel = "llm.model"
	settingClinic   = "clinic.name"
)

// Preferences reads the clinic's settings.
func (st *Settings) Preferences() (Preferences, error) {
	if err := st.s.ready(); err != nil {
		return Preferences{}, err
	}
	ctx := st.s.ctx
	var p Preferences
	var err error
	if p.RetentionDays, err = st.s.db.RetentionDays(ctx); err != nil {
		return p, st.s.fail(err)
	}
	if p.LLMEndpoint, _, err = st.s.db.Setting(ctx, settingLLM); err != nil {
		return p, st.s.fail(err)
	}
	if p.LLMModel, _, err = st.s.db.Setting(ctx, settingLLMModel); err != nil {
		return p, st.s.fail(err)
	}
	if p.ClinicName, _, err = st.s.db.Setting(ctx, settingClinic); err != nil {
		return p, st.s.fail(err)
	}
	p.IdleLockMinutes = int(st.s.idleLock(st.s.db) / time.Minute)
	return p, nil
}

// SavePreferences stores the clinic's settings that changed, as the session's user
// (audited). Only an admin changes where patient text may go (the language model's
// endpoint or model file), how long audio is kept and the idle lock.
func (st *Settings) SavePreferences(p Preferences) (Preferences, error) {
	userID, err := st.s.actingUser()
	if err != nil {
		return Preferences{}, err
	}
	if p.RetentionDays < 0 {
		return p, st.s.fail(domain.Errorf(domain.EInvalid, "retention must be 0 days or more"))
	}
	if p.IdleLockMinutes < 0 || p.IdleLockMinutes > 24*60 {
		return p, st.s.fail(domain.Errorf(domain.EInvalid, "the idle lock must be between 0 (never) and 1440 minutes"))
	}
	p.LLMEndpoint, p.LLMModel = strings.TrimSpace(p.LLMEndpoint), strings.TrimSpace(p.LLMModel)
	if p.LLMEndpoint != "" {
		if _, _, _, err := llmsetup.Endpoint(p.LLMEndpoint, ""); err != nil {
			return p, st.s.fail(err)
		}
	}
	if p.LLMModel != "" {
		if fi, err := os.Stat(p.LLMModel); err != nil || fi.IsDir() {
			return p, st.s.fail(domain.Errorf(domain.ENotFound, "the GGUF model file %s cannot be read", p.LLMModel))
		}
	}
	ctx := st.s.ctx
	old, err := st.s.llmSettings(ctx)
	if err != nil {
		return p, st.s.fail(err)
	}
	cur, err := st.Preferences()
	if err != nil {
		return p, err
	}
	changed := map[string]string{}
	admin := false
	if p.RetentionDays != cur.RetentionDays {
		changed[store.SettingRetentionDays], admin = strconv.Itoa(p.RetentionDays), true
	}
	if p.LLMEndpoint != cur.LLMEndpoint {
		changed[settingLLM], admin = p.LLMEndpoint, true
	}
	if p.LLMModel != cur.LLMModel {
		changed[settingLLMModel], admin = p.LLMModel, true
	}
	if p.IdleLockMinutes != cur.IdleLockMinutes {
		changed[settingIdleLock], admin = strconv.Itoa(p.IdleLockMinutes), true
	}
	if p.ClinicName != cur.ClinicName {
		changed[settingClinic] = p.ClinicName
	}
	if admin {
		if err := st.s.requireAdmin(ctx, "changing the language model, the audio retention or the idle lock"); err != nil {
			return p, st.s.fail(err)
		}
	}
	for k, v := range changed {
		if err := st.s.db.SetSetting(ctx, k, v, userID); err != nil {
			return p, st.s.fail(err)
		}
	}
	if _, ok := changed[settingIdleLock]; ok {
		st.s.setIdleLock(time.Duration(p.IdleLockMinutes) * time.Minute)
	}
	// A managed server for a model no longer chosen is stopped; the next draft
	// starts the new one.
	if old != (llmSettings{Endpoint: p.LLMEndpoint, Model: p.LLMModel}) {
		st.s.llm.stop()
	}
	return st.Preferences()
}

// TestLLM checks that an OpenAI-compatible endpoint answers, as drafting would reach
// it (llmsetup.Probe: its model query and the API key included).
// Only an admin tests one: the probe carries the API key to the address given.
func (st *Settings) TestLLM(endpoint string) (string, error) {
	if err := st.s.ready(); err != nil {
		return "", err
	}
	if err := st.s.requireAdmin(st.s.ctx, "testing a language model endpoint"); err != nil {
		return "", st.s.fail(err)
	}
	ctx, cancel := context.WithTimeout(st.s.ctx, 5*time.Second)
	defer cancel()
	if err := llmsetup.Probe(ctx, strings.TrimSpace(endpoint), st.s.cfg.LLMAPIKey); err != nil {
		return "", st.s.fail(err)
	}
	return "ok", nil
}

// TestDevice opens an audio input for ms milliseconds (at most 10 s) and sends its
// level as "level" events, for the Settings meter. Nothing is recorded or kept.
func (st *Settings) TestDevice(device string, ms int) (Job, error) {
	if err := st.s.ready(); err != nil {
		return Job{}, err
	}
	if cur, _ := st.s.Recording.Status(); cur.Active {
		return Job{}, st.s.fail(domain.Errorf(domain.EConflict, "a recording is running; stop it to test a device"))
	}
	d := time.Duration(min(max(ms, 100), 10000)) * time.Millisecond
	return st.s.jobs.start("devicetest", 0, func(ctx context.Context, progress func(string, float64)) error {
		src, err := portaudio.OpenDevice(portaudio.DeviceOptions{Name: device})
		if err != nil {
			return domain.Wrap(domain.EUnavailable, err, "cannot open the microphone")
		}
		defer src.Close()
		start := time.Now()
		var sum float64
		var n int
		last := start
		for time.Since(start) < d {
			if err := ctx.Err(); err != nil {
				return err
			}
			buf, err := src.Read()
			if err != nil {
				return domain.Wrap(domain.EUnavailable, err, "the microphone stopped")
			}
			for _, v := range buf {
				sum += float64(v) * float64(v)
			}
			n += len(buf)
			if time.Since(last) >= 50*time.Millisecond && n > 0 {
				st.s.emit("level", LevelEvent{RMS: dbfs(sum / float64(n))})
				progress("", float64(time.Since(start))/float64(d))
				sum, n, last = 0, 0, time.Now()
			}
		}
		return nil
	}), nil
}

// dbfs turns a mean square into dB relative to full scale, -120 for silence.
func dbfs(meanSquare float64) float64 {
	if meanSquare <= 1e-12 {
		return -120
	}
	return 10 * math.Log10(meanSquare)
}

// requireAdmin refuses (EForbidden) unless the session's user is, now, an enabled
// admin: their role is read again, so a demotion since login counts.
func (s *Services) requireAdmin(ctx context.Context, what string) error {
	sess, err := s.session()
	if err != nil {
		return err
	}
	id := sess.User().ID
	us, err := s.db.ListUsers(ctx)
	if err != nil {
		return err
	}
	for _, u := range us {
		if u.ID == id && u.Role == domain.UserAdmin && u.Status != store.UserDisabled {
			return nil
		}
	}
	return domain.Errorf(domain.EForbidden, "only an administrator may do this: %s", what)
}

// ModelFit is which language model sizes fit this computer (Settings, like doctor):
// the reference shapes at Q4_K_M, the context each would get, and the size advised
// for its cores and memory.
type ModelFit struct {
	Sizes     []SizeFit `json:"sizes"`
	Suggested string    `json:"suggested"` // "1b", "3b", "8b"; "" when none fits
	Cores     int       `json:"cores"`
	BudgetMiB int       `json:"budget_mib"` // the memory a model may use here
}

// SizeFit is one reference size on this computer.
type SizeFit struct {
	Key     string `json:"key"`
	Name    string `json:"name"` // the model whose dimensions it has
	Fits    bool   `json:"fits"`
	Context int    `json:"context,omitempty"` // tokens, when it fits
	NeedMiB int    `json:"need_mib"`
}

// ModelFit says which model sizes fit this computer and which one is advised.
func (st *Settings) ModelFit() (ModelFit, error) {
	if err := st.s.ready(); err != nil {
		return ModelFit{}, err
	}
	budget := llmmodels.Budget(llmmodels.MemInfo())
	out := ModelFit{Cores: runtime.NumCPU(), BudgetMiB: int(budget >> 20)}
	for _, f := range llmmodels.Fits(budget) {
		out.Sizes = append(out.Sizes, SizeFit{Key: f.Shape.Key, Name: f.Shape.Name, Fits: f.Fits, Context: f.Context, NeedMiB: int(f.Need >> 20)})
	}
	if s := llmmodels.Suggest(budget, out.Cores); !s.None {
		out.Suggested = s.Shape.Key
	}
	return out, nil
}
