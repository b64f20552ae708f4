// serverApi.ts is the transport for `greffier serve` (server/, docs/server.md): the
// same typed API (api.ts) over the clinic server's REST routes, with the session
// cookie (set by the browser) and the CSRF token on every state-changing request.
// Only the review is served: the other methods fail with "unavailable".

import type { DraftView, EncounterSummary, ExportRequest, ExportResult, Info, Queue, SessionState, User } from './api.gen';
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
  /** save hands a downloaded export to the browser (a file the user keeps); absent in
   * tests that only look at what was asked. */
  save?: (file: string, data: Uint8Array, contentType: string) => void;
}

/** ServedExport is app.ServedExport: an approved note rendered by the clinic server. */
export interface ServedExport {
  format: string;
  file: string;
  content_type: string;
  data: string; // base64
  text?: string;
}

/** decodeBase64 turns the server's base64 (Go's []byte in JSON) into bytes. */
export function decodeBase64(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** ServerSession is the login state of one browser tab. */
export interface ServerSession {
  me(): Promise<Me | null>;
  login(user: string, password: string, lang: Lang): Promise<Me>;
  logout(): Promise<void>;
  current(): Me | null;
}

/** QueueState is a state the review queue is filtered by ('' is every state). */
export type QueueState = '' | 'drafted' | 'in_review' | 'approved';

/** QueueFilter is the review queue's filter (GET /api/encounters, docs/server.md):
 * each field optional, '' or absent meaning "any"; days are YYYY-MM-DD, both included. */
export interface QueueFilter {
  state?: QueueState;
  physician?: string;
  from?: string;
  to?: string;
}

/** QueueItem is one encounter of the clinic server's queue (server.QueueItem): the
 * summary, when it took place (Unix ms) and whose it is (absent when unknown). */
export type QueueItem = EncounterSummary & { started_at?: number; physician?: string };

/** Physician is a name the queue can be filtered by (GET /api/physicians). */
export interface Physician {
  id: number;
  name: string;
}

const isDay = (s: string | undefined): s is string => !!s && /^\d{4}-\d{2}-\d{2}$/.test(s);

/** queueQuery is the query string of GET /api/encounters for f: only the filters set
 * (a malformed day is left out rather than refused by the server), in a fixed order. */
export function queueQuery(f: QueueFilter): string {
  const parts: [string, string | undefined][] = [
    ['state', f.state || undefined],
    ['physician', f.physician?.trim() || undefined],
    ['from', isDay(f.from) ? f.from : undefined],
    ['to', isDay(f.to) ? f.to : undefined],
  ];
  return parts
    .filter((p): p is [string, string] => !!p[1])
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join('&');
}

const queueStates: Exclude<QueueState, ''>[] = ['drafted', 'in_review', 'approved'];

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
  const list = (f: QueueFilter) => {
    const q = queueQuery(f);
    return request<QueueItem[]>({ method: 'GET', path: q ? `/api/encounters?${q}` : '/api/encounters' });
  };
  /** queue asks each state's list with the filter (one state when it names one). */
  async function queue(f: QueueFilter): Promise<Queue> {
    const want = f.state ? queueStates.filter((s) => s === f.state) : queueStates;
    const got = await Promise.all(want.map((state) => list({ ...f, state })));
    const q: Queue = { drafted: [], in_review: [], approved: [] };
    want.forEach((s, i) => (q[s] = got[i]!));
    return q;
  }

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
        return list({});
      case 'Encounters.Queue':
        // The laptop's binding takes no argument; here the first is the queue's filter.
        return queue((a[0] ?? {}) as QueueFilter);
      case 'Clinic.Physicians':
        return request<Physician[]>({ method: 'GET', path: '/api/physicians' });
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
      case 'Export.Formats': {
        // The clinic's policy (export.server_formats); copying to the clipboard stays in the page.
        const f = await request<string[]>({ method: 'GET', path: '/api/export/formats' });
        return [...f, 'clipboard'];
      }
      case 'Export.DefaultDir':
        return ''; // the browser saves the file where its user says
      case 'Export.Run': {
        const req = a[0] as ExportRequest;
        const copy = req.format === 'clipboard';
        const x = await request<ServedExport>({ method: 'POST', path: `${enc(req.encounter_id)}/export`, body: { format: copy ? 'txt' : req.format } });
        const data = decodeBase64(x.data);
        if (!copy) deps.save?.(x.file, data, x.content_type);
        return { format: req.format, path: copy ? undefined : x.file, bytes: data.length, text: x.text?.slice(0, copy ? undefined : 4000) } satisfies ExportResult;
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
