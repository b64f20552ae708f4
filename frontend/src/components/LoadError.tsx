import type { ApiError } from '../api';
import type { AppState } from '../state';
import { errorText } from '../stores/context';

/** LoadError shows, where a list would be, why it could not be loaded. */
export function LoadError({ state, error }: { state: AppState; error: ApiError | null }) {
  if (!error) return null;
  return (
    <p class="notice load-error" role="alert" data-code={error.code}>
      {state.t('error.loadFailed', { detail: errorText(state.t, error) })}
    </p>
  );
}
