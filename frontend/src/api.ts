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
  start_encounter: number;
  start_language: string;
  schema_version: number;
  sqlite_version: string;
}

export type EncounterState = 'recording' | 'transcribed' | 'drafted' | 'in_review' | 'approved' | 'exported';
export type UserRole = 'physician' | 'secretary' | 'admin';

export interface EncounterSummary {
  id: number;
  patient_label: string;
  state: EncounterState;
  created_at: number;
  updated_at: number;
  snippet?: string;
}

export interface Segment {
  id: number;
  start_ms: number;
  end_ms: number;
  text: string;
  turn: number;
  role?: string;
  token_prob: number;
  min_token_prob: number;
  no_speech_prob: number;
}

export interface EncounterView extends EncounterSummary {
  language: string;
  template: string;
  consent_kind: string;
  latest_version: number;
  approved_version: number;
  segments: Segment[];
}

export interface NewEncounter {
  patient_label: string;
  patient_name: string;
  language: string;
  template: string;
  consent: boolean;
  consent_kind: string;
  user_id: number;
  /** The existing patient the user confirmed the label belongs to (matchPatient); 0: a new patient. */
  patient_id?: number;
}

/** PatientMatch is the existing patient a label names, shown before filing under them. */
export interface PatientMatch {
  id: number;
  local_id: string;
  name: string;
  birth_date: string;
}

/** RecoveredEvent: a recording interrupted by a crash was recovered at start. */
export interface RecoveredEvent {
  encounter_id: number;
  seconds: number;
  segments: number;
  damage?: string;
}

export interface Queue {
  drafted: EncounterSummary[];
  in_review: EncounterSummary[];
  approved: EncounterSummary[];
}

export interface Job {
  id: string;
  kind: string;
  encounter_id: number;
  state: 'running' | 'done' | 'failed' | 'cancelled';
  progress: number;
  stage?: string;
  error?: { code: string; message: string };
}

export interface RecordingStatus {
  active: boolean;
  encounter_id: number;
  paused: boolean;
  started_at: number;
  live_text: boolean;
  notice?: string;
}

export interface Bookmark {
  at_ms: number;
  label?: string;
}

export interface Sentence {
  text: string;
  evidence: number[];
}

export interface Section {
  key: string;
  title: string;
  sentences: Sentence[];
  /** Other texts of the section that arrived while it was edited (a redraft, a
   * save made from an older version): kept until the user chooses (chooseSection). */
  alternatives?: { kind: 'redraft' | 'edit'; sentences: Sentence[] }[];
}

export interface Note {
  schema_version: string;
  template: string;
  language: string;
  drafter: { kind: string; model?: string };
  sections: Section[];
  problems: { title: string; icd10?: { code: string; title: string }; evidence: number[] }[];
  medications: { name: string; dose?: string; route?: string; frequency?: string; action: string; evidence: number[] }[];
  allergies: { substance: string; reaction?: string; evidence: number[] }[];
  vitals: { kind: string; value: string; unit?: string; evidence: number[] }[];
  orders: { kind: string; text: string; evidence: number[] }[];
  follow_up: Sentence[];
  patient_instructions: Sentence[];
  warnings: { kind: string; message: string; path?: string }[];
}

export interface Code {
  system?: string;
  code: string;
  display?: string;
  evidence?: string;
  id: number;
  status: 'suggested' | 'accepted' | 'rejected';
}

export interface DraftView {
  encounter_id: number;
  state: EncounterState;
  version: number;
  latest_version: number;
  approved_version: number;
  author: string;
  created_at: number;
  note: Note;
  codes: Code[];
}

export interface VersionInfo {
  version: number;
  author: string;
  created_at: number;
}

export interface DiffLine {
  op: ' ' | '+' | '-';
  text: string;
}

export interface CodeHit {
  code: string;
  title: string;
  billable: boolean;
}

export interface ExportRequest {
  encounter_id: number;
  format: string;
  dir: string;
  user_id: number;
}

export interface ExportResult {
  format: string;
  path?: string;
  bytes: number;
  text?: string;
}

export interface User {
  id: number;
  name: string;
  role: UserRole;
  created_at: string;
}

export interface ModelInfo {
  name: string;
  path: string;
  size: number;
  known: boolean;
  active: boolean;
}

export interface CatalogueModel {
  Name: string;
  SizeMiB: number;
  SHA1: string;
}

export interface Device {
  name: string;
  host_api: string;
  max_input_channels: number;
  default_sample_rate: number;
  is_default: boolean;
}

export interface TemplateInfo {
  key: string;
  title: string;
}

export interface TemplateSource {
  key: string;
  builtin: boolean;
  yaml: string;
}

