import { useStore } from '../hooks';
import type { AppState } from '../state';
import { errorText } from '../stores/context';

export function ErrorBanner({ state }: { state: AppState }) {
  const { error } = useStore(state.session);
  if (!error) return null;
  return (
    <div class="error-banner" role="alert" data-code={error.code}>
      <strong>{state.t('common.error')}</strong> <span class="error-message">{errorText(state.t, error)}</span>
      <button type="button" onClick={() => state.clearError()}>
        {state.t('common.close')}
      </button>
    </div>
  );
}
