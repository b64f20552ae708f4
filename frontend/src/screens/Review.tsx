import { useEffect, useRef, useState } from 'preact/hooks';
import { SendForReview } from '../components/Handoff';
import { Documents } from '../components/Documents';
import { readOnly } from '../stores/handoff';
import type { Section } from '../api';
import { LoadError } from '../components/LoadError';
import { Transcript } from '../components/Transcript';
import { DraftDestination } from '../components/DraftDestination';
import { FactWarning, sentencePath } from '../components/FactWarning';
import { useStore } from '../hooks';
import type { Lang } from '../i18n';
import type { AppState } from '../state';
import { draftJobOf } from '../stores/review';

/** AUTOSAVE_MS is how long typing must pause before a section is saved as a version. */
export const AUTOSAVE_MS = 1200;

/** DraftJob shows the encounter's drafting job: stage, progress and Cancel. */
export function DraftJob({ state, encId }: { state: AppState; encId: number }) {
  const jobs = useStore(state.jobs);
  const t = state.t;
  const j = draftJobOf(jobs, encId);
  if (!j) return null;
  const pct = Math.round(j.progress * 100);
  const stage = j.state === 'running' && (j.stage === 'draft' || j.stage === 'save') ? ` (${t(`job.stage.${j.stage}`)})` : '';
  return (
    <div class="job" data-testid="draft-job" data-state={j.state} role="status" aria-live="polite">
      <span>
        {t('job.draft')} — {t(`job.${j.state}`)}
        {stage}
      </span>
      <progress max={100} value={pct} aria-label={t('job.progress')} />
      <span>{pct} %</span>
      {j.state === 'running' && (
        <button type="button" onClick={() => void state.cancelJob(j.id)} data-testid="cancel-draft">
          {t('common.cancel')}
        </button>
      )}
      {j.state === 'running' && <span class="muted small">{t('review.drafting')}</span>}
    </div>
  );
}

export function Review({ state }: { state: AppState }) {
  const d = useStore(state.draft);
  const enc = useStore(state.encounter);
  const jobs = useStore(state.jobs);
  const handoffs = useStore(state.handoff.states);
  const [hl, setHl] = useState<number[]>([]);
  const t = state.t;
  useEffect(() => {
    if (!d && enc && enc.latest_version > 0) void state.loadDraft(0);
  }, [state, d, enc]);
  if (!d || !enc) {
    return (
      <section class="screen" aria-labelledby="review-title">
        <h1 id="review-title">{t('nav.review')}</h1>
        <p class="empty">{t('review.none')}</p>
      </section>
    );
  }
  const user = state.currentUser();
  const busy = draftJobOf(jobs, d.encounter_id)?.state === 'running';
  // Queued or sent to the clinic server: read-only here (the store refuses edits too).
  const handedOff = readOnly(handoffs[d.encounter_id]);
  return (
    <section class="screen review" aria-labelledby="review-title">
      <h1 id="review-title">{t('nav.review')}</h1>
      <p>
        {t('home.patient')}: <strong>{enc.patient_label}</strong>{' '}
        <span class={`badge state-${d.state}`} data-testid="draft-state" data-state={d.state}>
          {t(`state.${d.state}`)}
        </span>{' '}
        <span class="muted" data-testid="draft-version">
          {t('review.version', { v: d.version, author: d.author })}
        </span>
      </p>
      <DraftJob state={state} encId={d.encounter_id} />
      <SendForReview state={state} encId={d.encounter_id} role={user?.role} draftState={d.state} />
      <div class="split">
        <fieldset class="note" data-testid="note" disabled={handedOff} style={{ border: 0, padding: 0, margin: 0, minWidth: 0 }}>
          {d.note.sections.map((s) => (
            <SectionEditor key={s.key} state={state} section={s} onEvidence={setHl} busy={busy} />
          ))}
          <Lists state={state} onEvidence={setHl} />
          <Workflow state={state} role={user?.role} busy={busy} />
          <Documents state={state} encId={d.encounter_id} onEvidence={setHl} />
        </fieldset>
        <aside class="side">
          <Transcript state={state} segments={enc.segments} highlight={hl} transcribed />
          <Codes state={state} />
          <History state={state} />
        </aside>
      </div>
    </section>
  );
}

