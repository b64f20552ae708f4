import { useEffect } from 'preact/hooks';
import type { EncounterSummary } from '../api';
import type { MessageKey } from '../i18n';
import { useStore } from '../hooks';
import type { AppState } from '../state';
import { filtered, when, type QueueItem, type QueueState } from '../stores/queue';

type Group = { state: Exclude<QueueState, ''>; key: MessageKey; help: MessageKey; testid: string };

const groups: Group[] = [
  { state: 'drafted', key: 'queue.toReview', help: 'queue.toReviewHelp', testid: 'queue-drafted' },
  { state: 'in_review', key: 'queue.toSign', help: 'queue.toSignHelp', testid: 'queue-in-review' },
  { state: 'approved', key: 'queue.signed', help: 'queue.signedHelp', testid: 'queue-approved' },
];

/** Filters are the queue's filters: state, physician (the clinic server's queue is
 * every physician's) and the days the encounters took place. */
function Filters({ state }: { state: AppState }) {
  const view = state.queueView;
  const f = useStore(view.filter);
  const names = useStore(view.physicians);
  const t = state.t;
  const value = (e: Event) => (e.currentTarget as HTMLInputElement | HTMLSelectElement).value;
  return (
    <form class="queue-filters" role="search" aria-label={t('queue.filters')} data-testid="queue-filters" onSubmit={(e) => e.preventDefault()}>
      <label>
        {t('queue.filterState')}{' '}
        <select data-testid="filter-state" value={f.state} onChange={(e) => void view.setFilter({ state: value(e) as QueueState })}>
          <option value="">{t('queue.allStates')}</option>
          {groups.map((g) => (
            <option key={g.state} value={g.state}>
              {t(g.key)}
            </option>
          ))}
        </select>
      </label>
      {view.onServer && (
        <label>
          {t('queue.filterPhysician')}{' '}
          <select data-testid="filter-physician" value={f.physician} disabled={names.length === 0 && !f.physician} onChange={(e) => void view.setFilter({ physician: value(e) })}>
            <option value="">{t('queue.allPhysicians')}</option>
            {names.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
      )}
      <label>
        {t('queue.from')}{' '}
        <input type="date" data-testid="filter-from" value={f.from} max={f.to || undefined} onChange={(e) => void view.setFilter({ from: value(e) })} />
      </label>
      <label>
        {t('queue.to')}{' '}
        <input type="date" data-testid="filter-to" value={f.to} min={f.from || undefined} onChange={(e) => void view.setFilter({ to: value(e) })} />
      </label>
      <button type="button" data-testid="filter-reset" disabled={!filtered(f)} onClick={() => void view.reset()}>
        {t('queue.reset')}
      </button>
    </form>
  );
}

export function Queue({ state }: { state: AppState }) {
  const q = useStore(state.queue);
  const f = useStore(state.queueView.filter);
  const t = state.t;
  const lang = useStore(state.session).lang;
  useEffect(() => {
    void state.queueView.loadPhysicians();
    void state.loadQueue();
  }, [state]);
  // A physician shows where the server names them (an older server has no such field).
  const names = useStore(state.queueView.physicians).length > 0;
  const shown = groups.filter((g) => !f.state || f.state === g.state);
  const none = !!q && shown.every((g) => q[g.state].length === 0);
  const item = (e: QueueItem) => (
    <li key={e.id} data-encounter={e.id}>
      <span class="queue-patient">{e.patient_label}</span>{' '}
      <span class="muted small">
        {new Date(when(e)).toLocaleDateString(lang)}
        {names && <> · {e.physician ?? t('queue.noPhysician')}</>}
      </span>{' '}
      <button type="button" onClick={() => void state.open(e.id, 'review')}>
        {t('home.open')}
      </button>
    </li>
  );
  const group = (g: Group, xs: EncounterSummary[]) => (
    <div class="panel" data-testid={g.testid} key={g.state}>
      <h2>
        {t(g.key)} <span class="badge">{xs.length}</span>
      </h2>
      <p class="muted small">{t(g.help)}</p>
      {xs.length === 0 ? <p class="empty">{t('queue.empty')}</p> : <ul>{xs.map(item)}</ul>}
    </div>
  );
  return (
    <section class="screen queue" aria-labelledby="queue-title">
      <h1 id="queue-title">{t('nav.queue')}</h1>
      <Filters state={state} />
      {none && filtered(f) && (
        <p class="empty" role="status" data-testid="queue-no-match">
          {t('queue.noMatch')}
        </p>
      )}
      {q && <div class={shown.length === 1 ? 'queue-one' : 'grid3'}>{shown.map((g) => group(g, q[g.state]))}</div>}
    </section>
  );
}
