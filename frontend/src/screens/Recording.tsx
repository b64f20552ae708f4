import { useEffect, useState } from 'preact/hooks';
import type { Device, PatientMatch, TemplateInfo } from '../api';
import { JobProgress } from '../components/JobProgress';
import { Transcript, fmtTime } from '../components/Transcript';
import { useStore } from '../hooks';
import type { AppState } from '../state';
import { DraftJob, runDraftJob } from './Review';

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
  const [noteLang, setNoteLang] = useState<string>(lang);
  const [template, setTemplate] = useState('soap');
  const [tmpls, setTmpls] = useState<TemplateInfo[]>([]);
  const [known, setKnown] = useState<PatientMatch | null>(null);
  const t = state.t;
  useEffect(() => {
    state.api.settings.templates(lang).then(setTmpls, state.reportError);
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
        void state.api.encounters.matchPatient(label).then((m) => {
          if (m) setKnown(m);
          else void state.createEncounter({ patient_label: label, patient_name: name, language: noteLang, template, consent, consent_kind: 'verbal' });
        }, state.reportError);
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
          <select value={noteLang} onChange={(e) => setNoteLang(e.currentTarget.value)}>
            <option value="en">{t('lang.en')}</option>
            <option value="fr">{t('lang.fr')}</option>
          </select>
        </label>
        <label>
          {t('rec.template')}{' '}
          <select value={template} onChange={(e) => setTemplate(e.currentTarget.value)}>
            {tmpls.map((x) => (
              <option key={x.key} value={x.key}>
                {x.title}
              </option>
            ))}
          </select>
        </label>
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
  const rec = useStore(state.recording);
  const live = useStore(state.live);
  const level = useStore(state.level);
  const t = state.t;
  const [devices, setDevices] = useState<Device[] | null>(null);
  const [device, setDevice] = useState('');
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    state.api.settings.devices().then(setDevices, () => setDevices([]));
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
              {(devices ?? []).map((d) => (
                <option key={d.name} value={d.name}>
                  {d.name}
                </option>
              ))}
            </select>
          </label>
          {devices && devices.length === 0 && <span class="muted small">{t('rec.noDevices')}</span>}
        </div>
        <div class="controls" role="group" aria-label={t('rec.controls')}>
          {!mine ? (
            <button type="button" class="primary huge" onClick={() => void state.startRecording(device)} disabled={rec.active}>
              ● {t('rec.record')}
            </button>
          ) : (
            <>
              <button type="button" class="huge" onClick={() => void state.pauseRecording()}>
                {rec.paused ? t('rec.resume') : t('rec.pause')}
              </button>
              <button type="button" class="danger huge" onClick={() => void state.stopRecording()}>
                ■ {t('rec.stop')}
              </button>
              <button type="button" onClick={() => void state.bookmark()}>
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
        <div class="row import-row">
          <ImportButton state={state} disabled={mine} />
        </div>
        <JobProgress state={state} encounterId={enc.id} />
      </div>
      <Transcript state={state} segments={live} follow transcribed={enc.state !== 'recording'} />
      {hasTranscript && !mine && (
        <button
          type="button"
          class="primary big"
          data-testid="draft-note"
          onClick={() => void (enc.latest_version > 0 ? state.open(enc.id, 'review') : draftThenReview(state, enc.id))}
        >
          {enc.latest_version > 0 ? t('rec.openDraft') : t('rec.draft')}
        </button>
      )}
      <DraftJob state={state} encId={enc.id} />
    </div>
  );
}

/** draftThenReview drafts the note as a job (progress and Cancel shown here) and opens
 * the review once it is saved. */
async function draftThenReview(state: AppState, id: number): Promise<void> {
  const end = await runDraftJob(state, () => state.api.drafts.startGenerate(id, '', ''));
  if (end?.state === 'done') await state.open(id, 'review');
}

/** ImportButton picks a recording: the native dialog in the window, a file input in a browser. */
function ImportButton({ state, disabled }: { state: AppState; disabled: boolean }) {
  const t = state.t;
  if (state.api.canUpload) {
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
