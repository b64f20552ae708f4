// api.ts is the only way the frontend reaches Go: the Wails bindings
// (window.go.app.<Service>.<Method>) inside the desktop window, the HTTP bridge
// (app.Bridge) in a browser. Components and stores call the typed functions below.

export interface AppEvent {
  kind: string;
  data: unknown;
}

export interface Transport {
  readonly name: 'wails' | 'http';
  call<T>(service: string, method: string, args: unknown[]): Promise<T>;
  /** Subscribes to the batched event stream; returns the unsubscribe function. */
  onEvents(cb: (events: AppEvent[]) => void): () => void;
  setTitle(title: string): void;
  /** Uploads a file the user picked in the browser; returns its path on the Go side. */
  upload?(file: File): Promise<string>;
}

/** ApiError is a failure the Go side explained: a code and a user-safe message. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** toApiError reads the JSON {code, message} that app.UIError carries as its text. */
export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  const text = typeof e === 'string' ? e : e instanceof Error ? e.message : JSON.stringify(e);
  try {
    const o = JSON.parse(text) as { code?: unknown; message?: unknown };
    if (o && typeof o.code === 'string' && typeof o.message === 'string') {
      return new ApiError(o.code, o.message);
    }
  } catch {
    // not JSON: fall through
  }
  return new ApiError('internal', text);
}

type Bound = Record<string, Record<string, (...args: unknown[]) => Promise<unknown>>>;

interface WailsWindow {
  go?: { app?: Bound };
  runtime?: {
    EventsOn(name: string, cb: (data: unknown) => void): () => void;
    WindowSetTitle(title: string): void;
  };
}

export const EVENT_NAME = 'greffier:events';

export function wailsAvailable(w: unknown = globalThis): boolean {
  const ww = w as WailsWindow;
  return !!ww.go?.app && !!ww.runtime;
}

export function wailsTransport(w: unknown = globalThis): Transport {
  const ww = w as WailsWindow;
  return {
    name: 'wails',
    async call<T>(service: string, method: string, args: unknown[]): Promise<T> {
      const fn = ww.go?.app?.[service]?.[method];
      if (!fn) throw new ApiError('internal', `no binding app.${service}.${method}`);
      try {
        return (await fn(...args)) as T;
      } catch (e) {
        throw toApiError(e);
      }
    },
    onEvents(cb) {
      return ww.runtime!.EventsOn(EVENT_NAME, (data) => cb((data as AppEvent[]) ?? []));
    },
    setTitle(title) {
      ww.runtime!.WindowSetTitle(title);
    },
  };
}

export interface HttpDeps {
  fetch: typeof fetch;
  EventSource?: new (url: string) => { onmessage: ((ev: { data: string }) => void) | null; close(): void };
  document?: { title: string };
}

export function httpTransport(base: string, deps: HttpDeps): Transport {
  return {
    name: 'http',
    async call<T>(service: string, method: string, args: unknown[]): Promise<T> {
      let res: Response;
      try {
        res = await deps.fetch(`${base}/api/${service}/${method}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(args),
        });
      } catch (e) {
        throw new ApiError('unavailable', `cannot reach Greffier: ${String(e)}`);
      }
      const body = (await res.json()) as { result?: T; error?: { code: string; message: string } };
      if (body.error) throw new ApiError(body.error.code, body.error.message);
      return body.result as T;
    },
    onEvents(cb) {
      if (!deps.EventSource) return () => {};
      const es = new deps.EventSource(`${base}/api/events`);
      es.onmessage = (ev) => cb(JSON.parse(ev.data) as AppEvent[]);
      return () => es.close();
    },
    setTitle(title) {
      if (deps.document) deps.document.title = title;
    },
    async upload(file: File): Promise<string> {
      const res = await deps.fetch(`${base}/api/upload?name=${encodeURIComponent(file.name)}`, {
        method: 'POST',
        body: file,
      });
      const body = (await res.json()) as { result?: string; error?: { code: string; message: string } };
      if (body.error) throw new ApiError(body.error.code, body.error.message);
      return body.result ?? '';
    },
  };
}

// ---------------------------------------------------------------------------
// The typed API: one function per Go service method. Types mirror app/*.go.

export interface Info {
  product: string;
  version: string;
  data_dir: string;
  models_dir: string;
  start_screen: string;
  start_language: string;
  schema_version: number;
  sqlite_version: string;
}

export type EncounterState = 'recording' | 'transcribed' | 'drafted' | 'in_review' | 'approved' | 'exported';

export interface EncounterSummary {
  id: number;
  patient_label: string;
  state: EncounterState;
  created_at: number;
  updated_at: number;
}

export function createApi(t: Transport) {
  const c = <T>(service: string, method: string, ...args: unknown[]) => t.call<T>(service, method, args);
  return {
    transport: t.name,
    onEvents: (cb: (events: AppEvent[]) => void) => t.onEvents(cb),
    setTitle: (title: string) => t.setTitle(title),
    canUpload: !!t.upload,
    upload: (file: File) => (t.upload ? t.upload(file) : Promise.reject(new ApiError('unavailable', 'upload'))),
    settings: {
      info: () => c<Info>('Settings', 'Info'),
      setLanguage: (lang: string) => c<string>('Settings', 'SetLanguage', lang),
    },
    encounters: {
      today: () => c<EncounterSummary[]>('Encounters', 'Today'),
    },
  };
}

export type Api = ReturnType<typeof createApi>;

/** defaultApi picks the Wails bindings inside the desktop window, else the HTTP bridge
 * that served this page. */
export function defaultApi(): Api {
  if (wailsAvailable()) return createApi(wailsTransport());
  return createApi(
    httpTransport(globalThis.location?.origin ?? '', {
      fetch: globalThis.fetch.bind(globalThis),
      EventSource: (globalThis as { EventSource?: HttpDeps['EventSource'] }).EventSource,
      document: globalThis.document,
    }),
  );
}
