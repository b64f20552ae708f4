import { describe, expect, it } from 'vitest';
import { createApi, type SessionState } from '../api';
import { createAppState } from '../state';
import { fakeTransport, info } from '../testutil';
import { createAuth, TOUCH_EVERY_MS } from './auth';

const active: SessionState = { state: 'active', user: { id: 2, name: 'Dr A', role: 'physician' }, idle_lock_minutes: 5, has_model: true };

describe('auth', () => {
  it('shows the recovery key from the setup until it is stored, never again', async () => {
    const f = fakeTransport({ 'Session.Setup': () => ({ ...active, user: { id: 1, name: 'Admin', role: 'admin' }, recovery_key: 'ABCD-EFGH' }) });
    const auth = createAuth(createApi(f.t));
    expect(await auth.setup('Admin', 'correct horse battery')).toBe(true);
    expect(auth.state.get().recoveryKey).toBe('ABCD-EFGH');
    auth.apply(active);
    expect(auth.state.get().recoveryKey).toBe('ABCD-EFGH');
    auth.storedRecoveryKey();
    expect(auth.state.get().recoveryKey).toBeNull();
  });

  it('keeps a refused login to show, and sends no user id anywhere', async () => {
    const args: unknown[][] = [];
    const f = fakeTransport({
      'Session.Login': (...a) => {
        args.push(a);
        throw new Error(JSON.stringify({ code: 'forbidden', message: 'Not allowed: unknown user or wrong password' }));
      },
    });
    const auth = createAuth(createApi(f.t));
    expect(await auth.login('Dr A', 'nope')).toBe(false);
    expect(args).toEqual([['Dr A', 'nope']]);
    expect(auth.state.get().error?.code).toBe('forbidden');
  });

  it('reports activity at most every TOUCH_EVERY_MS, and only while active', async () => {
    let now = 1_000_000;
    let touches = 0;
    const f = fakeTransport({ 'Session.Login': () => active, 'Session.Touch': () => (touches++, active) });
    const auth = createAuth(createApi(f.t), () => now);
    await auth.login('Dr A', 'correct horse battery');
    await auth.touch();
    expect(touches).toBe(0); // the login itself was activity
    now += TOUCH_EVERY_MS;
    await auth.touch();
    await auth.touch();
    expect(touches).toBe(1);
    auth.apply({ ...active, state: 'locked' });
    now += TOUCH_EVERY_MS;
    await auth.touch();
    expect(touches).toBe(1);
  });
});

describe('app state and the session', () => {
  it('asks who is logged in when Go refuses for want of a session, without an error banner', async () => {
    let state: SessionState = active;
    const f = fakeTransport({
      'Session.State': () => state,
      'Encounters.Today': () => {
        throw new Error(JSON.stringify({ code: 'unauthenticated', message: 'Not logged in' }));
      },
    });
    const st = createAppState(createApi(f.t), null);
    state = { ...active, state: 'locked' };
    await st.loadToday();
    await new Promise((r) => setTimeout(r, 0));
    expect(st.session.get().error).toBeNull();
    expect(st.auth.state.get().session?.state).toBe('locked');
  });

  it('loads the user data at login and forgets the patient data at logout', async () => {
    let state: SessionState = { state: 'login', idle_lock_minutes: 0, has_model: false };
    const f = fakeTransport({
      'Settings.Info': () => info,
      'Settings.SetLanguage': (l) => l,
      'Session.State': () => state,
      'Session.Login': () => (state = active),
      'Session.Logout': () => (state = { state: 'login', idle_lock_minutes: 0, has_model: true }),
      'Settings.Users': () => [{ id: 2, name: 'Dr A', role: 'physician', status: 'active', has_password: true, created_at: '' }],
      'Recording.Recovered': () => [],
    });
    const st = createAppState(createApi(f.t), null);
    await st.start();
    expect(f.calls).not.toContain('Settings.Users');
    await st.auth.login('Dr A', 'correct horse battery');
    await new Promise((r) => setTimeout(r, 0));
    expect(st.users.get()).toHaveLength(1);
    expect(st.currentUser()?.name).toBe('Dr A');
    st.draft.set({ encounter_id: 7 } as never);
    await st.auth.logout();
    expect(st.draft.get()).toBeNull();
    expect(st.users.get()).toEqual([]);
    expect(st.currentUser()).toBeUndefined();
  });

  it('applies the session event the idle lock sends', () => {
    const st = createAppState(createApi(fakeTransport({}).t), null);
    st.onEvents([{ kind: 'session', data: { ...active, state: 'locked' } }]);
    expect(st.auth.state.get().session?.state).toBe('locked');
  });
});

describe('user administration', () => {
  it('names the user to change (no user id leaves the UI) and reloads the list', async () => {
    const sent: unknown[][] = [];
    const f = fakeTransport({
      'Settings.DisableUser': (...a) => (sent.push(['disable', ...a]), { id: 3, name: 'Sam', role: 'secretary', status: 'disabled' }),
      'Settings.ResetUserPassword': (...a) => (sent.push(['reset', ...a]), { id: 3, name: 'Sam', role: 'secretary', status: 'active' }),
      'Settings.Users': () => [],
    });
    const st = createAppState(createApi(f.t), null);
    await st.disableUser('Sam');
    expect(await st.resetUserPassword('Sam', 'another long password')).toBe(true);
    expect(sent).toEqual([
      ['disable', 'Sam'],
      ['reset', 'Sam', 'another long password'],
    ]);
    expect(f.calls.filter((c) => c === 'Settings.Users')).toHaveLength(2);
    expect(st.session.get().notice).toBe('Sam changed.');
  });
});
