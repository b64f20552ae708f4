// App-wide state: session (language, theme, screen), who is logged in (auth), the current
// encounter and its draft, jobs; the stores of one concern (recording, review, settings,
// templates, export) live in stores/, each with its actions. Actions call the API;
// components only render stores and call actions.
import type {
  Api,
  AppEvent,
  Code,
  DraftView,
  EncounterSummary,
  EncounterView,
  Info,
  Job,
  NewEncounter,
  Queue,
  PatientMatch,
  RecoveredEvent,
  Segment,
  SessionState,
  SessionUser,
  User,
  UserRole,
} from './api';
import { ApiError, toApiError } from './api';
import { isLang, translate, type Lang, type MessageKey } from './i18n';
import { createStore, type Store } from './store';
import { createAuth } from './stores/auth';
import { trackJob, type StoreContext } from './stores/context';
import { createExporter, type Clipboard } from './stores/export';
import { createHandoff } from './stores/handoff';
import { createQueueView } from './stores/queue';
import { createRecorder } from './stores/recording';
import { createReview } from './stores/review';
import { createDocuments } from './stores/documents';
import { createSettings } from './stores/settings';
import { createTemplates } from './stores/templates';

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
  /** A short confirmation for a screen reader and the eye ("Saved", "Exported"). */
  notice: string;
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

/** mergeSegment adds a live segment, replacing one with the same start (re-sent windows). */
export function mergeSegment(list: Segment[], seg: Segment): Segment[] {
  const out = list.filter((s) => s.start_ms !== seg.start_ms);
  out.push(seg);
  out.sort((a, b) => a.start_ms - b.start_ms);
  return out;
}

