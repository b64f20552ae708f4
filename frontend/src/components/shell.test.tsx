import { renderToString } from 'preact-render-to-string';
import { describe, expect, it } from 'vitest';
import type { SessionState } from '../api';
import { appWith } from '../testutil';
import { Shell } from './Shell';

const physician: SessionState = { state: 'active', user: { id: 2, name: 'Dr A', role: 'physician' }, idle_lock_minutes: 5, has_model: true };

function shellWith(session: SessionState, lang: 'en' | 'fr' = 'en') {
  const { st } = appWith({}, lang);
  st.auth.apply(session);
  return { st, html: () => renderToString(<Shell state={st} />) };
}

describe('shell and the session', () => {
  it('shows the first admin setup on an empty database, pointing to the model import', () => {
    const html = shellWith({ state: 'setup', idle_lock_minutes: 0, has_model: false }).html();
    expect(html).toContain('data-testid="setup-screen"');
    expect(html).toContain('data-testid="no-model"');
    expect(html).not.toContain('class="shell"');
  });

  it('shows the login, in French too, and no app before a user is in', () => {
    const html = shellWith({ state: 'login', idle_lock_minutes: 0, has_model: true }, 'fr').html();
    expect(html).toContain('data-testid="login-screen"');
    expect(html).toContain('Connexion à Greffier');
    expect(html).not.toContain('data-testid="no-model"');
    expect(html).not.toContain('class="shell"');
  });

  it('shows the recovery key until the user says it is stored', () => {
    const { st, html } = shellWith({ ...physician, user: { id: 1, name: 'Admin', role: 'admin' }, recovery_key: 'KEY-1234' });
    expect(html()).toContain('KEY-1234');
    st.auth.storedRecoveryKey();
    expect(html()).not.toContain('KEY-1234');
    expect(html()).toContain('class="shell"');
  });

  it('names the logged-in user, offers switch user and lock, and has no user dropdown', () => {
    const html = shellWith(physician).html();
    expect(html).toContain('Dr A (physician)');
    expect(html).toContain('data-testid="switch-user"');
    expect(html).toContain('data-testid="lock"');
    expect(html).not.toContain('acting-user');
  });

  it('hides the app behind the lock screen', () => {
    const html = shellWith({ ...physician, state: 'locked' }).html();
    expect(html).toContain('data-testid="lock-screen"');
    expect(html).toMatch(/class="shell" hidden[^>]*style="display:\s*none/);
  });
});