function SectionEditor({
  state,
  section,
  onEvidence,
  busy,
}: {
  state: AppState;
  section: Section;
  onEvidence: (ids: number[]) => void;
  busy: boolean;
}) {
  const t = state.t;
  // The checker's warnings point at sentences by JSON pointer (/sections/i/sentences/j).
  const note = useStore(state.draft)?.note;
  const si = note ? note.sections.findIndex((x) => x.key === section.key) : -1;
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(section.sentences.map((s) => s.text).join('\n'));
  const [status, setStatus] = useState<'idle' | 'pending' | 'saving' | 'saved' | 'failed'>('idle');
  const [retryIn, setRetryIn] = useState(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const failures = useRef(0);
  const latest = useRef(text);
  latest.current = text;
  const joined = section.sentences.map((s) => s.text).join('\n');
  // A new version from elsewhere (regenerate, another section's save) refreshes the
  // text unless the user is typing in this section.
  useEffect(() => {
    if (!timer.current && status !== 'saving') setText(joined);
  }, [joined]);

  const save = async () => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
    setStatus('saving');
    const ok = await state.saveSection(section.key, latest.current);
    if (ok) {
      failures.current = 0;
      setStatus('saved');
      return;
    }
    // Not saved: say so, and try again later (2, 4, 8… up to 60 s) until it is.
    const wait = Math.min(60, 2 ** ++failures.current);
    setRetryIn(wait);
    setStatus('failed');
    if (!timer.current) timer.current = setTimeout(() => void save(), wait * 1000);
  };
  // A pending edit is saved when the editor goes away: an edit is never lost.
  useEffect(
    () => () => {
      if (timer.current) {
        clearTimeout(timer.current);
        void state.saveSection(section.key, latest.current);
      }
    },
    [state, section.key],
  );
  const id = `sec-${section.key}`;
  return (
    <div class="section" data-section={section.key}>
      <div class="section-head">
        <h2 id={id}>{section.title}</h2>
        <button type="button" onClick={() => setEditing((e) => !e)} aria-expanded={editing} data-testid={`edit-${section.key}`}>
          {editing ? t('review.doneEditing') : t('review.edit')}
        </button>
        {!editing && (
          <button
            type="button"
            disabled={busy}
            data-testid={`redraft-${section.key}`}
            onClick={() => void state.review.regenerateSection(section.key)}
            title={t('review.regenerateSectionHelp')}
          >
            {t('review.regenerateSection')}
          </button>
        )}
        {!editing && section.sentences.length > 0 && (
          <button type="button" data-testid={`copy-${section.key}`} onClick={() => void state.exporter.copySection(section.title, joined)} title={t('review.copySectionHelp')}>
            {t('review.copySection')}
          </button>
        )}
        <span class="muted small" aria-live="polite" data-testid={`status-${section.key}`}>
          {status === 'pending'
            ? t('review.unsaved')
            : status === 'saving'
              ? t('review.saving')
              : status === 'saved'
                ? t('review.autosaved')
                : status === 'failed'
                  ? t('review.notSaved', { s: retryIn })
                  : ''}
        </span>
      </div>
      {(section.alternatives ?? []).length > 0 && (
        <div class="alternatives panel" role="group" aria-label={t('review.alternatives')} data-testid={`alternatives-${section.key}`}>
          <p>{t('review.alternatives')}</p>
          <button type="button" onClick={() => void state.chooseSection(section.key, -1)}>
            {t('review.keepCurrent')}
          </button>
          {(section.alternatives ?? []).map((a, i) => (
            <div key={i} class="alternative">
              <p class="muted small">{a.kind === 'redraft' ? t('review.altRedraft') : t('review.altEdit')}</p>
              <p>{a.sentences.map((s) => s.text).join(' ')}</p>
              <button type="button" data-testid={`use-alt-${section.key}-${i}`} onClick={() => void state.chooseSection(section.key, i)}>
                {t('review.useThis')}
              </button>
            </div>
          ))}
        </div>
      )}
      {editing ? (
        <textarea
          aria-labelledby={id}
          data-testid={`text-${section.key}`}
          rows={Math.max(3, section.sentences.length + 1)}
          value={text}
          onInput={(e) => {
            setText(e.currentTarget.value);
            setStatus('pending');
            if (timer.current) clearTimeout(timer.current);
            timer.current = setTimeout(() => void save(), AUTOSAVE_MS);
          }}
          onBlur={() => timer.current && void save()}
        />
      ) : section.sentences.length === 0 ? (
        <p class="empty">{t('review.emptySection')}</p>
      ) : (
        <p>
          {section.sentences.map((s, i) => (
            <span
              key={i}
              tabIndex={0}
              class={s.evidence.length === 0 ? 'sentence no-evidence' : 'sentence'}
              title={s.evidence.length === 0 ? t('review.noEvidence') : t('review.evidence', { ids: s.evidence.join(', ') })}
              aria-label={s.evidence.length === 0 ? `${s.text} (${t('review.noEvidence')})` : undefined}
              onMouseEnter={() => onEvidence(s.evidence)}
              onFocus={() => onEvidence(s.evidence)}
              onMouseLeave={() => onEvidence([])}
              onBlur={() => onEvidence([])}
            >
              {s.evidence.length === 0 && <span aria-hidden="true">⚠ </span>}
              <FactWarning text={s.text} path={sentencePath(si, i)} warnings={note?.warnings} t={t} />{' '}
            </span>
          ))}
        </p>
      )}
    </div>
  );
}

