import { useStore } from '../hooks';
import type { AppState } from '../state';

export function ErrorBanner({ state }: { state: AppState }) {
  const { error } = useStore(state.session);
  if (!error) return null;
  return (
    <div class="error-banner" role="alert" data-code={error.code}>
      <strong>{state.t('common.error')}</strong> <span class="error-message">{error.message}</span>
      <button type="button" onClick={() => state.clearError()}>
        {state.t('common.close')}
      </button>
    </div>
  );
}
