import { useEffect, useState } from 'preact/hooks';
import { HandoffBadge } from '../components/Handoff';
import { useStore } from '../hooks';
import type { AppState } from '../state';

export function Home({ state }: { state: AppState }) {
  const today = useStore(state.today);
  const { lang } = useStore(state.session);
  const [q, setQ] = useState('');
  const t = state.t;
  useEffect(() => {
    void state.loadToday();
  }, [state]);

  const time = (ms: number) =>
    new Date(ms).toLocaleTimeString(lang === 'fr' ? 'fr-FR' : 'en-GB', { hour: '2-digit', minute: '2-digit' });

  return (
    <section class="screen home" aria-labelledby="home-title">
      <div class="hero">
        <h1 class="product-name">{t('app.name')}</h1>
        <p class="muted">{t('app.tagline')}</p>
      </div>
      <div class="actions">
        <button type="button" class="primary big" data-testid="new-encounter" onClick={() => state.newEncounter()}>
          {t('home.new')} <kbd>Alt+N</kbd>
        </button>
        <form
          role="search"
          class="search"
          onSubmit={(e) => {
            e.preventDefault();
            void state.search(q);
          }}
        >
          <label for="home-search">{t('home.search')}</label>
          <input id="home-search" type="search" value={q} placeholder={t('home.searchPlaceholder')} onInput={(e) => setQ(e.currentTarget.value)} />
          <button type="submit">{t('home.searchGo')}</button>
        </form>
      </div>
      <h2 id="home-title">{q ? t('home.results') : t('home.title')}</h2>
      {today === null ? (
        <p aria-busy="true">{t('common.loading')}</p>
      ) : today.length === 0 ? (
        <p class="empty" data-testid="home-empty">
          {t('home.empty')}
        </p>
      ) : (
        <table class="list" data-testid="home-list">
          <caption class="sr-only">{t('home.count', { n: today.length })}</caption>
          <thead>
            <tr>
              <th scope="col">{t('home.time')}</th>
              <th scope="col">{t('home.patient')}</th>
              <th scope="col">{t('home.state')}</th>
              <th scope="col">
                <span class="sr-only">{t('home.open')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {today.map((e) => (
              <tr key={e.id} data-encounter={e.id}>
                <td>{time(e.created_at)}</td>
                <td>
                  {e.patient_label}
                  {e.snippet && <div class="muted small">{e.snippet}</div>}
                </td>
                <td>
                  <span class={`badge state-${e.state}`}>{t(`state.${e.state}`)}</span> <HandoffBadge state={state} encId={e.id} />
                </td>
                <td>
                  <button type="button" onClick={() => void state.open(e.id)} aria-label={`${t('home.open')} ${e.patient_label}`}>
                    {t('home.open')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