export function createAppState(api: Api, kv: KV | null) {
  const auth = createAuth(api);
  const saved = kv?.getItem('greffier.lang');
  const savedTheme = kv?.getItem('greffier.theme');
  const session: Store<Session> = createStore<Session>({
    lang: isLang(saved) ? saved : 'en',
    theme: savedTheme === 'dark' ? 'dark' : 'light',
    screen: 'home',
    encounterId: null,
    info: null,
    error: null,
    notice: '',
  });
  const today = createStore<EncounterSummary[] | null>(null);
  const users = createStore<User[]>([]);
  const encounter = createStore<EncounterView | null>(null);
  const live = createStore<Segment[]>([]);
  const draft = createStore<DraftView | null>(null);
  const jobs = createStore<Record<string, Job>>({});
  const queue = createStore<Queue | null>(null);

  const t = (key: MessageKey, vars?: Record<string, string | number>) => translate(session.get().lang, key, vars);

  /** updateTitle names the screen in the window title; before a user is in, the
   * setup, login or lock screen. */
  function updateTitle() {
    const s = session.get();
    const st = auth.state.get().session?.state;
    const key: MessageKey =
      st === 'setup' ? 'auth.titleSetup' : st === 'locked' ? 'auth.titleLocked' : st === 'active' ? screenTitleKey[s.screen] : 'auth.titleLogin';
    api.setTitle(`${translate(s.lang, 'app.name')} — ${translate(s.lang, key)}`);
  }


  function reportError(e: unknown) {
    const err = toApiError(e);
    // No session (logged out, or locked while idle): the login or lock screen
    // follows; there is nothing else to show.
    if (err.code === 'unauthenticated') {
      void auth.refresh();
      return;
    }
    session.set((s) => ({ ...s, error: err }));
  }

  function notify(key: MessageKey, vars?: Record<string, string | number>) {
    session.set((s) => ({ ...s, notice: translate(s.lang, key, vars), error: null }));
  }

  /** guard runs an action, turning its failure into the error banner. */
  async function guard<T>(f: () => Promise<T>): Promise<T | undefined> {
    try {
      return await f();
    } catch (e) {
      reportError(e);
      return undefined;
    }
  }

  async function reloadEncounter(id: number) {
    const v = await guard(() => api.encounters.get(id));
    if (v) {
      encounter.set(v);
      live.set(v.segments);
    }
  }

  const ctx: StoreContext = { api, jobs, t, guard, reportError, notify };
  const recorder = createRecorder(ctx, encounter, live);
  const review = createReview(ctx, { draft, encounterId: () => session.get().encounterId, loadDraft: (v) => state.loadDraft(v) });
  const settings = createSettings(ctx);
  const templates = createTemplates(ctx);
  const handoff = createHandoff(ctx);
  const documents = createDocuments(ctx);
  const queueView = createQueueView(ctx, queue);
  const exporter = createExporter(ctx, () => state.loadDraft(0), () => (globalThis.navigator as { clipboard?: Clipboard } | undefined)?.clipboard);

  // Recordings recovered at start, announced once whether the event or the list
  // asked at start comes first.
  const announced = new Set<number>();
  function announceRecovered(r: RecoveredEvent) {
    if (announced.has(r.encounter_id)) return;
    announced.add(r.encounter_id);
    notify('rec.recovered', { id: r.encounter_id, seconds: Math.round(r.seconds), segments: r.segments });
  }

  // Section saves run one after another, each from the version the previous one
  // saved: a pending edit of another section never goes with a stale base.
  let saveChain: Promise<unknown> = Promise.resolve();

  function onEvents(evs: AppEvent[]) {
    for (const ev of evs) {
      if (recorder.onEvent(ev) || handoff.onEvent(ev)) continue;
      switch (ev.kind) {
        case 'job': {
          const j = ev.data as Job;
          jobs.set((m) => ({ ...m, [j.id]: j }));
          if (j.state === 'failed' && j.error) session.set((s) => ({ ...s, error: new ApiError(j.error!.code, j.error!.message) }));
          if (j.state === 'done' && j.encounter_id === session.get().encounterId) void reloadEncounter(j.encounter_id);
          break;
        }
        case 'segment': {
          const d = ev.data as { encounter_id: number; segment: Segment };
          if (d.encounter_id === session.get().encounterId) live.set((l) => mergeSegment(l, d.segment));
          break;
        }
        case 'recovered':
          announceRecovered(ev.data as RecoveredEvent);
          break;
        case 'session':
          auth.apply(ev.data as SessionState);
          break;
      }
    }
  }

  const state = {
    /** canUpload: the browser uploads a picked file; the window opens a native dialog. */
    canUpload: api.canUpload,
    /** onServer: served by `greffier serve` (a login, signing with the password). */
    onServer: api.transport === 'server',
    session,
    auth,
    today,
    users,
    encounter,
    live,
    draft,
    jobs,
    queue,
    queueView,
    recorder,
    review,
    settings,
    templates,
    exporter,
    handoff,
    documents,
    t,
    reportError,
    notify,
    onEvents,
    clearError: () => session.set((s) => ({ ...s, error: null })),

    /** start loads the app info and asks who is logged in; an explicit lang
     * (GREFFIER_LANG) wins over the saved one. The app's data loads once a user is in. */
    async start(): Promise<void> {
      api.onEvents(onEvents);
      let startEncounter = 0;
      try {
        const info = await api.settings.info();
        session.set((s) => ({ ...s, info, screen: isScreen(info.start_screen) ? info.start_screen : 'home' }));
        startEncounter = info.start_encounter;
        if (isLang(info.start_language)) await state.setLang(info.start_language);
        else await api.settings.setLanguage(session.get().lang);
      } catch (e) {
        reportError(e);
      }
      updateTitle();
      // Each time a user gets in (setup, login, switch user), their data loads; when
      // they leave, what the screens held goes with them.
      let wasIn = false;
      let title = '';
      auth.state.subscribe((a) => {
        if (a.session?.state !== title) {
          title = a.session?.state ?? '';
          updateTitle();
        }
        const st = a.session?.state;
        const isIn = st === 'active' || st === 'locked';
        if (isIn && !wasIn) void state.enter(startEncounter).then(() => (startEncounter = 0));
        if (!isIn && wasIn) state.clearPatientData();
        wasIn = isIn;
      });
      await auth.refresh();
    },

    /** enter loads what a user who just got in sees. */
    async enter(startEncounter: number): Promise<void> {
      await state.loadUsers();
      // The clinic server's hand-off is the laptop's (the server is the clinic's copy).
      if (api.transport !== 'server') await Promise.all([handoff.loadServer(), handoff.loadQueue()]);
      if (startEncounter > 0) await state.open(startEncounter, session.get().screen);
      // Recordings recovered at start (also announced by a "recovered" event): a
      // failure here only loses the announcement, never the recording.
      api.recording.recovered().then((rs) => rs.forEach(announceRecovered), () => undefined);
    },

    /** clearPatientData forgets every patient's data the screens held (logout). */
    clearPatientData() {
      encounter.set(null);
      draft.set(null);
      live.set([]);
      today.set(null);
      queue.set(null);
      users.set([]);
      handoff.clear();
      session.set((s) => ({ ...s, encounterId: null, error: null, notice: '', screen: 'home' }));
    },

    go(screen: Screen, encounterId?: number) {
      session.set((s) => ({ ...s, screen, encounterId: encounterId ?? s.encounterId, notice: '' }));
      updateTitle();
    },

    async setLang(lang: Lang): Promise<void> {
      session.set((s) => ({ ...s, lang }));
      kv?.setItem('greffier.lang', lang);
      updateTitle();
      await guard(() => api.settings.setLanguage(lang));
    },

    toggleTheme() {
      const theme: Theme = session.get().theme === 'dark' ? 'light' : 'dark';
      session.set((s) => ({ ...s, theme }));
      kv?.setItem('greffier.theme', theme);
    },

    /** currentUser is the logged-in user (from the Go session). */
    currentUser(): SessionUser | undefined {
      return auth.state.get().session?.user;
    },

    async loadUsers(): Promise<void> {
      const us = await guard(() => api.settings.users());
      if (us) users.set(us);
    },

    /** createUser adds a user with their first password (an admin only). */
    async createUser(name: string, role: UserRole, password: string): Promise<User | undefined> {
      const u = await guard(() => api.settings.createUser(name, role, password));
      if (u) {
        await state.loadUsers();
        notify('settings.userAdded', { name: u.name });
      }
      return u;
    },

    /** setUserRole, disableUser and resetUserPassword are the admin's user changes;
     * users are named (no user id leaves the UI), and Go checks the admin. */
    async setUserRole(name: string, role: UserRole): Promise<void> {
      if (await guard(() => api.settings.setUserRole(name, role))) {
        await state.loadUsers();
        notify('settings.userChanged', { name });
      }
    },

    async disableUser(name: string): Promise<void> {
      if (await guard(() => api.settings.disableUser(name))) {
        await state.loadUsers();
        notify('settings.userDisabled', { name });
      }
    },

    /** changeOwnPassword changes the session user's own password: the old one proves it is them. */
    async changeOwnPassword(oldPassword: string, newPassword: string): Promise<boolean> {
      if (!(await guard(() => api.settings.changePassword(oldPassword, newPassword)))) return false;
      notify('settings.passwordChanged');
      return true;
    },

    async resetUserPassword(name: string, password: string): Promise<boolean> {
      const u = await guard(() => api.settings.resetUserPassword(name, password));
      if (!u) return false;
      await state.loadUsers();
      notify('settings.userChanged', { name });
      return true;
    },

    async loadToday(): Promise<void> {
      const xs = await guard(() => api.encounters.today());
      if (xs) today.set(xs);
    },

    async search(q: string): Promise<void> {
      const xs = await guard(() => (q.trim() ? api.encounters.search(q) : api.encounters.today()));
      if (xs) today.set(xs);
    },

    /** loadQueue loads the review queue as its filters select (stores/queue.ts). */
    loadQueue: (): Promise<void> => queueView.load(),

    /** newEncounter clears the current encounter and opens the intake form. */
    newEncounter() {
      encounter.set(null);
      draft.set(null);
      live.set([]);
      session.set((s) => ({ ...s, encounterId: null }));
      state.go('recording');
    },

    /** matchPatient is the existing patient a label names (null: a new label), shown
     * for confirmation before an encounter is filed under them; undefined on failure. */
    matchPatient: (label: string): Promise<PatientMatch | null | undefined> => guard(() => api.encounters.matchPatient(label)),

    async createEncounter(n: NewEncounter): Promise<EncounterView | undefined> {
      const v = await guard(() => api.encounters.create(n));
      if (v) {
        encounter.set(v);
        live.set(v.segments);
        draft.set(null);
        session.set((s) => ({ ...s, encounterId: v.id }));
        notify('rec.created', { label: v.patient_label });
      }
      return v;
    },

    /** open shows an encounter on the screen that fits its state. */
    async open(id: number, screen?: Screen): Promise<void> {
      session.set((s) => ({ ...s, encounterId: id }));
      draft.set(null);
      await reloadEncounter(id);
      const v = encounter.get();
      if (v && v.latest_version > 0) await state.loadDraft(0);
      state.go(screen ?? (v && v.latest_version > 0 ? 'review' : 'recording'), id);
    },

    /** importAudio sends a file to transcription: the browser uploads it, the window
     * passes a path from the native dialog. */
    async importAudio(file?: File): Promise<Job | undefined> {
      const enc = encounter.get();
      if (!enc) return undefined;
      return guard(async () => {
        let path: string;
        if (file) path = await api.upload(file);
        else path = await api.encounters.pickAudioFile();
        if (!path) return undefined;
        live.set([]);
        return trackJob(jobs, await api.encounters.importFile(enc.id, path));
      });
    },

    async cancelJob(id: string) {
      await guard(() => api.encounters.cancelJob(id));
    },

    /** draftThenReview drafts the note as a job (progress and Cancel shown where it
     * started) and opens the review once the new version is saved. */
    async draftThenReview(id: number) {
      const end = await review.generate(id);
      if (end?.state === 'done') await state.open(id, 'review');
    },

    async loadDraft(version: number) {
      const id = session.get().encounterId;
      if (id == null) return;
      const d = await guard(() => api.drafts.get(id, version));
      if (d) draft.set(d);
    },

    async saveSection(key: string, text: string): Promise<boolean> {
      const run = saveChain.then(async () => {
        const d = draft.get();
        if (!d) return false;
        const nd = await guard(() => api.drafts.saveSection(d.encounter_id, key, text, d.latest_version));
        if (!nd) return false;
        draft.set(nd);
        notify('review.saved', { v: nd.version });
        return true;
      });
      saveChain = run.catch(() => undefined);
      return run;
    },

    /** chooseSection settles a section holding two texts (-1 keeps the current one). */
    async chooseSection(key: string, choice: number): Promise<void> {
      const d = draft.get();
      if (!d) return;
      const nd = await guard(() => api.drafts.chooseSection(d.encounter_id, key, choice, d.latest_version));
      if (nd) draft.set(nd);
    },

    async setCode(code: string, title: string, status: Code['status']) {
      const d = draft.get();
      if (!d) return;
      const nd = await guard(() => api.drafts.setCode(d.encounter_id, code, title, status));
      if (nd) draft.set(nd);
    },

    async markReady() {
      const d = draft.get();
      if (!d) return;
      const nd = await guard(() => api.drafts.markReady(d.encounter_id));
      if (nd) {
        draft.set(nd);
        notify('review.markedReady');
      }
    },

    /** approve signs the latest version as the logged-in user, with their password
     * given again now (an electronic signature); true when signed. */
    async approve(password: string): Promise<boolean> {
      const d = draft.get();
      if (!d) return false;
      const nd = await guard(() => api.drafts.approve(d.encounter_id, d.latest_version, password));
      if (nd) {
        draft.set(nd);
        notify('review.approvedNotice', { v: nd.approved_version });
      }
      return !!nd;
    },
  };
  return state;
}

export type AppState = ReturnType<typeof createAppState>;
