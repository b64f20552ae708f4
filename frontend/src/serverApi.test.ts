// The clinic server's transport against a recording fetch: a test double, since the
// real server runs in Go (server/e2e_test.go drives this code against it in chromium).
import { describe, expect, it } from 'vitest';
import { createApi, ApiError } from './api';
import { createServerClient, isClinicServer, queueQuery } from './serverApi';
import { createLogin } from './stores/login';

interface Sent {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

function fakeServer(answer: (s: Sent) => { status: number; body: unknown }) {
  const sent: Sent[] = [];
  const fetch = (async (url: string, init: RequestInit) => {
    const s: Sent = { url, method: init.method ?? 'GET', headers: (init.headers ?? {}) as Record<string, string>, body: init.body ? JSON.parse(String(init.body)) : undefined };
    sent.push(s);
    const a = answer(s);
    return new Response(JSON.stringify(a.body), { status: a.status });
  }) as unknown as typeof globalThis.fetch;
  return { sent, fetch };
}

const me = { user: { id: 7, name: 'Camille', role: 'secretary', status: 'active', has_password: true, created_at: '' }, csrf: 'tok', lang: 'fr' };
const draft = { encounter_id: 3, state: 'drafted', version: 2 };

describe('server transport', () => {
  it('maps the typed API to the REST routes, with the CSRF token on writes only', async () => {
    const srv = fakeServer((s) => (s.url.endsWith('/api/login') ? { status: 200, body: me } : s.url.includes('/approve') ? { status: 200, body: { draft, signature: {} } } : { status: 200, body: draft }));
    const { transport, session } = createServerClient('https://g', { fetch: srv.fetch });
    const api = createApi(transport);
    await session.login('Camille', 'pw', 'fr');
    await api.drafts.get(3, 0);
    await api.drafts.saveSection(3, 'subjective', 'text', 1);
    await api.drafts.markReady(3);
    expect(await api.drafts.approve(3, 2, 'secret')).toEqual(draft);
    expect(await api.settings.users()).toEqual([me.user]);
    const [, get, put, ready, approve] = srv.sent;
    expect(get).toMatchObject({ url: 'https://g/api/encounters/3/draft?version=0', method: 'GET' });
    expect(get!.headers['X-CSRF-Token']).toBeUndefined();
    // No user id goes with a call: the server acts as the session's user.
    expect(put).toMatchObject({ url: 'https://g/api/encounters/3/sections/subjective', method: 'PUT', body: { text: 'text', base_version: 1 } });
    expect(put!.headers['X-CSRF-Token']).toBe('tok');
    expect(ready).toMatchObject({ url: 'https://g/api/encounters/3/ready', method: 'POST' });
    expect(approve).toMatchObject({ body: { version: 2, password: 'secret' } });
    expect(approve!.headers['X-CSRF-Token']).toBe('tok');
  });

  it('turns error bodies into ApiError; a 401 forgets the session; other services are unavailable', async () => {
    const srv = fakeServer(() => ({ status: 401, body: { error: { code: 'unauthorized', message: 'Log in again.' } } }));
    const { transport, session } = createServerClient('', { fetch: srv.fetch });
    const api = createApi(transport);
    await expect(api.encounters.queue()).rejects.toMatchObject({ code: 'unauthorized', message: 'Log in again.' });
    expect(await session.me()).toBeNull();
    await expect(api.recording.status()).rejects.toBeInstanceOf(ApiError);
    await expect(api.recording.status()).rejects.toMatchObject({ code: 'unavailable', key: 'error.notOnServer' });
  });

  it('the login store keeps a refusal to show, and calls back on success', async () => {
    let ok = false;
    const srv = fakeServer((s) => ((s.body as { password: string }).password === 'right' ? { status: 200, body: me } : { status: 401, body: { error: { code: 'unauthorized', message: 'Connexion refusée' } } }));
    const { session } = createServerClient('', { fetch: srv.fetch });
    const login = createLogin(session, () => (ok = true));
    expect(await login.login('Camille', 'wrong', 'fr')).toBe(false);
    expect(login.state.get().error?.message).toBe('Connexion refusée');
    expect(await login.login('Camille', 'right', 'fr')).toBe(true);
    expect(ok).toBe(true);
    expect(session.current()?.csrf).toBe('tok');
  });

  it('recognizes the clinic server by its /api/me', async () => {
    expect(await isClinicServer('', fakeServer(() => ({ status: 401, body: { error: { code: 'unauthorized', message: '' } } })).fetch)).toBe(true);
    expect(await isClinicServer('', fakeServer(() => ({ status: 404, body: { error: { code: 'not_found', message: '' } } })).fetch)).toBe(false);
  });
});

describe('the review queue across physicians', () => {
  it('builds the query string from the filters set, in a fixed order, encoded', () => {
    expect(queueQuery({})).toBe('');
    expect(queueQuery({ state: '', physician: '  ', from: '', to: '' })).toBe('');
    expect(queueQuery({ to: '2026-03-02', from: '2026-03-01', physician: 'Dr House', state: 'in_review' })).toBe(
      'state=in_review&physician=Dr%20House&from=2026-03-01&to=2026-03-02',
    );
    expect(queueQuery({ physician: 'Dr A&B=C' })).toBe('physician=Dr%20A%26B%3DC');
    // A malformed day is left out rather than refused by the server (400).
    expect(queueQuery({ from: '01/03/2026', to: '2026-03-02' })).toBe('to=2026-03-02');
  });

  it('sends the filter to GET /api/encounters, one state or each of the three', async () => {
    const item = { id: 4, patient_label: 'P-4', state: 'in_review', created_at: 1, updated_at: 1, started_at: 2, physician: 'Dr House' };
    const srv = fakeServer((s) =>
      s.url.endsWith('/api/physicians') ? { status: 200, body: [{ id: 2, name: 'Dr House' }] } : { status: 200, body: s.url.includes('state=in_review') ? [item] : [] },
    );
    const api = createApi(createServerClient('https://g', { fetch: srv.fetch }).transport);
    expect(await api.encounters.queue({ state: 'in_review', physician: 'Dr House', from: '2026-03-01', to: '2026-03-01' })).toEqual({
      drafted: [],
      in_review: [item],
      approved: [],
    });
    expect(srv.sent.map((s) => s.url)).toEqual(['https://g/api/encounters?state=in_review&physician=Dr%20House&from=2026-03-01&to=2026-03-01']);
    srv.sent.length = 0;
    await api.encounters.queue({ physician: 'Dr House' });
    expect(srv.sent.map((s) => s.url)).toEqual([
      'https://g/api/encounters?state=drafted&physician=Dr%20House',
      'https://g/api/encounters?state=in_review&physician=Dr%20House',
      'https://g/api/encounters?state=approved&physician=Dr%20House',
    ]);
    srv.sent.length = 0;
    expect(await api.encounters.physicians()).toEqual([{ id: 2, name: 'Dr House' }]);
    await api.encounters.today();
    expect(srv.sent.map((s) => [s.method, s.url])).toEqual([
      ['GET', 'https://g/api/physicians'],
      ['GET', 'https://g/api/encounters'],
    ]);
  });

  it('a refused filter is the server\'s error', async () => {
    const srv = fakeServer(() => ({ status: 400, body: { error: { code: 'invalid', message: 'Aucun utilisateur « X ».' } } }));
    const api = createApi(createServerClient('', { fetch: srv.fetch }).transport);
    await expect(api.encounters.queue({ physician: 'X' })).rejects.toMatchObject({ code: 'invalid', message: 'Aucun utilisateur « X ».' });
  });

  it('downloads an export the policy allows, and copies text in the page', async () => {
    const pdf = '%PDF-1.4 x';
    const srv = fakeServer((s) =>
      s.url.endsWith('/api/login')
        ? { status: 200, body: me }
        : s.url.endsWith('/api/export/formats')
          ? { status: 200, body: ['pdf', 'txt'] }
          : { status: 200, body: { format: 'pdf', file: 'encounter-3.pdf', content_type: 'application/pdf', data: btoa(pdf), text: (s.body as { format: string }).format === 'txt' ? 'NOTE' : undefined } },
    );
    const saved: [string, string, string][] = [];
    const { transport, session } = createServerClient('https://g', {
      fetch: srv.fetch,
      save: (file, data, type) => saved.push([file, new TextDecoder().decode(data), type]),
    });
    const api = createApi(transport);
    await session.login('Camille', 'pw', 'fr');
    expect(await api.export.formats()).toEqual(['pdf', 'txt', 'clipboard']);
    expect(await api.export.defaultDir()).toBe('');
    expect(await api.export.run({ encounter_id: 3, format: 'pdf', dir: '' })).toEqual({ format: 'pdf', path: 'encounter-3.pdf', bytes: pdf.length, text: undefined });
    expect(saved).toEqual([['encounter-3.pdf', pdf, 'application/pdf']]);
    expect(await api.export.run({ encounter_id: 3, format: 'clipboard', dir: '' })).toMatchObject({ format: 'clipboard', path: undefined, text: 'NOTE' });
    expect(saved).toHaveLength(1);
    const posts = srv.sent.filter((s) => s.url.endsWith('/export'));
    expect(posts.map((s) => [s.method, s.url, s.headers['X-CSRF-Token'], s.body])).toEqual([
      ['POST', 'https://g/api/encounters/3/export', 'tok', { format: 'pdf' }],
      ['POST', 'https://g/api/encounters/3/export', 'tok', { format: 'txt' }],
    ]);
  });
});
