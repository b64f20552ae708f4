import { useEffect, useState } from 'preact/hooks';
import type { TemplateInfo, TemplateSource } from '../api';
import { useStore } from '../hooks';
import type { AppState } from '../state';

/** TemplateEditor edits a note template's YAML; saving validates it on the Go side. */
export function TemplateEditor({ state }: { state: AppState }) {
  const { lang } = useStore(state.session);
  const t = state.t;
  const [list, setList] = useState<TemplateInfo[]>([]);
  const [key, setKey] = useState('soap');
  const [src, setSrc] = useState<TemplateSource | null>(null);
  const [text, setText] = useState('');
  useEffect(() => {
    state.api.settings.templates(lang).then(setList, state.reportError);
  }, [state, lang, src?.key]);
  useEffect(() => {
    state.api.templates.get(key).then((s) => {
      setSrc(s);
      setText(s.yaml);
    }, state.reportError);
  }, [state, key]);
  const apply = (s: TemplateSource) => {
    setSrc(s);
    setText(s.yaml);
    setKey(s.key);
    state.notify('settings.templateSaved', { key: s.key });
  };
  return (
    <div class="panel template-editor">
      <h2>{t('settings.templates')}</h2>
      <label>
        {t('rec.template')}{' '}
        <select value={key} onChange={(e) => setKey(e.currentTarget.value)}>
          {list.map((x) => (
            <option key={x.key} value={x.key}>
              {x.title} ({x.key})
            </option>
          ))}
        </select>
      </label>{' '}
      <span class="muted small">{src?.builtin ? t('settings.templateBuiltin') : t('settings.templateCustom')}</span>
      <textarea aria-label={t('settings.templateYaml')} rows={12} spellcheck={false} value={text} onInput={(e) => setText(e.currentTarget.value)} class="code" />
      <div class="row">
        <button type="button" class="primary" onClick={() => state.api.templates.save(text).then(apply, state.reportError)}>
          {t('common.save')}
        </button>
        {src && !src.builtin && (
          <button type="button" onClick={() => state.api.templates.reset(key).then(apply, state.reportError)}>
            {t('settings.templateReset')}
          </button>
        )}
      </div>
    </div>
  );
}
