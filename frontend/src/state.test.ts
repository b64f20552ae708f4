import { describe, expect, it, vi } from 'vitest';
import { createApi } from './api';
import { catalogues } from './i18n';
import { createAppState } from './state';
import { createStore } from './store';
import { enc, fakeTransport, info, memKV } from './testutil';

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

/** loggedIn answers the session calls as for a physician who is logged in. */
const loggedIn = {
  'Session.State': () => ({ state: 'active', user: { id: 2, name: 'Dr A', role: 'physician' }, idle_lock_minutes: 5, has_model: true }),
  'Recording.Recovered': () => [],
};

describe('app state', () => {
  it('titles the window with the setup or login screen until a user is in', async () => {
    let state = 'setup';
    const f = fakeTransport({ 'Settings.Info': () => info, 'Settings.SetLanguage': (l) => l, 'Session.State': () => ({ state, idle_lock_minutes: 0, has_model: false }) });
    const st = createAppState(createApi(f.t), memKV());
    await st.start();
    expect(f.titles.at(-1)).toBe('Greffier — First start');
    state = 'login';
    await st.auth.refresh();
    expect(f.titles.at(-1)).toBe('Greffier — Log in');
    expect(f.calls).not.toContain('Settings.Users');
  });

  it('starts on the screen the Go side asks for and titles the window', async () => {
    const f = fakeTransport({ 'Settings.Info': () => info, 'Settings.SetLanguage': (l) => l, 'Settings.Users': () => [], ...loggedIn });
    const st = createAppState(createApi(f.t), memKV());
    await st.start();
    expect(st.session.get().screen).toBe('settings');
    expect(f.titles.at(-1)).toBe('Greffier — Settings');
    st.go('home');
    expect(f.titles.at(-1)).toBe('Greffier — Home');
  });

  it('changes the own password with the old one, sending no user id', async () => {
    const args: unknown[][] = [];
    const f = fakeTransport({
      'Settings.Info': () => info,
      'Settings.SetLanguage': (l) => l,
      'Settings.Users': () => [],
      ...loggedIn,
      'Settings.ChangePassword': (...a) => {
        args.push(a);
        if (a[0] !== 'old password here') throw new Error(JSON.stringify({ code: 'forbidden', message: 'wrong password' }));
        return true;
      },
    });
    const st = createAppState(createApi(f.t), memKV());
    await st.start();
    expect(await st.changeOwnPassword('wrong', 'a new long password')).toBe(false);
    expect(st.session.get().error?.code).toBe('forbidden');
    expect(await st.changeOwnPassword('old password here', 'a new long password')).toBe(true);
    expect(st.session.get().notice).toBe('Your password is changed.');
    expect(args).toEqual([
      ['wrong', 'a new long password'],
      ['old password here', 'a new long password'],
    ]);
  });

  it('switches language at run time, remembers it and tells Go', async () => {
    const setLanguage = vi.fn((l: unknown) => l);
    const f = fakeTransport({ 'Settings.Info': () => ({ ...info, start_screen: 'home' }), 'Settings.SetLanguage': setLanguage, 'Settings.Users': () => [], ...loggedIn });
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

describe('encounter workflow state', () => {
  it('uploads a picked file in the browser and starts the import job', async () => {
    const calls: unknown[][] = [];
    const f = fakeTransport({
      'Encounters.Create': (n) => {
        calls.push(['create', n]);
        return enc;
      },
      'Encounters.ImportFile': (id, path) => {
        calls.push(['import', id, path]);
        return { id: 'import-1', kind: 'import', encounter_id: id, state: 'running', progress: 0 };
      },
    });
    f.t.upload = async (file: File) => `/data/uploads/${file.name}`;
    const st = createAppState(createApi(f.t), null);
    await st.createEncounter({ patient_label: 'P-7', patient_name: '', language: 'en', template: 'soap', consent: true, consent_kind: 'verbal' });
    expect(calls[0]).toEqual(['create', expect.objectContaining({ consent: true })]);
    expect(calls[0]![1]).not.toHaveProperty('user_id');
    expect(st.session.get().encounterId).toBe(7);
    const job = await st.importAudio(new File(['RIFF'], 'visit.wav'));
    expect(job?.id).toBe('import-1');
    expect(calls[1]).toEqual(['import', 7, '/data/uploads/visit.wav']);
    expect(st.jobs.get()['import-1']?.state).toBe('running');
  });

  it('applies batched events: live segments, job end reloads the encounter, levels', async () => {
    let gets = 0;
    const f = fakeTransport({
      'Encounters.Get': () => {
        gets++;
        return { ...enc, state: 'transcribed', segments: [{ id: 0, start_ms: 0, end_ms: 900, text: 'hello', turn: 0, token_prob: 1, min_token_prob: 1, no_speech_prob: 0 }] };
      },
    });
    const st = createAppState(createApi(f.t), null);
    st.encounter.set(enc);
    st.session.set((s) => ({ ...s, encounterId: 7 }));
    const seg = (start: number, text: string) => ({ id: 0, start_ms: start, end_ms: start + 500, text, turn: 0, token_prob: 1, min_token_prob: 1, no_speech_prob: 0 });
    st.onEvents([
      { kind: 'segment', data: { encounter_id: 7, segment: seg(1000, 'second') } },
      { kind: 'segment', data: { encounter_id: 7, segment: seg(0, 'first') } },
      { kind: 'segment', data: { encounter_id: 8, segment: seg(0, 'other encounter') } },
      { kind: 'level', data: { rms_dbfs: -23, peak_dbfs: -10 } },
    ]);
    expect(st.live.get().map((s) => s.text)).toEqual(['first', 'second']);
    expect(st.recorder.level.get()).toBe(-23);
    st.onEvents([{ kind: 'job', data: { id: 'import-1', kind: 'import', encounter_id: 7, state: 'done', progress: 1 } }]);
    await new Promise((r) => setTimeout(r, 0));
    expect(gets).toBe(1);
    expect(st.encounter.get()?.state).toBe('transcribed');
  });

  it('shows a failed job as an error in the user language', () => {
    const st = createAppState(createApi(fakeTransport({}).t), null);
    st.onEvents([{ kind: 'job', data: { id: 'j', kind: 'import', encounter_id: 1, state: 'failed', progress: 0.1, error: { code: 'invalid', message: 'Entrée invalide : fichier tronqué.' } } }]);
    expect(st.session.get().error).toMatchObject({ code: 'invalid', message: 'Entrée invalide : fichier tronqué.' });
  });

  it('saves a section on top of the version being edited and keeps the new draft', async () => {
    const draft = { encounter_id: 7, state: 'drafted', version: 1, latest_version: 1, approved_version: 0, author: 'greffier', created_at: 0, note: {}, codes: [] };
    const seen: unknown[] = [];
    const f = fakeTransport({
      'Drafts.SaveSection': (...args) => {
        seen.push(args);
        return { ...draft, version: 2, latest_version: 2, author: 'Dr A' };
      },
    });
    const st = createAppState(createApi(f.t), null);
    st.draft.set(draft as never);
    expect(await st.saveSection('subjective', 'Better today.')).toBe(true);
    expect(seen[0]).toEqual([7, 'subjective', 'Better today.', 1]);
    expect(st.draft.get()?.version).toBe(2);
    expect(st.session.get().notice).toBe('Saved as version 2.');
  });

  it('saves pending sections one after another, each from the version the previous one saved', async () => {
    const draft = { encounter_id: 7, state: 'drafted', version: 1, latest_version: 1, approved_version: 0, author: 'greffier', created_at: 0, note: {}, codes: [] };
    const bases: unknown[] = [];
    let v = 1;
    const f = fakeTransport({
      'Drafts.SaveSection': async (...args) => {
        bases.push(args[3]);
        await new Promise((r) => setTimeout(r, 5)); // the server takes a while
        v++;
        return { ...draft, version: v, latest_version: v };
      },
    });
    const st = createAppState(createApi(f.t), null);
    st.draft.set(draft as never);
    // Leaving the review screen flushes two sections at once.
    const both = await Promise.all([st.saveSection('subjective', 'a.'), st.saveSection('plan', 'b.')]);
    expect(both).toEqual([true, true]);
    expect(bases).toEqual([1, 2]);
    expect(st.draft.get()?.version).toBe(3);
  });

  it('announces a recording recovered at start once, from the event or the list', async () => {
    const rec = { encounter_id: 4, seconds: 12.4, segments: 3 };
    const f = fakeTransport({
      'Settings.Info': () => info,
      'Settings.SetLanguage': (l) => l,
      'Settings.Users': () => [],
      'Session.State': () => ({ state: 'active', user: { id: 2, name: 'Dr A', role: 'physician' }, idle_lock_minutes: 5, has_model: true }),
      'Recording.Recovered': () => [rec],
    });
    const st = createAppState(createApi(f.t), null);
    st.onEvents([{ kind: 'recovered', data: rec }]);
    expect(st.session.get().notice).toContain('encounter 4, 12 s of audio, 3 transcript segments');
    st.clearError();
    st.session.set((s) => ({ ...s, notice: '' }));
    await st.start();
    await new Promise((r) => setTimeout(r, 0));
    expect(f.calls).toContain('Recording.Recovered');
    expect(st.session.get().notice).toBe('');
  });

  it('matches a label to an existing patient and files under them only with their confirmed id', async () => {
    const known = { id: 9, local_id: 'P-1', name: 'Ana', birth_date: '1970-01-01' };
    const created: unknown[] = [];
    const f = fakeTransport({
      'Encounters.MatchPatient': (l) => (l === 'P-1' ? known : null),
      'Encounters.Create': (n) => {
        created.push(n);
        return { ...enc, segments: [] };
      },
    });
    const st = createAppState(createApi(f.t), null);
    expect(await st.matchPatient('P-1')).toEqual(known);
    expect(await st.matchPatient('P-2')).toBeNull();
    await st.createEncounter({ patient_label: 'P-1', patient_name: '', language: 'en', template: 'soap', consent: true, consent_kind: 'verbal', patient_id: known.id });
    expect(created).toEqual([expect.objectContaining({ patient_label: 'P-1', patient_id: 9 })]);
  });

  it('keeps the edit when saving fails (conflict) and reports it', async () => {
    const draft = { encounter_id: 7, state: 'drafted', version: 1, latest_version: 1, approved_version: 0, author: 'greffier', created_at: 0, note: {}, codes: [] };
    const f = fakeTransport({
      'Drafts.SaveSection': () => {
        throw '{"code":"conflict","message":"Not possible now: version 2 was saved"}';
      },
    });
    const st = createAppState(createApi(f.t), null);
    st.draft.set(draft as never);
    expect(await st.saveSection('plan', 'x')).toBe(false);
    expect(st.session.get().error?.code).toBe('conflict');
    expect(st.draft.get()?.version).toBe(1);
  });
});

describe('mergeSegment', () => {
  it('orders by start and replaces a re-sent window', async () => {
    const { mergeSegment } = await import('./state');
    const s = (start: number, text: string) => ({ id: 0, start_ms: start, end_ms: start + 1, text, turn: 0, token_prob: 0, min_token_prob: 0, no_speech_prob: 0 });
    const out = mergeSegment(mergeSegment([s(500, 'b')], s(0, 'a')), s(500, 'B'));
    expect(out.map((x) => x.text)).toEqual(['a', 'B']);
  });
});
