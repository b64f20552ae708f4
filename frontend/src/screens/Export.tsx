import { useEffect, useState } from 'preact/hooks';
import type { ExportResult } from '../api';
import { useStore } from '../hooks';
import type { AppState } from '../state';

const formats = ['fhir', 'hl7', 'pdf', 'txt', 'clipboard'] as const;

export function Export({ state }: { state: AppState }) {
  const d = useStore(state.draft);
  const enc = useStore(state.encounter);
  const { userId } = useStore(state.session);
  const t = state.t;
  const [format, setFormat] = useState<string>('fhir');
  const [dir, setDir] = useState('');
  const [result, setResult] = useState<ExportResult | null>(null);
  useEffect(() => {
    state.api.export.defaultDir().then(setDir, state.reportError);
  }, [state]);
  if (!d || !enc) {
    return (
      <section class="screen" aria-labelledby="export-title">
        <h1 id="export-title">{t('nav.export')}</h1>
        <p class="empty">{t('export.none')}</p>
      </section>
    );
  }
  const approved = d.state === 'approved' || d.state === 'exported';
  const run = async () => {
    try {
      const r = await state.api.export.run({ encounter_id: d.encounter_id, format, dir: format === 'clipboard' ? '' : dir, user_id: userId });
      if (format === 'clipboard' && r.text) await navigator.clipboard?.writeText(r.text).catch(() => undefined);
      setResult(r);
      state.notify('export.done');
      await state.loadDraft(0);
    } catch (e) {
      state.reportError(e);
    }
  };
  return (
    <section class="screen export" aria-labelledby="export-title">
      <h1 id="export-title">{t('nav.export')}</h1>
      <p>
        {t('home.patient')}: <strong>{enc.patient_label}</strong>{' '}
        <span class={`badge state-${d.state}`} data-testid="export-state">
          {t(`state.${d.state}`)}
        </span>
      </p>
      {!approved && <p class="notice">{t('export.needsApproval')}</p>}
      <fieldset class="panel">
        <legend>{t('export.format')}</legend>
        {formats.map((f) => (
          <label key={f} class="radio">
            <input type="radio" name="format" value={f} checked={format === f} onChange={() => setFormat(f)} data-testid={`format-${f}`} />
            {t(`export.${f}`)}
          </label>
        ))}
      </fieldset>
      {format !== 'clipboard' && (
        <p>
          <label for="export-dir">{t('export.destination')}</label>{' '}
          <input id="export-dir" type="text" size={50} value={dir} onInput={(e) => setDir(e.currentTarget.value)} />
        </p>
      )}
      <button type="button" class="primary big" disabled={!approved} onClick={() => void run()} data-testid="run-export">
        {t('export.run')}
      </button>
      {result && (
        <div class="panel result" data-testid="export-result" data-format={result.format}>
          <h2>{t('export.result')}</h2>
          <p>
            {result.path ? t('export.written', { path: result.path, bytes: result.bytes }) : t('export.copied', { bytes: result.bytes })}
          </p>
          {result.text && <pre class="preview">{result.text.slice(0, 1500)}</pre>}
        </div>
      )}
    </section>
  );
}
