import { useEffect } from 'preact/hooks';
import { useStore } from '../hooks';
import type { AppState } from '../state';

/** DraftDestination says, beside a draft button, whether drafting sends the
 * transcript off this computer, and where. */
export function DraftDestination({ state }: { state: AppState }) {
  const dest = useStore(state.review.destination);
  useEffect(() => void state.review.loadDestination(), [state]);
  if (!dest) return null;
  if (!dest.leaves) {
    return (
      <p class="muted small" data-testid="draft-destination" data-leaves="false">
        {state.t('draft.staysHere')}
      </p>
    );
  }
  return (
    <p class="notice warning" role="note" data-testid="draft-destination" data-leaves="true">
      {state.t('draft.leaves', { host: dest.host })}
    </p>
  );
}
