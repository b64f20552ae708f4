// serverApi.ts is the transport for `greffier serve` (server/, docs/server.md): the
// same typed API (api.ts) over the clinic server's REST routes, with the session
// cookie (set by the browser) and the CSRF token on every state-changing request.
// Only the review is served: the other methods fail with "unavailable".

import type { DraftView, EncounterSummary, Info, Queue, SessionState, User } from './api.gen';
import { ApiError, type Transport } from './api';
import type { Lang } from './i18n';

/** Me is server.Me: the logged-in user, the session's CSRF token and language. */
export interface Me {
  user: User;
  csrf: string;
  lang: Lang;
}

export interface ServerDeps {
  fetch: typeof fetch;
  document?: { title: string };
}

/** ServerSession is the login state of one browser tab. */
export interface ServerSession {
  me(): Promise<Me | null>;
  login(user: string, password: string, lang: Lang): Promise<Me>;
  logout(): Promise<void>;
  current(): Me | null;
}

type Req = { method: 'GET' | 'POST' | 'PUT'; path: string; body?: unknown };

export function createServerClient(base: string, deps: ServerDeps) {
  let me: Me | null = null;

  async function request<T>(r: Req): Promise<T> {
    const headers: Record<string, string> = {};
    if (r.body !== undefined) headers['Content-Type'] = 'application/json';
    if (r.method !== 'GET' && me) headers['X-CSRF-Token'] = me.csrf;
    let res: Response;
    try {
      res = await deps.fetch(`${base}${r.path}`, {
        method: r.method,
        headers,
        credentials: 'same-origin',
        body: r.body === undefined ? undefined : JSON.stringify(r.body),
      });
    } catch (e) {
      throw new ApiError('unavailable', `cannot reach the Greffier server: ${String(e)}`, 'error.unreachable', { detail: String(e) });
    }
    const body = (await res.json().catch(() => ({}))) as { error?: { code: string; message: string } };
    if (!res.ok) {
      const err = body.error ?? { code: 'internal', message: `HTTP ${res.status}` };
      if (err.code === 'unauthorized') me = null;
      throw new ApiError(err.code, err.message);
    }
    return body as T;
  }

  const enc = (id: unknown) => `/api/encounters/${Number(id)}`;
  const list = (state: string) => request<EncounterSummary[]>({ method: 'GET', path: `/api/encounters?state=${state}` });

  /** route maps a typed API call to the server's REST route. */
  async function route(service: string, method: string, a: unknown[]): Promise<unknown> {
    switch (`${service}.${method}`) {
      case 'Settings.Info':
        return {
          product: 'Greffier', version: '', data_dir: '', models_dir: '',
          start_screen: 'queue', start_encounter: 0, start_language: me?.lang ?? '', schema_version: 0, sqlite_version: '',
        } satisfies Info;
      case 'Settings.SetLanguage':
        return null;
      case 'Session.State':
      case 'Session.Touch':
        // The server keeps the session (its cookie); the page exists only once logged in.
        return {
          state: 'active', idle_lock_minutes: 0, has_model: true,
          user: me ? { id: me.user.id, name: me.user.name, role: me.user.role } : undefined,
        } satisfies SessionState;
      case 'Settings.Users':
        return me ? [me.user] : [];
      case 'Encounters.Today':
        return list('');
      case 'Encounters.Queue': {
        const [drafted, inReview, approved] = await Promise.all([list('drafted'), list('in_review'), list('approved')]);
        return { drafted, in_review: inReview, approved } satisfies Queue;
      }
      case 'Encounters.Get':
        return request({ method: 'GET', path: enc(a[0]) });
      case 'Drafts.Get':
        return request({ method: 'GET', path: `${enc(a[0])}/draft?version=${Number(a[1]) || 0}` });
      case 'Drafts.Versions':
        return request({ method: 'GET', path: `${enc(a[0])}/versions` });
      case 'Drafts.Diff':
        return request({ method: 'GET', path: `${enc(a[0])}/diff?from=${Number(a[1])}&to=${Number(a[2])}` });
      case 'Drafts.SaveSection':
        return request({ method: 'PUT', path: `${enc(a[0])}/sections/${encodeURIComponent(String(a[1]))}`, body: { text: a[2], base_version: a[3] } });
      case 'Drafts.MarkReady':
        return request({ method: 'POST', path: `${enc(a[0])}/ready`, body: {} });
      case 'Drafts.Approve': {
        // The third argument is the signer's password, checked again by the server.
        const r = await request<{ draft: DraftView }>({ method: 'POST', path: `${enc(a[0])}/approve`, body: { version: a[1], password: a[2] ?? '' } });
        return r.draft;
      }
    }
    throw new ApiError('unavailable', `${service}.${method} is not served by the clinic server`, 'error.notOnServer');
  }

  const transport: Transport = {
    name: 'server',
    call: <T>(service: string, method: string, args: unknown[]) => route(service, method, args) as Promise<T>,
    onEvents: () => () => {},
    setTitle(title) {
      if (deps.document) deps.document.title = title;
    },
  };

  const session: ServerSession = {
    async me() {
      try {
        me = await request<Me>({ method: 'GET', path: '/api/me' });
      } catch (e) {
        if (e instanceof ApiError && e.code === 'unauthorized') return null;
        throw e;
      }
      return me;
    },
    async login(user, password, lang) {
      me = await request<Me>({ method: 'POST', path: '/api/login', body: { user, password, lang } });
      return me;
    },
    async logout() {
      await request({ method: 'POST', path: '/api/logout', body: {} });
      me = null;
    },
    current: () => me,
  };
  return { transport, session };
}

/** isClinicServer asks the page's origin whether it is `greffier serve`: its /api/me
 * answers 200 or 401 with a JSON body; the desktop's bridge has no such route. */
export async function isClinicServer(base: string, f: typeof fetch): Promise<boolean> {
  try {
    const res = await f(`${base}/api/me`, { credentials: 'same-origin' });
    if (res.status !== 200 && res.status !== 401) return false;
    const body = (await res.json()) as { csrf?: unknown; error?: { code?: unknown } };
    return typeof body.csrf === 'string' || body.error?.code === 'unauthorized';
  } catch {
    return false;
  }
}
