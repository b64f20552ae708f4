import { useEffect, useState } from 'preact/hooks';
import { useStore } from '../hooks';
import { shortcutFor, shortcuts } from '../shortcuts';
import { screens, screenTitleKey, type AppState, type Screen } from '../state';
import { Home } from '../screens/Home';
import { Settings } from '../screens/Settings';
import { Recording } from '../screens/Recording';
import { Review } from '../screens/Review';
import { Queue } from '../screens/Queue';
import { Export } from '../screens/Export';
import { DesktopLogin, Lock, RecoveryKey, Setup } from './Auth';
import { ErrorBanner } from './ErrorBanner';
import { PendingCount } from './Handoff';
import { ShortcutHelp } from './ShortcutHelp';

/** Shell shows the first admin's setup, the login or the lock screen until a user is
 * in, then the app. onLogout, given on the clinic server, ends the server's session
 * (a shared workstation); in the window "switch user" ends the Go session. */
export function Shell({ state, onLogout }: { state: AppState; onLogout?: () => void }) {
  const session = useStore(state.session);
  const auth = useStore(state.auth.state);
  const [help, setHelp] = useState(false);
  const t = state.t;

  // Activity defers the idle lock (throttled in the store).
  useEffect(() => {
    const touch = () => void state.auth.touch();
    const kinds = ['keydown', 'pointerdown', 'wheel'] as const;
    kinds.forEach((k) => window.addEventListener(k, touch, { passive: true }));
    return () => kinds.forEach((k) => window.removeEventListener(k, touch));
  }, [state]);

  useEffect(() => {
    document.documentElement.dataset.theme = session.theme;
    document.documentElement.lang = session.lang;
  }, [session.theme, session.lang]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const sc = shortcutFor(e);
      if (!sc) return;
      e.preventDefault();
      if (sc.screen) state.go(sc.screen);
      else if (sc.action === 'lang') void state.setLang(state.session.get().lang === 'en' ? 'fr' : 'en');
      else if (sc.action === 'theme') state.toggleTheme();
      else if (sc.action === 'help') setHelp((h) => !h);
      else if (sc.action === 'new') state.newEncounter();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [state]);

  const keyOf = (s: Screen) => shortcuts.find((x) => x.screen === s)?.keys ?? '';

  const st = auth.session?.state;
  if (!auth.session) return <main class="login screen" data-testid="auth-wait" aria-busy="true" />;
  if (st === 'setup') return <Setup state={state} />;
  if (auth.recoveryKey) return <RecoveryKey state={state} value={auth.recoveryKey} />;
  if (st !== 'active' && st !== 'locked') return <DesktopLogin state={state} />;
  const user = auth.session.user;
  // Locked: the app stays in memory (an edit in progress is not lost) but hidden.
  const locked = st === 'locked';

  return (
    <>
    {locked && <Lock state={state} />}
    <div class="shell" hidden={locked} aria-hidden={locked} style={locked ? { display: 'none' } : undefined}>
      <header class="topbar">
        <div class="brand">
          <span class="logo" aria-hidden="true">G</span>
          <span class="product">{t('app.name')}</span>
          <span class="tagline">{t('app.tagline')}</span>
        </div>
        <div class="toolbar">
          <PendingCount state={state} />
          <label>
            <span class="sr-only">{t('lang.switch')}</span>
            <select
              aria-label={t('lang.switch')}
              value={session.lang}
              onChange={(e) => void state.setLang((e.currentTarget.value === 'fr' ? 'fr' : 'en'))}
            >
              <option value="en">{t('lang.en')}</option>
              <option value="fr">{t('lang.fr')}</option>
            </select>
          </label>
          {user && (
            <span class="who" data-testid="session-user" data-role={user.role}>
              {user.name} ({t(`role.${user.role}`)})
            </span>
          )}
          {onLogout ? (
            <button type="button" onClick={onLogout} data-testid="logout">
              {t('login.logout')}
            </button>
          ) : (
            <>
              <button type="button" onClick={() => void state.auth.logout()} data-testid="switch-user">
                {t('session.switch')}
              </button>
              <button type="button" onClick={() => void state.auth.lock()} data-testid="lock">
                {t('session.lock')}
              </button>
            </>
          )}
          <button type="button" onClick={() => state.toggleTheme()} aria-label={t('theme.toggle')} title="Alt+T">
            {session.theme === 'dark' ? t('theme.light') : t('theme.dark')}
          </button>
          <button type="button" onClick={() => setHelp(true)} title="F1" aria-label={t('shortcuts.show')}>
            ?
          </button>
        </div>
      </header>
      <div class="body">
        <nav class="sidenav" aria-label={t('nav.main')}>
          <ul>
            {screens.map((s) => (
              <li key={s}>
                <button
                  type="button"
                  class={s === session.screen ? 'active' : ''}
                  aria-current={s === session.screen ? 'page' : undefined}
                  onClick={() => state.go(s)}
                  data-screen={s}
                >
                  <span>{t(screenTitleKey[s])}</span>
                  <kbd>{keyOf(s)}</kbd>
                </button>
              </li>
            ))}
          </ul>
        </nav>
        <main class="content" id="content" data-screen={session.screen}>
          <ErrorBanner state={state} />
          <p class="notice-line" role="status" aria-live="polite" data-testid="notice">
            {session.notice}
          </p>
          <ScreenView state={state} screen={session.screen} />
        </main>
      </div>
      {help && <ShortcutHelp state={state} onClose={() => setHelp(false)} />}
    </div>
    </>
  );
}

function ScreenView({ state, screen }: { state: AppState; screen: Screen }) {
  switch (screen) {
    case 'home':
      return <Home state={state} />;
    case 'settings':
      return <Settings state={state} />;
    case 'recording':
      return <Recording state={state} />;
    case 'review':
      return <Review state={state} />;
    case 'queue':
      return <Queue state={state} />;
    case 'export':
      return <Export state={state} />;
  }
}
