import { useEffect, useState } from 'preact/hooks';
import type { PatientMatch } from '../api';
import { DraftDestination } from '../components/DraftDestination';
import { JobProgress } from '../components/JobProgress';
import { LoadError } from '../components/LoadError';
import { Transcript, fmtTime } from '../components/Transcript';
import { useStore } from '../hooks';
import type { Lang } from '../i18n';
import type { AppState } from '../state';
import { DraftJob } from './Review';

export function Recording({ state }: { state: AppState }) {
  const enc = useStore(state.encounter);
  const t = state.t;
  return (
    <section class="screen recording" aria-labelledby="rec-title">
      <h1 id="rec-title">{t('nav.recording')}</h1>
      {enc ? <Recorder state={state} /> : <Intake state={state} />}
    </section>
  );
}

/** Intake is the new-encounter form: patient label, consent (required), note options. */
function Intake({ state }: { state: AppState }) {
  const { lang } = useStore(state.session);
  const [label, setLabel] = useState('');
  const [name, setName] = useState('');
  const [consent, setConsent] = useState(false);
  const [noteLang, setNoteLang] = useState<Lang>(lang);
  const [template, setTemplate] = useState('soap');
  const tmpls = useStore(state.templates.list);
  const [known, setKnown] = useState<PatientMatch | null>(null);
  const t = state.t;
  useEffect(() => {
    void state.templates.loadList(lang);
  }, [state, lang]);
  const ok = consent && label.trim() !== '';
  return (
    <form
      class="intake panel"
      data-testid="intake"
      onSubmit={(e) => {
        e.preventDefault();
        if (!ok) return;
        // A label that is an existing patient's is filed under them only once the
        // user has seen who it is and confirmed.
        void state.matchPatient(label).then((m) => {
          if (m) setKnown(m);
          else if (m === null) void state.createEncounter({ patient_label: label, patient_name: name, language: noteLang, template, consent, consent_kind: 'verbal' });
        });
      }}
    >
      {known && (
        <div class="panel" role="alertdialog" aria-labelledby="patient-known" data-testid="patient-known">
          <p id="patient-known">{t('rec.patientKnown', { label: known.local_id, name: known.name || '—', birth: known.birth_date || '—' })}</p>
          <button
            type="button"
            class="primary"
            data-testid="patient-confirm"
            onClick={() => {
              setKnown(null);
              void state.createEncounter({ patient_label: label, patient_name: name, language: noteLang, template, consent, consent_kind: 'verbal', patient_id: known.id });
            }}
          >
            {t('rec.patientConfirm')}
          </button>
          <button type="button" onClick={() => setKnown(null)}>
            {t('rec.patientOther')}
          </button>
        </div>
      )}
      <h2>{t('home.new')}</h2>
      <label for="patient-label">{t('rec.patientLabel')}</label>
      <input id="patient-label" type="text" required value={label} onInput={(e) => setLabel(e.currentTarget.value)} autoFocus />
      <p class="muted small">{t('rec.patientLabelHelp')}</p>
      <label for="patient-name">{t('rec.patientName')}</label>
      <input id="patient-name" type="text" value={name} onInput={(e) => setName(e.currentTarget.value)} autoComplete="off" />
      <p class="muted small">{t('rec.patientNameHelp')}</p>
      <div class="row">
        <label>
          {t('rec.noteLanguage')}{' '}
          <select value={noteLang} onChange={(e) => setNoteLang(e.currentTarget.value === 'fr' ? 'fr' : 'en')}>
            <option value="en">{t('lang.en')}</option>
            <option value="fr">{t('lang.fr')}</option>
          </select>
        </label>
        <label>
          {t('rec.template')}{' '}
          <select value={template} onChange={(e) => setTemplate(e.currentTarget.value)}>
            {(tmpls.value ?? []).map((x) => (
              <option key={x.key} value={x.key}>
                {x.title}
              </option>
            ))}
          </select>
        </label>
        <LoadError state={state} error={tmpls.error} />
      </div>
      <label class="consent">
        <input type="checkbox" id="consent" checked={consent} onChange={(e) => setConsent(e.currentTarget.checked)} required aria-describedby="consent-help" />
        {t('rec.consent')}
      </label>
      <p id="consent-help" class="muted small">
        {t('rec.consentHelp')}
      </p>
      <button type="submit" class="primary big" disabled={!ok} data-testid="create-encounter">
        {t('rec.create')}
      </button>
    </form>
  );
}

