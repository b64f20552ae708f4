import { render } from 'preact';
import { createApi, defaultApi, wailsAvailable } from './api';
import { Login } from './components/Login';
import { Shell } from './components/Shell';
import { isLang } from './i18n';
import { createServerClient, isClinicServer, type Me } from './serverApi';
import { createAppState } from './state';
import { createLogin } from './stores/login';
import './style.css';

/** storage is where the language and theme are remembered (never who is logged in:
 * that is the Go session's); a window that refuses it (a sandboxed page throws on
 * access) still works, remembering nothing. */
function storage() {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

const root = document.getElementById('app')!;

/** download saves an export the clinic server rendered: the browser's own download,
 * through a link to the bytes (the page's CSP allows no inline script, and needs none). */
function download(file: string, data: Uint8Array, contentType: string) {
  const url = URL.createObjectURL(new Blob([data as BlobPart], { type: contentType }));
  const a = document.createElement('a');
  a.href = url;
  a.download = file;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

function startApp(api: ReturnType<typeof defaultApi>, onLogout?: () => void) {
  const state = createAppState(api, storage());
  // A failure no action caught is shown too, never lost in the console.
  globalThis.addEventListener('unhandledrejection', (e) => state.reportError(e.reason));
  globalThis.addEventListener('error', (e) => state.reportError(e.error ?? e.message));
  render(<Shell state={state} onLogout={onLogout} />, root);
  void state.start();
}

/** On `greffier serve` the app starts once a user is logged in, as that user. */
async function main() {
  const origin = globalThis.location?.origin ?? '';
  // Inside the desktop window there is nothing to ask.
  if (wailsAvailable() || !(await isClinicServer(origin, globalThis.fetch.bind(globalThis)))) {
    startApp(defaultApi());
    return;
  }
  const kv = storage();
  const { transport, session } = createServerClient(origin, { fetch: globalThis.fetch.bind(globalThis), document: globalThis.document, save: download });
  const begin = (me: Me) => {
    kv?.setItem('greffier.lang', me.lang);
    // Logging out reloads the page: nothing of the session stays in memory.
    startApp(createApi(transport), () => void session.logout().finally(() => globalThis.location.reload()));
  };
  const me = await session.me();
  if (me) {
    begin(me);
    return;
  }
  const saved = kv?.getItem('greffier.lang');
  const lang = isLang(saved) ? saved : navigator.language.startsWith('fr') ? 'fr' : 'en';
  render(<Login login={createLogin(session, begin)} initialLang={lang} />, root);
}

void main();
