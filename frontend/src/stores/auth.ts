// Who uses the window: the first admin's setup, the login, the lock screen, the
// recovery key shown once. The user lives in the Go session, never here: this store
// only mirrors Session.State to pick the screen.
import { toApiError, type Api, type ApiError, type SessionState } from '../api';
import { createStore } from '../store';

export interface AuthView {
  /** The Go session's state; null until the first answer. */
  session: SessionState | null;
  busy: boolean;
  error: ApiError | null;
  /** The recovery key from the setup (or a migrating login), shown until the user
   * confirms they stored it; never kept anywhere else. */
  recoveryKey: string | null;
}

/** TOUCH_EVERY_MS throttles the activity reports that defer the idle lock. */
export const TOUCH_EVERY_MS = 20_000;

/** The minimum password length (the store's MinPasswordLength). */
export const MIN_PASSWORD = 12;

export function createAuth(api: Api, now: () => number = Date.now) {
  const state = createStore<AuthView>({ session: null, busy: false, error: null, recoveryKey: null });
  let lastTouch = 0;

  function apply(s: SessionState) {
    state.set((v) => ({ ...v, session: s, recoveryKey: s.recovery_key ? s.recovery_key : v.recoveryKey }));
  }

  /** run calls a Session method, keeping its refusal to show on the form. */
  async function run(f: () => Promise<SessionState>): Promise<boolean> {
    state.set((v) => ({ ...v, busy: true, error: null }));
    try {
      const s = await f();
      state.set((v) => ({ ...v, busy: false }));
      apply(s);
      lastTouch = now();
      return true;
    } catch (e) {
      state.set((v) => ({ ...v, busy: false, error: toApiError(e) }));
      return false;
    }
  }

  return {
    state,
    apply,
    /** refresh asks Go who is logged in (after a refusal for want of a session). */
    async refresh(): Promise<void> {
      try {
        apply(await api.session.state());
      } catch (e) {
        state.set((v) => ({ ...v, error: toApiError(e) }));
      }
    },
    setup: (name: string, password: string) => run(() => api.session.setup(name, password)),
    login: (name: string, password: string) => run(() => api.session.login(name, password)),
    unlock: (password: string) => run(() => api.session.unlock(password)),
    logout: () => run(() => api.session.logout()),
    lock: () => run(() => api.session.lock()),
    /** touch reports activity (a key, a click), at most every TOUCH_EVERY_MS. */
    async touch(): Promise<void> {
      const s = state.get().session;
      if (!s || s.state !== 'active' || now() - lastTouch < TOUCH_EVERY_MS) return;
      lastTouch = now();
      try {
        apply(await api.session.touch());
      } catch {
        // the next call or event says what happened
      }
    },
    /** storedRecoveryKey forgets the recovery key once the user says it is stored. */
    storedRecoveryKey() {
      state.set((v) => ({ ...v, recoveryKey: null }));
    },
    clearError() {
      state.set((v) => ({ ...v, error: null }));
    },
  };
}

export type AuthStore = ReturnType<typeof createAuth>;
