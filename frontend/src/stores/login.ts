// The clinic server's login (serverApi.ts): its state and its one action.
import { toApiError, type ApiError } from '../api';
import type { Lang } from '../i18n';
import type { Me, ServerSession } from '../serverApi';
import { createStore } from '../store';

export interface LoginState {
  busy: boolean;
  error: ApiError | null;
}

export function createLogin(session: ServerSession, onLogin: (me: Me) => void) {
  const state = createStore<LoginState>({ busy: false, error: null });
  return {
    state,
    /** login asks the server; a refusal (wrong password, throttled) is kept to show. */
    async login(user: string, password: string, lang: Lang): Promise<boolean> {
      state.set({ busy: true, error: null });
      try {
        const me = await session.login(user, password, lang);
        state.set({ busy: false, error: null });
        onLogin(me);
        return true;
      } catch (e) {
        state.set({ busy: false, error: toApiError(e) });
        return false;
      }
    },
  };
}

export type LoginStore = ReturnType<typeof createLogin>;