export interface Preferences {
  retention_days: number;
  llm_endpoint: string;
  /** GGUF file run by a managed llama-server; wins over llm_endpoint when both are set. */
  llm_model: string;
  clinic_name: string;
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
      users: () => c<User[]>('Settings', 'Users'),
      createUser: (name: string, role: UserRole) => c<User>('Settings', 'CreateUser', name, role),
      models: () => c<ModelInfo[]>('Settings', 'Models'),
      devices: () => c<Device[]>('Settings', 'Devices'),
      templates: (lang: string) => c<TemplateInfo[]>('Settings', 'Templates', lang),
      preferences: () => c<Preferences>('Settings', 'Preferences'),
      savePreferences: (p: Preferences, userId: number) => c<Preferences>('Settings', 'SavePreferences', p, userId),
      testLLM: (endpoint: string) => c<string>('Settings', 'TestLLM', endpoint),
      catalogue: () => c<CatalogueModel[]>('Settings', 'Catalogue'),
      pullModel: (name: string) => c<Job>('Settings', 'PullModel', name),
      testDevice: (device: string, ms: number) => c<Job>('Settings', 'TestDevice', device, ms),
    },
    encounters: {
      today: () => c<EncounterSummary[]>('Encounters', 'Today'),
      search: (q: string) => c<EncounterSummary[]>('Encounters', 'Search', q),
      create: (n: NewEncounter) => c<EncounterView>('Encounters', 'Create', n),
      matchPatient: (label: string) => c<PatientMatch | null>('Encounters', 'MatchPatient', label),
      get: (id: number, userId: number) => c<EncounterView>('Encounters', 'Get', id, userId),
      queue: () => c<Queue>('Encounters', 'Queue'),
      pickAudioFile: () => c<string>('Encounters', 'PickAudioFile'),
      importFile: (id: number, path: string) => c<Job>('Encounters', 'ImportFile', id, path),
      job: (id: string) => c<Job>('Encounters', 'Job', id),
      cancelJob: (id: string) => c<boolean>('Encounters', 'CancelJob', id),
    },
    recording: {
      status: () => c<RecordingStatus>('Recording', 'Status'),
      start: (encId: number, device: string) => c<RecordingStatus>('Recording', 'Start', encId, device),
      pause: () => c<RecordingStatus>('Recording', 'Pause'),
      resume: () => c<RecordingStatus>('Recording', 'Resume'),
      stop: () => c<Job>('Recording', 'Stop'),
      bookmark: (label: string) => c<Bookmark>('Recording', 'Bookmark', label),
      recovered: () => c<RecoveredEvent[]>('Recording', 'Recovered'),
      retranscribe: (encId: number, model: string, language: string) => c<Job>('Recording', 'Retranscribe', encId, model, language),
    },
    drafts: {
      get: (encId: number, version: number) => c<DraftView>('Drafts', 'Get', encId, version),
      generate: (encId: number, template: string, lang: string) => c<DraftView>('Drafts', 'Generate', encId, template, lang),
      saveSection: (encId: number, key: string, text: string, userId: number, baseVersion: number) =>
        c<DraftView>('Drafts', 'SaveSection', encId, key, text, userId, baseVersion),
      /** chooseSection settles a section holding two texts: -1 keeps its text, 0… takes that alternative. */
      chooseSection: (encId: number, key: string, choice: number, userId: number, baseVersion: number) =>
        c<DraftView>('Drafts', 'ChooseSection', encId, key, choice, userId, baseVersion),
      regenerateSection: (encId: number, key: string, userId: number, baseVersion: number) =>
        c<DraftView>('Drafts', 'RegenerateSection', encId, key, userId, baseVersion),
      /** startGenerate drafts the note as a job ("job" events, Encounters.CancelJob);
       * the new version is saved when the job is done, nothing if it fails or is cancelled. */
      startGenerate: (encId: number, template: string, lang: string) => c<Job>('Drafts', 'StartGenerate', encId, template, lang),
      /** startRegenerateSection redrafts one section as a job (see startGenerate). */
      startRegenerateSection: (encId: number, key: string, userId: number, baseVersion: number) =>
        c<Job>('Drafts', 'StartRegenerateSection', encId, key, userId, baseVersion),
      versions: (encId: number) => c<VersionInfo[]>('Drafts', 'Versions', encId),
      diff: (encId: number, from: number, to: number) => c<DiffLine[]>('Drafts', 'Diff', encId, from, to),
      setCode: (encId: number, code: string, title: string, status: Code['status'], userId: number) =>
        c<DraftView>('Drafts', 'SetCode', encId, code, title, status, userId),
      searchCodes: (q: string) => c<CodeHit[]>('Drafts', 'SearchCodes', q),
      markReady: (encId: number, userId: number) => c<DraftView>('Drafts', 'MarkReady', encId, userId),
      approve: (encId: number, userId: number, version: number) => c<DraftView>('Drafts', 'Approve', encId, userId, version),
    },
    templates: {
      get: (key: string) => c<TemplateSource>('Templates', 'Get', key),
      save: (yaml: string) => c<TemplateSource>('Templates', 'Save', yaml),
      reset: (key: string) => c<TemplateSource>('Templates', 'Reset', key),
    },
    export: {
      formats: () => c<string[]>('Export', 'Formats'),
      defaultDir: () => c<string>('Export', 'DefaultDir'),
      run: (req: ExportRequest) => c<ExportResult>('Export', 'Run', req),
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