function Recorder({ state }: { state: AppState }) {
  const enc = useStore(state.encounter)!;
  const rec = useStore(state.recorder.status);
  const live = useStore(state.live);
  const level = useStore(state.recorder.level);
  const devices = useStore(state.recorder.devices);
  const t = state.t;
  const [device, setDevice] = useState('');
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    void state.recorder.loadDevices();
  }, [state]);
  useEffect(() => {
    if (!rec.active) return undefined;
    const id = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(id);
  }, [rec.active]);
  const mine = rec.active && rec.encounter_id === enc.id;
  const elapsed = mine ? Math.max(0, now - rec.started_at) : 0;
  const pct = Math.max(0, Math.min(100, ((level + 60) / 60) * 100));
  const hasTranscript = enc.state !== 'recording' || live.length > 0;

  return (
    <div class="recorder">
      <div class="panel">
        <p class="patient">
          {t('home.patient')}: <strong data-testid="patient-label">{enc.patient_label}</strong>{' '}
          <span class={`badge state-${enc.state}`} data-testid="encounter-state">
            {t(`state.${enc.state}`)}
          </span>
        </p>
        <p class="muted small">{t('rec.consentRecorded', { kind: enc.consent_kind })}</p>
        <div class="row">
          <label>
            {t('rec.device')}{' '}
            <select value={device} onChange={(e) => setDevice(e.currentTarget.value)} disabled={mine}>
              <option value="">{t('rec.defaultDevice')}</option>
              {(devices.value ?? []).map((d) => (
                <option key={d.name} value={d.name}>
                  {d.name}
                </option>
              ))}
            </select>
          </label>
          {devices.value?.length === 0 && <span class="muted small">{t('rec.noDevices')}</span>}
          <LoadError state={state} error={devices.error} />
        </div>
        <div class="controls" role="group" aria-label={t('rec.controls')}>
          {!mine ? (
            <button type="button" class="primary huge" onClick={() => void state.recorder.start(device)} disabled={rec.active}>
              ● {t('rec.record')}
            </button>
          ) : (
            <>
              <button type="button" class="huge" onClick={() => void state.recorder.togglePause()}>
                {rec.paused ? t('rec.resume') : t('rec.pause')}
              </button>
              <button type="button" class="danger huge" onClick={() => void state.recorder.stop()}>
                ■ {t('rec.stop')}
              </button>
              <button type="button" onClick={() => void state.recorder.bookmark()}>
                ★ {t('rec.bookmark')}
              </button>
            </>
          )}
          <span class="timer" aria-label={t('rec.elapsed')} role="timer">
            {fmtTime(elapsed)}
          </span>
          <div class="meter" role="meter" aria-label={t('rec.level')} aria-valuemin={-60} aria-valuemax={0} aria-valuenow={Math.round(level)}>
            <div class="meter-fill" style={{ width: `${mine ? pct : 0}%` }} />
          </div>
        </div>
        {rec.notice && <p class="notice">{rec.notice}</p>}
        <AudioWarning state={state} />
        <div class="row import-row">
          <ImportButton state={state} disabled={mine} />
        </div>
        <JobProgress state={state} encounterId={enc.id} />
      </div>
      <Transcript state={state} segments={live} follow transcribed={enc.state !== 'recording'} />
      {hasTranscript && !mine && enc.latest_version === 0 && <DraftDestination state={state} />}
      {hasTranscript && !mine && (
        <button
          type="button"
          class="primary big"
          data-testid="draft-note"
          onClick={() => void (enc.latest_version > 0 ? state.open(enc.id, 'review') : state.draftThenReview(enc.id))}
        >
          {enc.latest_version > 0 ? t('rec.openDraft') : t('rec.draft')}
        </button>
      )}
      <DraftJob state={state} encId={enc.id} />
    </div>
  );
}

/** AudioWarning shows what the Go side says about the input while recording: no
 * signal, clipping, or the input lost (the recording stopped). */
export function AudioWarning({ state }: { state: AppState }) {
  const w = useStore(state.recorder.audio);
  const t = state.t;
  if (!w) return null;
  return (
    <div class={w.kind === 'error' ? 'audio-warning error' : 'audio-warning'} role="alert" data-testid="audio-warning" data-kind={w.kind}>
      <p>{t(`rec.audio.${w.kind}`)}</p>
      {w.kind === 'error' && w.detail && <p class="muted small">{t('rec.audio.detail', { detail: w.detail })}</p>}
      <button type="button" onClick={() => state.recorder.dismissAudio()}>
        {t('common.close')}
      </button>
    </div>
  );
}

/** ImportButton picks a recording: the native dialog in the window, a file input in a browser. */
function ImportButton({ state, disabled }: { state: AppState; disabled: boolean }) {
  const t = state.t;
  if (state.canUpload) {
    return (
      <label class="button">
        {t('home.import')}
        <input
          type="file"
          accept="audio/*,.wav,.mp3,.flac,.ogg"
          data-testid="import-file"
          disabled={disabled}
          class="sr-only"
          onChange={(e) => {
            const f = e.currentTarget.files?.[0];
            if (f) void state.importAudio(f);
          }}
        />
      </label>
    );
  }
  return (
    <button type="button" disabled={disabled} onClick={() => void state.importAudio()}>
      {t('home.import')}
    </button>
  );
}
