import { describe, expect, it, vi } from 'vitest';
import { createApi, type Info, type Transport } from './api';
import { catalogues } from './i18n';
import { createAppState } from './state';
import { createStore } from './store';

function fakeTransport(handlers: Record<string, (...args: unknown[]) => unknown>) {
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

const info: Info = {
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

function memKV() {
  const m = new Map<string, string>();
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v), m };
}

describe('store', () => {
  it('notifies subscribers on change only', () => {
    const s = createStore(1);
    const seen: number[] = [];
    const off = s.subscribe((v) => seen.push(v));
    s.set(2);
    s.set(2);
    s.set((v) => v + 1);
    off();
    s.set(10);
    expect(seen).toEqual([2, 3]);
  });
});

describe('catalogues', () => {
  it('French has every English key, translated and non-empty', () => {
    const enKeys = Object.keys(catalogues.en).sort();
    expect(Object.keys(catalogues.fr).sort()).toEqual(enKeys);
    for (const k of enKeys) expect(catalogues.fr[k as keyof typeof catalogues.fr]).not.toBe('');
  });
});

describe('app state', () => {
  it('starts on the screen the Go side asks for and titles the window', async () => {
    const f = fakeTransport({ 'Settings.Info': () => info, 'Settings.SetLanguage': (l) => l, 'Settings.Users': () => [] });
    const st = createAppState(createApi(f.t), memKV());
    await st.start();
    expect(st.session.get().screen).toBe('settings');
    expect(f.titles.at(-1)).toBe('Greffier — Settings');
    st.go('home');
    expect(f.titles.at(-1)).toBe('Greffier — Home');
  });

  it('switches language at run time, remembers it and tells Go', async () => {
    const setLanguage = vi.fn((l: unknown) => l);
    const f = fakeTransport({ 'Settings.Info': () => ({ ...info, start_screen: 'home' }), 'Settings.SetLanguage': setLanguage, 'Settings.Users': () => [] });
    const kv = memKV();
    const st = createAppState(createApi(f.t), kv);
    await st.start();
    await st.setLang('fr');
    expect(st.t('nav.home')).toBe('Accueil');
    expect(f.titles.at(-1)).toBe('Greffier — Accueil');
    expect(kv.m.get('greffier.lang')).toBe('fr');
    expect(setLanguage).toHaveBeenLastCalledWith('fr');
    // A new session starts in the saved language.
    const st2 = createAppState(createApi(f.t), kv);
    expect(st2.session.get().lang).toBe('fr');
  });

  it('GREFFIER_LANG (start_language) wins over the saved language', async () => {
    const f = fakeTransport({ 'Settings.Info': () => ({ ...info, start_language: 'fr' }), 'Settings.SetLanguage': (l) => l, 'Settings.Users': () => [] });
    const kv = memKV();
    kv.setItem('greffier.lang', 'en');
    const st = createAppState(createApi(f.t), kv);
    await st.start();
    expect(st.session.get().lang).toBe('fr');
  });

  it('keeps a failed call as a user-facing error', async () => {
    const f = fakeTransport({
      'Settings.Info': () => {
        throw new Error('{"code":"unavailable","message":"Indisponible : base"}');
      },
      'Settings.SetLanguage': (l) => l,
    });
    const st = createAppState(createApi(f.t), null);
    await st.start();
    expect(st.session.get().error).toMatchObject({ code: 'unavailable', message: 'Indisponible : base' });
    st.clearError();
    expect(st.session.get().error).toBeNull();
  });

  it('loads today\'s encounters into the store', async () => {
    const rows = [{ id: 4, patient_label: 'A', state: 'drafted', created_at: 0, updated_at: 0 }];
    const f = fakeTransport({ 'Encounters.Today': () => rows });
    const st = createAppState(createApi(f.t), null);
    expect(st.today.get()).toBeNull();
    await st.loadToday();
    expect(st.today.get()).toEqual(rows);
  });

  it('toggles and remembers the theme', () => {
    const kv = memKV();
    const st = createAppState(createApi(fakeTransport({}).t), kv);
    expect(st.session.get().theme).toBe('light');
    st.toggleTheme();
    expect(st.session.get().theme).toBe('dark');
    expect(kv.m.get('greffier.theme')).toBe('dark');
  });
});
