import { useEffect } from 'preact/hooks';
import type { EncounterSummary } from '../api';
import type { MessageKey } from '../i18n';
import { useStore } from '../hooks';
import type { AppState } from '../state';

export function Queue({ state }: { state: AppState }) {
  const q = useStore(state.queue);
  const t = state.t;
  useEffect(() => {
    void state.loadQueue();
  }, [state]);
  const group = (key: MessageKey, help: MessageKey, xs: EncounterSummary[], testid: string) => (
    <div class="panel" data-testid={testid}>
      <h2>
        {t(key)} <span class="badge">{xs.length}</span>
      </h2>
      <p class="muted small">{t(help)}</p>
      {xs.length === 0 ? (
        <p class="empty">{t('queue.empty')}</p>
      ) : (
        <ul>
          {xs.map((e) => (
            <li key={e.id}>
              {e.patient_label}{' '}
              <button type="button" onClick={() => void state.open(e.id, 'review')}>
                {t('home.open')}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
  return (
    <section class="screen queue" aria-labelledby="queue-title">
      <h1 id="queue-title">{t('nav.queue')}</h1>
      {q && (
        <div class="grid3">
          {group('queue.toReview', 'queue.toReviewHelp', q.drafted, 'queue-drafted')}
          {group('queue.toSign', 'queue.toSignHelp', q.in_review, 'queue-in-review')}
          {group('queue.signed', 'queue.signedHelp', q.approved, 'queue-approved')}
        </div>
      )}
    </section>
  );
}
