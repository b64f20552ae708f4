// api.ts is the only way the frontend reaches Go: the Wails bindings
// (window.go.app.<Service>.<Method>) inside the desktop window, the HTTP bridge
// (app.Bridge) in a browser, the clinic server (serverApi.ts) for `greffier serve`. Components and stores call the typed functions below.

import type { Job as GenJob, CodeStatus, ExportRequest, Model, NewEncounter, Preferences, Services, UserRole } from './api.gen';
import type { Lang, MessageKey } from './i18n';
import type { Physician, QueueFilter } from './serverApi';

export interface AppEvent {
  kind: string;
  data: unknown;
}

export interface Transport {
  readonly name: 'wails' | 'http' | 'server';
  call<T>(service: string, method: string, args: unknown[]): Promise<T>;
  /** Subscribes to the batched event stream; returns the unsubscribe function. */
  onEvents(cb: (events: AppEvent[]) => void): () => void;
  setTitle(title: string): void;
  /** Uploads a file the user picked in the browser; returns its path on the Go side. */
  upload?(file: File): Promise<string>;
}

/** ApiError is a failure to show the user: a code and a message, either the Go side's
 * (already in the user's language) or, for failures the frontend sees itself, a
 * catalogue key that the UI translates when it shows it. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly key?: MessageKey,
    readonly vars?: Record<string, string | number>,
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
  return new ApiError('internal', text, 'error.unexpected', { detail: text });
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
      if (!fn) throw new ApiError('internal', `no binding app.${service}.${method}`, 'error.unexpected', { detail: `app.${service}.${method}` });
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
        throw new ApiError('unavailable', `cannot reach Greffier: ${String(e)}`, 'error.unreachable', { detail: String(e) });
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
// The typed API: one function per Go service method. The types are generated from the
// Go services (api.gen.ts, see app/tsapi_test.go): a Go change that the calls below no
// longer match fails the type check, a stale api.gen.ts fails `go test ./app`.

export type * from './api.gen';

/** JobState narrows Job.state, a plain string in Go (app/jobs.go documents these four). */
export type JobState = 'running' | 'done' | 'failed' | 'cancelled';
export type Job = Omit<GenJob, 'state'> & { state: JobState };
/** CatalogueModel is a downloadable whisper model (Go's models.Model). */
export type CatalogueModel = Model;

type Bindings = Services;
type Args<S extends keyof Bindings, M extends keyof Bindings[S]> = Bindings[S][M] extends (...a: infer A) => unknown ? A : never;
type Result<S extends keyof Bindings, M extends keyof Bindings[S]> = Bindings[S][M] extends (...a: never[]) => infer R ? R : never;

