import { describe, expect, it, vi } from 'vitest';
import { ApiError, createApi, httpTransport, toApiError, wailsAvailable, wailsTransport } from './api';

function jsonResponse(body: unknown): Response {
  return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });
}

describe('toApiError', () => {
  it('reads the JSON that app.UIError carries', () => {
    const e = toApiError('{"code":"conflict","message":"Not possible now"}');
    expect(e).toBeInstanceOf(ApiError);
    expect(e.code).toBe('conflict');
    expect(e.message).toBe('Not possible now');
  });
  it('turns other text into an internal error', () => {
    const e = toApiError(new Error('boom'));
    expect(e.code).toBe('internal');
    expect(e.message).toBe('boom');
  });
});

describe('wails transport', () => {
  it('calls window.go.app.<Service>.<Method> with the arguments', async () => {
    const today = vi.fn().mockResolvedValue([{ id: 1 }]);
    const setLanguage = vi.fn().mockResolvedValue('fr');
    const w = {
      go: { app: { Encounters: { Today: today }, Settings: { SetLanguage: setLanguage } } },
      runtime: { EventsOn: vi.fn(), WindowSetTitle: vi.fn() },
    };
    expect(wailsAvailable(w)).toBe(true);
    const api = createApi(wailsTransport(w));
    expect(await api.encounters.today()).toEqual([{ id: 1 }]);
    expect(await api.settings.setLanguage('fr')).toBe('fr');
    expect(setLanguage).toHaveBeenCalledWith('fr');
    api.setTitle('Greffier — Home');
    expect(w.runtime.WindowSetTitle).toHaveBeenCalledWith('Greffier — Home');
  });

  it('rejects with the Go error code and message', async () => {
    const w = {
      go: { app: { Encounters: { Today: vi.fn().mockRejectedValue('{"code":"unavailable","message":"Unavailable: db"}') } } },
      runtime: { EventsOn: vi.fn(), WindowSetTitle: vi.fn() },
    };
    const api = createApi(wailsTransport(w));
    await expect(api.encounters.today()).rejects.toMatchObject({ code: 'unavailable', message: 'Unavailable: db' });
  });

  it('is not chosen outside Wails', () => {
    expect(wailsAvailable({})).toBe(false);
  });

  it('delivers batched events to subscribers', () => {
    let handler: (d: unknown) => void = () => {};
    const off = vi.fn();
    const w = {
      go: { app: {} },
      runtime: {
        EventsOn: vi.fn((name: string, cb: (d: unknown) => void) => {
          expect(name).toBe('greffier:events');
          handler = cb;
          return off;
        }),
        WindowSetTitle: vi.fn(),
      },
    };
    const api = createApi(wailsTransport(w));
    const got: string[] = [];
    const unsub = api.onEvents((evs) => evs.forEach((e) => got.push(e.kind)));
    handler([{ kind: 'level', data: 0.5 }, { kind: 'segment', data: {} }]);
    expect(got).toEqual(['level', 'segment']);
    unsub();
    expect(off).toHaveBeenCalled();
  });
});

describe('http transport', () => {
  it('POSTs the arguments as a JSON array to /api/<Service>/<Method>', async () => {
    const fetch = vi.fn().mockResolvedValue(jsonResponse({ result: 'en' }));
    const api = createApi(httpTransport('http://127.0.0.1:9', { fetch }));
    expect(await api.settings.setLanguage('en')).toBe('en');
    const [url, init] = fetch.mock.calls[0] as [string, RequestInit];
    expect(url).toBe('http://127.0.0.1:9/api/Settings/SetLanguage');
    expect(init.method).toBe('POST');
    expect(JSON.parse(init.body as string)).toEqual(['en']);
  });

  it('rejects with the error the bridge returned', async () => {
    const fetch = vi.fn().mockResolvedValue(jsonResponse({ error: { code: 'not_found', message: 'Not found: 7' } }));
    const api = createApi(httpTransport('', { fetch }));
    await expect(api.encounters.today()).rejects.toMatchObject({ code: 'not_found', message: 'Not found: 7' });
  });

  it('reports an unreachable bridge as unavailable', async () => {
    const fetch = vi.fn().mockRejectedValue(new TypeError('connection refused'));
    const api = createApi(httpTransport('', { fetch }));
    await expect(api.encounters.today()).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('starts drafting jobs with Drafts.StartGenerate and Drafts.StartRegenerateSection', async () => {
    const job = { id: 'draft-1', kind: 'draft', encounter_id: 7, state: 'running', progress: 0 };
    const fetch = vi.fn().mockImplementation(() => Promise.resolve(jsonResponse({ result: job })));
    const api = createApi(httpTransport('', { fetch }));
    expect(await api.drafts.startGenerate(7, 'soap', 'fr')).toEqual(job);
    expect(await api.drafts.startRegenerateSection(7, 'plan', 2)).toEqual(job);
    const calls = fetch.mock.calls as [string, RequestInit][];
    expect(calls.map(([url]) => url)).toEqual(['/api/Drafts/StartGenerate', '/api/Drafts/StartRegenerateSection']);
    expect(JSON.parse(calls[0][1].body as string)).toEqual([7, 'soap', 'fr']);
    expect(JSON.parse(calls[1][1].body as string)).toEqual([7, 'plan', 2]);
  });

  it('sets the document title', () => {
    const document = { title: '' };
    const api = createApi(httpTransport('', { fetch: vi.fn(), document }));
    api.setTitle('Greffier — Settings');
    expect(document.title).toBe('Greffier — Settings');
  });
});
