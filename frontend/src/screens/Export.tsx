import { useEffect, useState } from 'preact/hooks';
import { useStore } from '../hooks';
import type { AppState } from '../state';
import type { ExportFormat } from '../stores/export';

export function Export({ state }: { state: AppState }) {
  const d = useStore(state.draft);
  const enc = useStore(state.encounter);
  const t = state.t;
  const [format, setFormat] = useState<ExportFormat>('fhir');
  const dir = useStore(state.exporter.dir);
  const result = useStore(state.exporter.result);
  const formats = useStore(state.exporter.formats);
  useEffect(() => {
    void state.exporter.prepare();
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
      {format !== 'clipboard' && !state.onServer && (
        <p>
          <label for="export-dir">{t('export.destination')}</label>{' '}
          <input id="export-dir" type="text" size={50} value={dir} onInput={(e) => state.exporter.setDir(e.currentTarget.value)} />
        </p>
      )}
      <button type="button" class="primary big" disabled={!approved || !formats.includes(format)} onClick={() => void state.exporter.run(d.encounter_id, format)} data-testid="run-export">
        {t('export.run')}
      </button>
      {result && (
        <div class="panel result" data-testid="export-result" data-format={result.format}>
          <h2>{t('export.result')}</h2>
          <p>
            {result.path ? t(state.onServer ? 'export.downloaded' : 'export.written', { path: result.path, bytes: result.bytes }) : t('export.copied', { bytes: result.bytes })}
          </p>
          {result.text && <pre class="preview">{result.text.slice(0, 1500)}</pre>}
        </div>
      )}
    </section>
  );
}
