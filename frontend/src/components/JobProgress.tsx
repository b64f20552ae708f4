import { useStore } from '../hooks';
import type { MessageKey } from '../i18n';
import type { AppState } from '../state';

const jobLabel: Record<string, MessageKey> = {
  import: 'job.import',
  transcribe: 'job.transcribe',
  download: 'job.download',
  devicetest: 'settings.testDevice',
};

/** JobProgress shows the running and last jobs of an encounter, with cancel. */
export function JobProgress({ state, encounterId, kind }: { state: AppState; encounterId: number; kind?: string }) {
  const jobs = useStore(state.jobs);
  const t = state.t;
  const mine = Object.values(jobs).filter((j) => j.encounter_id === encounterId && (!kind || j.kind === kind));
  const j = mine[mine.length - 1];
  if (!j) return null;
  const pct = Math.round(j.progress * 100);
  return (
    <div class="job" data-testid="job" data-state={j.state} role="status" aria-live="polite">
      <span>
        {t(jobLabel[j.kind] ?? 'job.transcribe')} — {t(`job.${j.state}`)}
      </span>
      <progress max={100} value={pct} aria-label={t('job.progress')} />
      <span>{pct} %</span>
      {j.state === 'running' && (
        <button type="button" onClick={() => void state.cancelJob(j.id)}>
          {t('common.cancel')}
        </button>
      )}
    </div>
  );
}
