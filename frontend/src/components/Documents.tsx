import { useEffect, useState } from 'preact/hooks';
import type { Part } from '../api';
import { useStore } from '../hooks';
import type { AppState } from '../state';
import { documentKinds } from '../stores/documents';

/** Documents is the review screen's panel of the documents drafted from the note:
 * patient instructions and a referral letter, each sentence citing the transcript
 * (hovering shows it), edited part by part, signed with the password, exported. The
 * clinic server does not draft them (the laptop does). */
export function Documents({ state, encId, onEvidence }: { state: AppState; encId: number; onEvidence: (ids: number[]) => void }) {
  const t = state.t;
  const docs = state.documents;
  const list = useStore(docs.list);
  const open = useStore(docs.open);
  const exported = useStore(docs.exported);
  const user = state.currentUser();
  useEffect(() => {
    if (!state.onServer) void docs.load(encId);
  }, [state, encId]);
  if (state.onServer) return null;
  return (
    <div class="panel documents" data-testid="documents">
      <h2>{t('documents.title')}</h2>
      <div class="row">
        {documentKinds.map((k) => {
          const info = list.find((d) => d.kind === k);
          return (
            <button key={k} type="button" onClick={() => void docs.openKind(k)} data-testid={`doc-${k}`}>
              {t(info ? 'documents.open' : 'documents.draft', { kind: t(`documents.kind.${k}`) })}
              {info?.signer && <span class="badge state-approved"> {t('documents.signed')}</span>}
            </button>
          );
        })}
      </div>
      {open && (
        <article class="document" data-testid="document" data-kind={open.kind} data-version={open.version}>
          <h3>{open.document.title}</h3>
          <p class="muted small" data-testid="document-version">
            {t('documents.version', { v: open.version, author: open.author })}
            {open.signer && ` — ${t('documents.signedBy', { name: open.signer })}`}
          </p>
          {open.document.greeting && <p>{open.document.greeting}</p>}
          {open.document.parts.map((p) => (
            <PartEditor key={`${open.version}-${p.key}`} state={state} part={p} onEvidence={onEvidence} />
          ))}
          {open.document.closing && <p>{open.document.closing}</p>}
          {open.to_check.length > 0 && (
            <div class="warnings" role="note" data-testid="document-to-check">
              <strong>{t('documents.toCheck')}</strong>
              <ul>
                {open.to_check.map((w, i) => (
                  <li key={i}>{w}</li>
                ))}
              </ul>
            </div>
          )}
          {!open.signer && user?.role === 'physician' && <SignDocument state={state} />}
          {open.signer && (
            <div class="row">
              <button type="button" onClick={() => void docs.exportAs('pdf')} data-testid="doc-export-pdf">
                {t('documents.exportPdf')}
              </button>
              <button type="button" onClick={() => void docs.exportAs('fhir')} data-testid="doc-export-fhir">
                {t('documents.exportFhir')}
              </button>
            </div>
          )}
          {exported && (
            <p data-testid="document-exported">{t('export.written', { path: exported.path ?? '', bytes: exported.bytes })}</p>
          )}
        </article>
      )}
    </div>
  );
}

function PartEditor({ state, part, onEvidence }: { state: AppState; part: Part; onEvidence: (ids: number[]) => void }) {
  const t = state.t;
  const joined = part.sentences.map((s) => s.text).join('\n');
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(joined);
  return (
    <section class="doc-part" data-part={part.key}>
      <h4>
        {part.title}{' '}
        <button type="button" class="small" onClick={() => setEditing(!editing)} data-testid={`doc-edit-${part.key}`}>
          {editing ? t('common.cancel') : t('review.edit')}
        </button>
      </h4>
      {editing ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void state.documents.savePart(part.key, text).then((v) => v && setEditing(false));
          }}
        >
          <textarea rows={Math.max(3, part.sentences.length + 1)} value={text} onInput={(e) => setText(e.currentTarget.value)} data-testid={`doc-text-${part.key}`} />
          <button type="submit" class="primary" data-testid={`doc-save-${part.key}`}>
            {t('documents.save')}
          </button>
        </form>
      ) : (
        <p>
          {part.sentences.map((s, i) => (
            <span key={i} class="sentence" onMouseEnter={() => onEvidence(s.evidence ?? [])} onFocus={() => onEvidence(s.evidence ?? [])} tabIndex={0}>
              {s.text}{' '}
            </span>
          ))}
        </p>
      )}
    </section>
  );
}

function SignDocument({ state }: { state: AppState }) {
  const t = state.t;
  const [pw, setPw] = useState('');
  return (
    <form
      class="sign-dialog"
      data-testid="doc-sign"
      onSubmit={(e) => {
        e.preventDefault();
        void state.documents.sign(pw).finally(() => setPw(''));
      }}
    >
      <p>
        <strong>{t('documents.meaning')}</strong>
      </p>
      <label>
        {t('review.signPassword')}{' '}
        <input type="password" autocomplete="current-password" value={pw} onInput={(e) => setPw(e.currentTarget.value)} required data-testid="doc-sign-password" />
      </label>
      <button type="submit" class="primary" data-testid="doc-sign-confirm">
        {t('sign.confirm')}
      </button>
    </form>
  );
}