export function createApi(t: Transport) {
  // c calls a Go method with the argument and result types the Go side declares.
  const c = <S extends keyof Bindings, M extends keyof Bindings[S] & string>(service: S, method: M, ...args: Args<S, M>) =>
    t.call<Result<S, M>>(service, method, args);
  // Job results are narrowed to the four states (see JobState).
  const job = (p: Promise<GenJob>) => p as Promise<Job>;
  return {
    transport: t.name,
    onEvents: (cb: (events: AppEvent[]) => void) => t.onEvents(cb),
    setTitle: (title: string) => t.setTitle(title),
    canUpload: !!t.upload,
    upload: (file: File) => (t.upload ? t.upload(file) : Promise.reject(new ApiError('unavailable', 'upload', 'error.noUpload'))),
    session: {
      state: () => c('Session', 'State'),
      setup: (name: string, password: string) => c('Session', 'Setup', name, password),
      login: (name: string, password: string) => c('Session', 'Login', name, password),
      logout: () => c('Session', 'Logout'),
      lock: () => c('Session', 'Lock'),
      unlock: (password: string) => c('Session', 'Unlock', password),
      touch: () => c('Session', 'Touch'),
    },
    settings: {
      info: () => c('Settings', 'Info'),
      setLanguage: (lang: Lang) => c('Settings', 'SetLanguage', lang),
      users: () => c('Settings', 'Users'),
      createUser: (name: string, role: UserRole, password: string) => c('Settings', 'CreateUser', name, role, password),
      changePassword: (oldPassword: string, newPassword: string) => c('Settings', 'ChangePassword', oldPassword, newPassword),
      setUserRole: (name: string, role: UserRole) => c('Settings', 'SetUserRole', name, role),
      disableUser: (name: string) => c('Settings', 'DisableUser', name),
      resetUserPassword: (name: string, password: string) => c('Settings', 'ResetUserPassword', name, password),
      models: () => c('Settings', 'Models'),
      devices: () => c('Settings', 'Devices'),
      templates: (lang: string) => c('Settings', 'Templates', lang),
      preferences: () => c('Settings', 'Preferences'),
      savePreferences: (p: Preferences) => c('Settings', 'SavePreferences', p),
      testLLM: (endpoint: string) => c('Settings', 'TestLLM', endpoint),
      /** modelFit: which language model sizes fit this computer, and the one advised. */
      modelFit: () => c('Settings', 'ModelFit'),
      catalogue: () => c('Settings', 'Catalogue'),
      pullModel: (name: string) => job(c('Settings', 'PullModel', name)),
      testDevice: (device: string, ms: number) => job(c('Settings', 'TestDevice', device, ms)),
    },
    encounters: {
      today: () => c('Encounters', 'Today'),
      search: (q: string) => c('Encounters', 'Search', q),
      create: (n: NewEncounter) => c('Encounters', 'Create', n),
      matchPatient: (label: string) => c('Encounters', 'MatchPatient', label),
      get: (id: number) => c('Encounters', 'Get', id),
      /** queue: the review queue; the clinic server filters it (serverApi.ts sends the
       * filter as query parameters), the laptop's binding takes no filter. */
      queue: (filter?: QueueFilter) =>
        t.name === 'server' && filter ? t.call<Result<'Encounters', 'Queue'>>('Encounters', 'Queue', [filter]) : c('Encounters', 'Queue'),
      /** physicians: the names the clinic server's queue is filtered by (none on a laptop). */
      physicians: () => (t.name === 'server' ? t.call<Physician[]>('Clinic', 'Physicians', []) : Promise.resolve<Physician[]>([])),
      pickAudioFile: () => c('Encounters', 'PickAudioFile'),
      importFile: (id: number, path: string) => job(c('Encounters', 'ImportFile', id, path)),
      job: (id: string) => job(c('Encounters', 'Job', id)),
      cancelJob: (id: string) => c('Encounters', 'CancelJob', id),
    },
    recording: {
      status: () => c('Recording', 'Status'),
      start: (encId: number, device: string) => c('Recording', 'Start', encId, device),
      pause: () => c('Recording', 'Pause'),
      resume: () => c('Recording', 'Resume'),
      stop: () => job(c('Recording', 'Stop')),
      bookmark: (label: string) => c('Recording', 'Bookmark', label),
      recovered: () => c('Recording', 'Recovered'),
      retranscribe: (encId: number, model: string, language: string) => job(c('Recording', 'Retranscribe', encId, model, language)),
    },
    drafts: {
      get: (encId: number, version: number) => c('Drafts', 'Get', encId, version),
      generate: (encId: number, template: string, lang: string) => c('Drafts', 'Generate', encId, template, lang),
      saveSection: (encId: number, key: string, text: string, baseVersion: number) =>
        c('Drafts', 'SaveSection', encId, key, text, baseVersion),
      /** chooseSection settles a section holding two texts: -1 keeps its text, 0… takes that alternative. */
      chooseSection: (encId: number, key: string, choice: number, baseVersion: number) =>
        c('Drafts', 'ChooseSection', encId, key, choice, baseVersion),
      regenerateSection: (encId: number, key: string, baseVersion: number) => c('Drafts', 'RegenerateSection', encId, key, baseVersion),
      /** startGenerate drafts the note as a job ("job" events, Encounters.CancelJob);
       * the new version is saved when the job is done, nothing if it fails or is cancelled. */
      startGenerate: (encId: number, template: string, lang: string) => job(c('Drafts', 'StartGenerate', encId, template, lang)),
      /** startRegenerateSection redrafts one section as a job (see startGenerate). */
      startRegenerateSection: (encId: number, key: string, baseVersion: number) =>
        job(c('Drafts', 'StartRegenerateSection', encId, key, baseVersion)),
      /** destination says where a draft sends the transcript (shown before drafting). */
      destination: () => c('Drafts', 'Destination'),
      versions: (encId: number) => c('Drafts', 'Versions', encId),
      diff: (encId: number, from: number, to: number) => c('Drafts', 'Diff', encId, from, to),
      setCode: (encId: number, code: string, title: string, status: CodeStatus) => c('Drafts', 'SetCode', encId, code, title, status),
      searchCodes: (q: string) => c('Drafts', 'SearchCodes', q),
      markReady: (encId: number) => c('Drafts', 'MarkReady', encId),
      /** approve signs the latest version as the logged-in user, whose password is
       * checked again at this moment (an electronic signature). */
      approve: (encId: number, version: number, password: string) => c('Drafts', 'Approve', encId, version, password),
    },
    /** documents drafted from the note: patient instructions and a referral letter
     * (app/documents.go); kinds 'instructions' | 'referral'. */
    documents: {
      list: (encId: number) => c('Documents', 'List', encId),
      get: (encId: number, kind: string, version: number) => c('Documents', 'Get', encId, kind, version),
      draft: (encId: number, kind: string, lang: string, recipient: string) => c('Documents', 'Draft', encId, kind, lang, recipient),
      savePart: (encId: number, kind: string, key: string, text: string, baseVersion: number) =>
        c('Documents', 'SavePart', encId, kind, key, text, baseVersion),
      /** sign checks the physician's password again at this moment. */
      sign: (encId: number, kind: string, version: number, password: string) => c('Documents', 'Sign', encId, kind, version, password),
      export: (encId: number, kind: string, format: string, dir: string) => c('Documents', 'Export', encId, kind, format, dir),
    },
    templates: {
      get: (key: string) => c('Templates', 'Get', key),
      save: (yaml: string) => c('Templates', 'Save', yaml),
      reset: (key: string) => c('Templates', 'Reset', key),
    },
    /** handoff is the clinic server, from the laptop: pairing (admins), "send for
     * review", and where sent encounters stand (app/handoff.go). */
    handoff: {
      server: () => c('Handoff', 'Server'),
      pair: (url: string, fingerprint: string, code: string) => c('Handoff', 'Pair', url, fingerprint, code),
      send: (encId: number) => c('Handoff', 'Send', encId),
      state: (encId: number) => c('Handoff', 'State', encId),
      queue: () => c('Handoff', 'Queue'),
    },
    export: {
      formats: () => c('Export', 'Formats'),
      defaultDir: () => c('Export', 'DefaultDir'),
      run: (req: ExportRequest) => c('Export', 'Run', req),
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
