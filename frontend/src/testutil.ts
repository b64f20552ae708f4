// Test helpers shared by the vitest files: a transport that answers from handlers
// instead of Go (the Go side is tested in app/; the E2E test runs both together).
import { createApi, type EncounterView, type Info, type Transport } from './api';
import { createAppState } from './state';

export function fakeTransport(handlers: Record<string, (...args: unknown[]) => unknown>) {
  const titles: string[] = [];
  const calls: string[] = [];
  const t: Transport = {
    name: 'http',
    async call<T>(service: string, method: string, args: unknown[]): Promise<T> {
      const key = `${service}.${method}`;
      calls.push(key);
      const h = handlers[key];
      if (!h) throw new Error(`unexpected call ${key}`);
      return (await h(...args)) as T;
    },
    onEvents: () => () => {},
    setTitle: (s) => titles.push(s),
  };
  return { t, titles, calls };
}

export function memKV() {
  const m = new Map<string, string>();
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v), m };
}

/** appWith is the app state over handlers, in lang. */
export function appWith(handlers: Record<string, (...args: unknown[]) => unknown>, lang: 'en' | 'fr' = 'en') {
  const f = fakeTransport(handlers);
  const kv = memKV();
  kv.setItem('greffier.lang', lang);
  return { st: createAppState(createApi(f.t), kv), f };
}

export const info: Info = {
  product: 'Greffier',
  version: '0.1.0',
  data_dir: '/tmp/x',
  models_dir: '/tmp/x/models',
  start_screen: 'settings',
  start_encounter: 0,
  start_language: '',
  schema_version: 3,
  sqlite_version: '3.50.0',
};

/** failWith is a handler that fails as the Go side does: the UIError JSON as text. */
export function failWith(code: string, message: string) {
  return () => {
    throw new Error(JSON.stringify({ code, message }));
  };
}

/** enc is an encounter just created, nothing recorded yet. */
export const enc: EncounterView = {
  id: 7,
  patient_label: 'P-7',
  state: 'recording',
  created_at: 0,
  updated_at: 0,
  language: 'en',
  template: 'soap',
  consent_kind: 'verbal',
  latest_version: 0,
  approved_version: 0,
  segments: [],
};
