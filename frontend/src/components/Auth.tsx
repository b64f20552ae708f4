import { useState } from 'preact/hooks';
import { useStore } from '../hooks';
import { isLang, type Lang } from '../i18n';
import type { AppState } from '../state';
import { MIN_PASSWORD } from '../stores/auth';

/** LangPicker switches the language before anyone is logged in. */
function LangPicker({ state }: { state: AppState }) {
  const { lang } = useStore(state.session);
  const t = state.t;
  return (
    <label>
      {t('lang.switch')}{' '}
      <select value={lang} data-testid="auth-lang" onChange={(e) => isLang(e.currentTarget.value) && void state.setLang(e.currentTarget.value as Lang)}>
        <option value="en">{t('lang.en')}</option>
        <option value="fr">{t('lang.fr')}</option>
      </select>
    </label>
  );
}

function AuthError({ state }: { state: AppState }) {
  const { error } = useStore(state.auth.state);
  if (!error) return null;
  return (
    <p class="error" role="alert" data-testid="auth-error">
      {error.message}
    </p>
  );
}

/** NoModel points the first run to the speech model import. */
function NoModel({ state }: { state: AppState }) {
  const { session } = useStore(state.auth.state);
  if (!session || session.has_model) return null;
  return (
    <p class="notice" role="note" data-testid="no-model">
      {state.t('firstrun.noModel')}
    </p>
  );
}

/** Setup is the first run's screen: the first user, an admin, with a password. */
export function Setup({ state }: { state: AppState }) {
  const { busy } = useStore(state.auth.state);
  const t = state.t;
  const [name, setName] = useState('');
  const [pw, setPw] = useState('');
  const [pw2, setPw2] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (pw !== pw2) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    if (await state.auth.setup(name, pw)) {
      setPw('');
      setPw2('');
    }
  };
  return (
    <main class="login screen" data-testid="setup-screen">
      <form class="panel" onSubmit={(e) => void submit(e)} data-testid="setup-form">
        <h1>{t('setup.title')}</h1>
        <p>{t('setup.intro')}</p>
        <LangPicker state={state} />
        <label>
          {t('setup.name')}{' '}
          <input autocomplete="username" autoFocus value={name} data-testid="setup-name" onInput={(e) => setName(e.currentTarget.value)} required />
        </label>
        <label>
          {t('login.password')}{' '}
          <input type="password" autocomplete="new-password" minLength={MIN_PASSWORD} value={pw} data-testid="setup-password" onInput={(e) => setPw(e.currentTarget.value)} required />
        </label>
        <label>
          {t('setup.confirm')}{' '}
          <input type="password" autocomplete="new-password" value={pw2} data-testid="setup-password2" onInput={(e) => setPw2(e.currentTarget.value)} required />
        </label>
        <p class="muted small">{t('setup.rules', { n: MIN_PASSWORD })}</p>
        {mismatch && (
          <p class="error" role="alert" data-testid="setup-mismatch">
            {t('setup.mismatch')}
          </p>
        )}
        <AuthError state={state} />
        <button type="submit" class="primary" disabled={busy} data-testid="setup-submit">
          {t('setup.submit')}
        </button>
        <NoModel state={state} />
      </form>
    </main>
  );
}

/** RecoveryKey shows the recovery key once, until the user says it is stored. */
export function RecoveryKey({ state, value }: { state: AppState; value: string }) {
  const t = state.t;
  const [stored, setStored] = useState(false);
  return (
    <main class="login screen" data-testid="recovery-screen">
      <div class="panel">
        <h1>{t('recovery.title')}</h1>
        <p>{t('recovery.intro')}</p>
        <pre class="recovery-key" data-testid="recovery-key">
          {value}
        </pre>
        <p class="muted small">{t('recovery.once')}</p>
        <label>
          <input type="checkbox" checked={stored} data-testid="recovery-stored" onChange={(e) => setStored(e.currentTarget.checked)} /> {t('recovery.stored')}
        </label>
        <button type="button" class="primary" disabled={!stored} data-testid="recovery-continue" onClick={() => state.auth.storedRecoveryKey()}>
          {t('recovery.continue')}
        </button>
        <NoModel state={state} />
      </div>
    </main>
  );
}

/** DesktopLogin is the window's first screen once the clinic has users. */
export function DesktopLogin({ state }: { state: AppState }) {
  const { busy } = useStore(state.auth.state);
  const t = state.t;
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const submit = async (e: Event) => {
    e.preventDefault();
    if (await state.auth.login(user, password)) setPassword('');
  };
  return (
    <main class="login screen" data-testid="login-screen">
      <form class="panel" onSubmit={(e) => void submit(e)} data-testid="login-form">
        <h1>{t('login.desktopTitle')}</h1>
        <LangPicker state={state} />
        <label>
          {t('login.user')}{' '}
          <input autocomplete="username" autoFocus value={user} data-testid="login-user" onInput={(e) => setUser(e.currentTarget.value)} required />
        </label>
        <label>
          {t('login.password')}{' '}
          <input type="password" autocomplete="current-password" value={password} data-testid="login-password" onInput={(e) => setPassword(e.currentTarget.value)} required />
        </label>
        <AuthError state={state} />
        <button type="submit" class="primary" disabled={busy} data-testid="login-submit">
          {t('login.submit')}
        </button>
        <NoModel state={state} />
      </form>
    </main>
  );
}

/** Lock hides the app until the user gives their password again; another user can
 * log in instead (which ends this session). */
export function Lock({ state }: { state: AppState }) {
  const { busy, session } = useStore(state.auth.state);
  const t = state.t;
  const [password, setPassword] = useState('');
  const submit = async (e: Event) => {
    e.preventDefault();
    if (await state.auth.unlock(password)) setPassword('');
  };
  return (
    <main class="login screen" data-testid="lock-screen">
      <form class="panel" onSubmit={(e) => void submit(e)} data-testid="unlock-form">
        <h1>{t('lock.title')}</h1>
        <p>{t('lock.intro', { name: session?.user?.name ?? '' })}</p>
        <label>
          {t('login.password')}{' '}
          <input type="password" autocomplete="current-password" autoFocus value={password} data-testid="unlock-password" onInput={(e) => setPassword(e.currentTarget.value)} required />
        </label>
        <AuthError state={state} />
        <div class="row">
          <button type="submit" class="primary" disabled={busy} data-testid="unlock-submit">
            {t('lock.unlock')}
          </button>
          <button type="button" disabled={busy} data-testid="lock-switch" onClick={() => void state.auth.logout()}>
            {t('session.switch')}
          </button>
        </div>
      </form>
    </main>
  );
}
