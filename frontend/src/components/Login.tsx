import { useState } from 'preact/hooks';
import { useStore } from '../hooks';
import { isLang, translate, type Lang, type MessageKey } from '../i18n';
import type { LoginStore } from '../stores/login';

/** Login is the clinic server's first screen: a user's name and Greffier password.
 * A refusal (wrong password, throttled) shows the server's message in the chosen language. */
export function Login({ login, initialLang }: { login: LoginStore; initialLang: Lang }) {
  const { busy, error } = useStore(login.state);
  const [lang, setLang] = useState<Lang>(initialLang);
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const t = (k: MessageKey) => translate(lang, k);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (await login.login(user, password, lang)) setPassword('');
  };
  return (
    <main class="login screen" lang={lang}>
      <form class="panel" onSubmit={(e) => void submit(e)} data-testid="login-form">
        <h1>{t('login.title')}</h1>
        <label>
          {t('lang.switch')}{' '}
          <select value={lang} data-testid="login-lang" onChange={(e) => isLang(e.currentTarget.value) && setLang(e.currentTarget.value)}>
            <option value="en">{t('lang.en')}</option>
            <option value="fr">{t('lang.fr')}</option>
          </select>
        </label>
        <label>
          {t('login.user')}{' '}
          <input autocomplete="username" value={user} data-testid="login-user" onInput={(e) => setUser(e.currentTarget.value)} required />
        </label>
        <label>
          {t('login.password')}{' '}
          <input type="password" autocomplete="current-password" value={password} data-testid="login-password" onInput={(e) => setPassword(e.currentTarget.value)} required />
        </label>
        {error && (
          <p class="error" role="alert" data-testid="login-error">
            {error.message}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy} data-testid="login-submit">
          {t('login.submit')}
        </button>
      </form>
    </main>
  );
}
