// App-wide state: session (language, theme, screen), the home list, errors. Actions
// call the API; components only render stores and call actions.
import type { Api, EncounterSummary, Info } from './api';
import { ApiError, toApiError } from './api';
import { isLang, translate, type Lang, type MessageKey } from './i18n';
import { createStore, type Store } from './store';

export type Screen = 'home' | 'recording' | 'review' | 'queue' | 'export' | 'settings';
export const screens: Screen[] = ['home', 'recording', 'review', 'queue', 'export', 'settings'];
export type Theme = 'light' | 'dark';

export interface Session {
  lang: Lang;
  theme: Theme;
  screen: Screen;
  /** The encounter the Recording/Review/Export screens work on. */
  encounterId: number | null;
  info: Info | null;
  error: ApiError | null;
}

export interface KV {
  getItem(k: string): string | null;
  setItem(k: string, v: string): void;
}

export function isScreen(s: unknown): s is Screen {
  return typeof s === 'string' && (screens as string[]).includes(s);
}

export const screenTitleKey: Record<Screen, MessageKey> = {
  home: 'nav.home',
  recording: 'nav.recording',
  review: 'nav.review',
  queue: 'nav.queue',
  export: 'nav.export',
  settings: 'nav.settings',
};

export function createAppState(api: Api, kv: KV | null) {
  const saved = kv?.getItem('greffier.lang');
  const savedTheme = kv?.getItem('greffier.theme');
  const session: Store<Session> = createStore<Session>({
    lang: isLang(saved) ? saved : 'en',
    theme: savedTheme === 'dark' ? 'dark' : 'light',
    screen: 'home',
    encounterId: null,
    info: null,
    error: null,
  });
  const today: Store<EncounterSummary[] | null> = createStore<EncounterSummary[] | null>(null);

  const t = (key: MessageKey, vars?: Record<string, string | number>) => translate(session.get().lang, key, vars);

  function updateTitle() {
    const s = session.get();
    api.setTitle(`${translate(s.lang, 'app.name')} — ${translate(s.lang, screenTitleKey[s.screen])}`);
  }

  function reportError(e: unknown) {
    session.set((s) => ({ ...s, error: toApiError(e) }));
  }

  return {
    api,
    session,
    today,
    t,
    reportError,
    clearError: () => session.set((s) => ({ ...s, error: null })),

    /** start loads the app info; an explicit lang (GREFFIER_LANG) wins over the saved one. */
    async start(): Promise<void> {
      try {
        const info = await api.settings.info();
        session.set((s) => ({
          ...s,
          info,
          screen: isScreen(info.start_screen) ? info.start_screen : 'home',
        }));
        if (isLang(info.start_language)) {
          await this.setLang(info.start_language);
        } else {
          await api.settings.setLanguage(session.get().lang);
        }
      } catch (e) {
        reportError(e);
      }
      updateTitle();
    },

    go(screen: Screen, encounterId?: number) {
      session.set((s) => ({ ...s, screen, encounterId: encounterId ?? s.encounterId }));
      updateTitle();
    },

    async setLang(lang: Lang): Promise<void> {
      session.set((s) => ({ ...s, lang }));
      kv?.setItem('greffier.lang', lang);
      updateTitle();
      try {
        await api.settings.setLanguage(lang);
      } catch (e) {
        reportError(e);
      }
    },

    toggleTheme() {
      const theme: Theme = session.get().theme === 'dark' ? 'light' : 'dark';
      session.set((s) => ({ ...s, theme }));
      kv?.setItem('greffier.theme', theme);
    },

    async loadToday(): Promise<void> {
      try {
        today.set(await api.encounters.today());
      } catch (e) {
        reportError(e);
      }
    },
  };
}

export type AppState = ReturnType<typeof createAppState>;
