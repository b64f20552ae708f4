// What every store module gets from the app state: the API, the session, the jobs,
// and the one way to report a failure (the error banner) or a confirmation.
import { toApiError, type Api, type ApiError, type Job } from '../api';
import type { MessageKey } from '../i18n';
import { createStore, type Store } from '../store';

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

export interface StoreContext {
  api: Api;
  jobs: Store<Record<string, Job>>;
  t: Translate;
  /** guard runs f, turning its failure into the error banner (then undefined). */
  guard<T>(f: () => Promise<T>): Promise<T | undefined>;
  reportError(e: unknown): void;
  notify(key: MessageKey, vars?: Record<string, string | number>): void;
}

/** errorText is what the user reads for e: the catalogue's words for a failure the
 * frontend saw itself, the Go side's (already translated) message otherwise. */
export function errorText(t: Translate, e: ApiError): string {
  return e.key ? t(e.key, e.vars) : e.message;
}

/** Loaded is a list or record fetched from Go: null until it arrives, with the
 * failure kept beside it so that the screen shows it where the list would be. */
export interface Loaded<T> {
  value: T | null;
  error: ApiError | null;
}

export function createLoaded<T>(): Store<Loaded<T>> {
  return createStore<Loaded<T>>({ value: null, error: null });
}

/** load fetches into a Loaded store; a failure is kept in it (never swallowed). */
export async function load<T>(store: Store<Loaded<T>>, f: () => Promise<T>): Promise<T | undefined> {
  try {
    const value = await f();
    store.set({ value, error: null });
    return value;
  } catch (e) {
    store.set((s) => ({ value: s.value, error: toApiError(e) }));
    return undefined;
  }
}

/** trackJob puts a job the Go side just started into the jobs store. */
export function trackJob(jobs: Store<Record<string, Job>>, j: Job | undefined): Job | undefined {
  if (j) jobs.set((m) => ({ ...m, [j.id]: j }));
  return j;
}
