import { useStore } from '../hooks';
import type { AppState } from '../state';

export function Settings({ state }: { state: AppState }) {
  const { info } = useStore(state.session);
  const t = state.t;
  return (
    <section class="screen settings" aria-labelledby="settings-title">
      <h1 id="settings-title">{t('nav.settings')}</h1>
      {info && (
        <dl class="facts">
          <dt>{t('settings.version')}</dt>
          <dd>
            {info.product} {info.version}
          </dd>
          <dt>{t('settings.dataDir')}</dt>
          <dd>
            <code>{info.data_dir}</code>
          </dd>
          <dt>{t('settings.database')}</dt>
          <dd>
            SQLite {info.sqlite_version}, schema v{info.schema_version}
          </dd>
        </dl>
      )}
    </section>
  );
}
