import { useEffect } from 'preact/hooks';
import type { HandoffState } from '../api';
import { useStore } from '../hooks';
import type { MessageKey } from '../i18n';
import type { AppState } from '../state';
import { readOnly } from '../stores/handoff';

/** remoteKeys has one entry per state the laptop shows of a sent encounter
 * (app/handoff.go's Remote* constants). */
const remoteKeys: Record<string, MessageKey> = {
  sent: 'handoff.remote.sent',
  in_review: 'handoff.remote.in_review',
  ready: 'handoff.remote.ready',
  approved: 'handoff.remote.approved',
};

/** stageText is what the list and the review screen say of an encounter handed off. */
export function stageText(state: AppState, st: HandoffState | undefined): string {
  const t = state.t;
  if (!st || st.stage === 'local') return '';
  if (st.stage === 'queued') return t('handoff.stage.queued');
  const remote = st.remote && remoteKeys[st.remote];
  return remote ? t(remote) : t('handoff.stage.sent');
}

/** HandoffBadge marks a queued or sent encounter in a list. */
export function HandoffBadge({ state, encId }: { state: AppState; encId: number }) {
  const st = useStore(state.handoff.states)[encId];
  if (!readOnly(st)) return null;
  return (
    <span class={`badge handoff-${st!.stage}`} data-testid="handoff-badge" data-stage={st!.stage}>
      {stageText(state, st)}
    </span>
  );
}

/** SendForReview is the review screen's hand-off: the "Send for review" button
 * (physicians and secretaries, on a paired laptop), or, once sent, where the note
 * stands on the server and that it is read-only here. */
export function SendForReview({ state, encId, role, draftState }: { state: AppState; encId: number; role: string | undefined; draftState: string }) {
  const t = state.t;
  const st = useStore(state.handoff.states)[encId];
  const server = useStore(state.handoff.server).value;
  const busy = useStore(state.handoff.busy);
  useEffect(() => {
    void state.handoff.loadState(encId);
  }, [state, encId]);
  if (state.onServer) return null;
  if (readOnly(st)) {
    return (
      <div class="panel handoff" data-testid="handoff-state" data-stage={st!.stage} data-remote={st!.remote ?? ''}>
        <p role="note" data-testid="read-only">
          <strong>{t('handoff.readOnly')}</strong>
        </p>
        {st!.stage === 'sent' && (st!.reachable ? <p>{t('handoff.onServer', { state: stageText(state, st) })}</p> : <p class="muted">{t('handoff.unreachable')}</p>)}
        {st!.stage === 'queued' && (
          <p>
            {t('handoff.stage.queued')}
            {st!.last_error && <span class="muted small"> — {t('handoff.attempts', { n: st!.attempts ?? 0, error: st!.last_error })}</span>}
          </p>
        )}
      </div>
    );
  }
  if (role !== 'physician' && role !== 'secretary') return null;
  if (draftState !== 'drafted' && draftState !== 'in_review' && draftState !== 'approved') return null;
  if (!server?.paired) return <p class="muted small" data-testid="pair-first">{t('handoff.pairFirst')}</p>;
  return (
    <div class="panel handoff">
      <button type="button" class="primary" disabled={busy} data-testid="send-for-review" onClick={() => void state.handoff.send(encId)}>
        {t('handoff.send')}
      </button>
      <p class="muted small">{t('handoff.sendHint')}</p>
    </div>
  );
}

/** PendingCount is the toolbar's count of encounters waiting for the clinic server
 * (nothing when none, or on the clinic server itself). */
export function PendingCount({ state }: { state: AppState }) {
  const n = useStore(state.handoff.pending);
  if (state.onServer || n <= 0) return null;
  return (
    <button type="button" class="badge pending" data-testid="pending-count" title={state.t('handoff.pendingTitle')} onClick={() => state.go('settings')}>
      {state.t('handoff.pending', { n })}
    </button>
  );
}