function Lists({ state, onEvidence }: { state: AppState; onEvidence: (ids: number[]) => void }) {
  const d = useStore(state.draft)!;
  const t = state.t;
  const n = d.note;
  const item = (key: string, text: string, ev: number[]) => (
    <li key={key} tabIndex={0} class={ev.length === 0 ? 'no-evidence' : ''} onMouseEnter={() => onEvidence(ev)} onFocus={() => onEvidence(ev)}>
      {text}
    </li>
  );
  return (
    <div class="lists">
      {n.medications.length > 0 && (
        <>
          <h2>{t('review.medications')}</h2>
          <ul>{n.medications.map((m, i) => item(`m${i}`, [m.name, m.dose, m.frequency, `(${m.action})`].filter(Boolean).join(' '), m.evidence))}</ul>
        </>
      )}
      {n.problems.length > 0 && (
        <>
          <h2>{t('review.problems')}</h2>
          <ul>{n.problems.map((p, i) => item(`p${i}`, p.title + (p.icd10 ? ` — ${p.icd10.code}` : ''), p.evidence))}</ul>
        </>
      )}
      {n.warnings.length > 0 && (
        <>
          <h2>{t('review.warnings')}</h2>
          <ul class="warnings" data-testid="warnings">
            {n.warnings.map((w, i) => (
              <li key={i}>{w.message}</li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

function Workflow({ state, role, busy }: { state: AppState; role: string | undefined; busy: boolean }) {
  const d = useStore(state.draft)!;
  const t = state.t;
  const [tmpl, setTmpl] = useState(d.note.template);
  const [lang, setLang] = useState<Lang>(d.note.language === 'fr' ? 'fr' : 'en');
  const [signing, setSigning] = useState(false);
  return (
    <div class="workflow panel">
      <div class="row">
        <label>
          {t('rec.template')}{' '}
          <select value={tmpl} onChange={(e) => setTmpl(e.currentTarget.value)}>
            <option value="soap">SOAP</option>
            <option value="hp">H&amp;P</option>
            <option value="progress">{t('review.progress')}</option>
          </select>
        </label>
        <label>
          {t('rec.noteLanguage')}{' '}
          <select value={lang} onChange={(e) => setLang(e.currentTarget.value === 'fr' ? 'fr' : 'en')}>
            <option value="en">{t('lang.en')}</option>
            <option value="fr">{t('lang.fr')}</option>
          </select>
        </label>
        <button
          type="button"
          data-testid="redraft"
          onClick={() => void state.review.generate(d.encounter_id, tmpl, lang)}
          disabled={busy || d.state === 'approved' || d.state === 'exported'}
        >
          {t('review.regenerate')}
        </button>
      </div>
      {d.state !== 'approved' && d.state !== 'exported' && <DraftDestination state={state} />}
      <div class="row">
        {d.state === 'drafted' && (
          <button type="button" onClick={() => void state.markReady()} data-testid="mark-ready">
            {t('review.markReady')}
          </button>
        )}
        {(d.state === 'drafted' || d.state === 'in_review') && (
          <button type="button" class="primary" onClick={() => setSigning(true)} data-testid="approve" disabled={role !== 'physician'} title={role !== 'physician' ? t('review.physicianOnly') : ''}>
            {t('review.approve')}
          </button>
        )}
        {(d.state === 'approved' || d.state === 'exported') && (
          <button type="button" class="primary" onClick={() => state.go('export')} data-testid="to-export">
            {t('nav.export')}
          </button>
        )}
        {role !== 'physician' && <span class="muted small">{t('review.physicianOnly')}</span>}
      </div>
      {signing && <SignDialog state={state} onClose={() => setSigning(false)} />}
    </div>
  );
}

/** SignDialog is the electronic signature: what signing means, and the signer's
 * password, checked again at this moment. */
function SignDialog({ state, onClose }: { state: AppState; onClose: () => void }) {
  const t = state.t;
  const d = useStore(state.draft)!;
  const user = state.currentUser();
  const [pw, setPw] = useState('');
  const [busy, setBusy] = useState(false);
  const ref = useRef<HTMLFormElement>(null);
  // The dialog opens below the note: bring it into view.
  useEffect(() => ref.current?.scrollIntoView?.({ block: 'center' }), []);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    const ok = await state.approve(pw);
    setBusy(false);
    setPw('');
    if (ok) onClose();
  };
  return (
    <form ref={ref} class="panel sign-dialog" role="dialog" aria-labelledby="sign-title" data-testid="sign-dialog" onSubmit={(e) => void submit(e)}>
      <h2 id="sign-title">{t('sign.title')}</h2>
      <p class="sign-meaning" data-testid="sign-meaning">
        <strong>{t('sign.meaning')}</strong>
      </p>
      <p class="muted small">{t('sign.who', { name: user?.name ?? '', v: d.latest_version })}</p>
      <label>
        {t('review.signPassword')}{' '}
        <input type="password" autocomplete="current-password" value={pw} data-testid="sign-password" onInput={(e) => setPw(e.currentTarget.value)} required autoFocus />
      </label>
      <div class="row">
        <button type="submit" class="primary" disabled={busy} data-testid="sign-confirm">
          {t('sign.confirm')}
        </button>
        <button type="button" onClick={onClose} data-testid="sign-cancel">
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

function Codes({ state }: { state: AppState }) {
  const d = useStore(state.draft)!;
  const t = state.t;
  const [q, setQ] = useState('');
  const hits = useStore(state.review.codeHits);
  return (
    <div class="codes panel" data-testid="codes">
      <h2>{t('review.codes')}</h2>
      {d.codes.length === 0 && <p class="empty">{t('review.noCodes')}</p>}
      <ul>
        {d.codes.map((c) => (
          <li key={c.code} class={`code code-${c.status}`}>
            <strong>{c.code}</strong> {c.display} <span class="badge">{t(`code.${c.status}`)}</span>
            {c.evidence && <div class="muted small">“{c.evidence}”</div>}
            <button type="button" onClick={() => void state.setCode(c.code, '', 'accepted')} disabled={c.status === 'accepted'}>
              {t('code.accept')}
            </button>
            <button type="button" onClick={() => void state.setCode(c.code, '', 'rejected')} disabled={c.status === 'rejected'}>
              {t('code.reject')}
            </button>
          </li>
        ))}
      </ul>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void state.review.searchCodes(q);
        }}
      >
        <label for="code-search">{t('code.search')}</label>
        <input id="code-search" type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} />
        <button type="submit">{t('home.searchGo')}</button>
      </form>
      <ul>
        {hits.map((h) => (
          <li key={h.code}>
            <strong>{h.code}</strong> {h.title}{' '}
            <button type="button" onClick={() => void state.setCode(h.code, h.title, 'accepted')}>
              {t('code.add')}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

function History({ state }: { state: AppState }) {
  const d = useStore(state.draft)!;
  const { lang } = useStore(state.session);
  const t = state.t;
  const versions = useStore(state.review.versions);
  const diff = useStore(state.review.diff);
  useEffect(() => {
    void state.review.loadVersions(d.encounter_id);
  }, [state, d.encounter_id, d.latest_version]);
  return (
    <div class="history panel" data-testid="history">
      <h2>{t('review.history')}</h2>
      <LoadError state={state} error={versions.error} />
      <ol>
        {(versions.value ?? []).map((v) => (
          <li key={v.version}>
            v{v.version} — {v.author} — {new Date(v.created_at).toLocaleTimeString(lang === 'fr' ? 'fr-FR' : 'en-GB')}
            {v.version > 1 && (
              <button type="button" onClick={() => void state.review.showDiff(d.encounter_id, v.version - 1, v.version)}>
                {t('review.diff', { a: v.version - 1, b: v.version })}
              </button>
            )}
          </li>
        ))}
      </ol>
      {diff && (
        <pre class="diff" data-testid="diff">
          {diff
            .filter((l) => l.op !== ' ')
            .map((l, i) => (
              <div key={i} class={l.op === '+' ? 'ins' : 'del'}>
                {l.op} {l.text}
              </div>
            ))}
        </pre>
      )}
    </div>
  );
}
