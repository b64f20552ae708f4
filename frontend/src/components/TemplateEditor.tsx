import { useEffect, useState } from 'preact/hooks';
import { useStore } from '../hooks';
import type { AppState } from '../state';
import { LoadError } from './LoadError';

/** TemplateEditor edits a note template's YAML; saving validates it on the Go side. */
export function TemplateEditor({ state }: { state: AppState }) {
  const { lang } = useStore(state.session);
  const t = state.t;
  const list = useStore(state.templates.list);
  const src = useStore(state.templates.source);
  const [key, setKey] = useState('soap');
  const [text, setText] = useState('');
  useEffect(() => {
    void state.templates.loadList(lang);
  }, [state, lang]);
  useEffect(() => {
    void state.templates.open(key);
  }, [state, key]);
  // A loaded, saved or reset template replaces the text and selects its key.
  useEffect(() => {
    if (!src) return;
    setText(src.yaml);
    setKey(src.key);
  }, [src]);
  return (
    <div class="panel template-editor">
      <h2>{t('settings.templates')}</h2>
      <label>
        {t('rec.template')}{' '}
        <select value={key} onChange={(e) => setKey(e.currentTarget.value)}>
          {(list.value ?? []).map((x) => (
            <option key={x.key} value={x.key}>
              {x.title} ({x.key})
            </option>
          ))}
        </select>
      </label>{' '}
      <span class="muted small">{src?.builtin ? t('settings.templateBuiltin') : t('settings.templateCustom')}</span>
      <LoadError state={state} error={list.error} />
      <textarea aria-label={t('settings.templateYaml')} rows={12} spellcheck={false} value={text} onInput={(e) => setText(e.currentTarget.value)} class="code" />
      <div class="row">
        <button type="button" class="primary" onClick={() => void state.templates.save(text, lang)}>
          {t('common.save')}
        </button>
        {src && !src.builtin && (
          <button type="button" onClick={() => void state.templates.reset(key, lang)}>
            {t('settings.templateReset')}
          </button>
        )}
      </div>
    </div>
  );
}
