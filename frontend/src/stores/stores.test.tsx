/// <reference types="vite/client" />
import { renderToString } from 'preact-render-to-string';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, createApi, httpTransport, toApiError, type DraftView } from '../api';
import { ErrorBanner } from '../components/ErrorBanner';
import { Settings } from '../screens/Settings';
import { appWith, failWith, info } from '../testutil';
import { createAppState } from '../state';
import { POLL_MS } from './review';

afterEach(() => vi.useRealTimers());

const draft = {
  encounter_id: 7,
  state: 'approved',
  version: 2,
  latest_version: 2,
  approved_version: 2,
  author: 'Dr A',
  created_at: 0,
  note: {},
  codes: [],
} as unknown as DraftView;

describe('components reach Go only through actions', () => {
  it('no screen or component imports the API module for a value or reaches state.api', () => {
    const files = import.meta.glob<string>(['../screens/*.tsx', '../components/*.tsx'], { query: '?raw', import: 'default', eager: true });
    expect(Object.keys(files).length).toBeGreaterThan(5);
    for (const [f, src] of Object.entries(files)) {
      // Types from the API module are fine; a value import (createApi, defaultApi...) is not.
      expect(src, f).not.toMatch(/^import \{[^}]*\} from '\.\.\/api';/m);
      expect(src, f).not.toMatch(/\bapi\.(settings|encounters|recording|drafts|templates|export)\b/);
    }
  });

  it('the app state does not hand the API to components', () => {
    const { st } = appWith({});
    expect('api' in st).toBe(false);
  });
});

describe('errors are shown, translated', () => {
  it('an error the frontend sees itself is translated when shown', async () => {
    const fetch = vi.fn().mockRejectedValue(new TypeError('connection refused'));
    const st = createAppState(createApi(httpTransport('', { fetch })), null);
    await st.loadToday();
    expect(st.session.get().error).toMatchObject({ code: 'unavailable', key: 'error.unreachable' });
    expect(renderToString(<ErrorBanner state={st} />)).toContain('Greffier cannot be reached (TypeError: connection refused).');
    await st.setLang('fr');
    expect(renderToString(<ErrorBanner state={st} />)).toContain('Greffier est injoignable (TypeError: connection refused).');
  });

  it('an unexpected failure keeps its text as the detail', () => {
    const e = toApiError(new Error('x is undefined'));
    expect(e).toMatchObject({ code: 'internal', key: 'error.unexpected', vars: { detail: 'x is undefined' } });
  });

  it('a Go error is shown as Go wrote it (already in the user language)', () => {
    const { st } = appWith({}, 'fr');
    st.reportError(new Error(JSON.stringify({ code: 'forbidden', message: 'Interdit : seul un médecin signe.' })));
    const html = renderToString(<ErrorBanner state={st} />);
    expect(html).toContain('Interdit : seul un médecin signe.');
    expect(html).toContain('data-code="forbidden"');
  });
});

describe('export', () => {
  it('copies the clipboard format and reports a failed copy instead of "Exported"', async () => {
    const handlers = {
      'Export.Run': () => ({ format: 'clipboard', bytes: 5, text: 'note!' }),
      'Drafts.Get': () => draft,
    };
    const { st } = appWith(handlers, 'fr');
    st.session.set((s) => ({ ...s, encounterId: 7 }));
    const copied: string[] = [];
    vi.stubGlobal('navigator', { clipboard: { writeText: async (s: string) => void copied.push(s) } });
    await st.exporter.run(7, 'clipboard');
    expect(copied).toEqual(['note!']);
    expect(st.session.get().notice).toBe('Exportée.');
    vi.stubGlobal('navigator', { clipboard: { writeText: () => Promise.reject(new Error('denied')) } });
    await st.exporter.run(7, 'clipboard');
    expect(st.session.get().error).toMatchObject({ key: 'error.clipboard' });
    expect(renderToString(<ErrorBanner state={st} />)).toContain("La note n'a pas été copiée dans le presse-papiers : denied");
    vi.unstubAllGlobals();
  });

  it('sends the folder (no user: Go acts as the session user), and shows a refused export', async () => {
    const runs: unknown[] = [];
    const { st } = appWith({
      'Export.DefaultDir': () => '/home/dr/exports',
      'Export.Run': (req) => {
        runs.push(req);
        throw new Error(JSON.stringify({ code: 'conflict', message: 'Not possible now: not approved' }));
      },
    });
    await st.exporter.prepare();
    expect(st.exporter.dir.get()).toBe('/home/dr/exports');
    expect(await st.exporter.run(7, 'pdf')).toBeUndefined();
    expect(runs).toEqual([{ encounter_id: 7, format: 'pdf', dir: '/home/dr/exports' }]);
    expect(st.session.get().error?.code).toBe('conflict');
    expect(st.exporter.result.get()).toBeNull();
  });
});

describe('drafting jobs', () => {
  it('reports a failed poll instead of waiting silently, and still ends on the job event', async () => {
    vi.useFakeTimers();
    const { st } = appWith({
      'Drafts.StartGenerate': () => ({ id: 'draft-1', kind: 'draft', encounter_id: 7, state: 'running', progress: 0 }),
      'Encounters.Job': failWith('not_found', 'Not found: job draft-1'),
    });
    const run = st.review.generate(7);
    await vi.advanceTimersByTimeAsync(POLL_MS + 10);
    expect(st.session.get().error).toMatchObject({ code: 'not_found' });
    st.onEvents([{ kind: 'job', data: { id: 'draft-1', kind: 'draft', encounter_id: 7, state: 'cancelled', progress: 0.3 } }]);
    expect((await run)?.state).toBe('cancelled');
    expect(st.session.get().notice).toBe('Drafting cancelled: the previous version is kept.');
  });

  it('redrafts a section on top of the latest version', async () => {
    const args: unknown[] = [];
    const { st } = appWith({
      'Drafts.StartRegenerateSection': (...a) => {
        args.push(a);
        return { id: 'draft-2', kind: 'draft', encounter_id: 7, state: 'failed', progress: 0, error: { code: 'unavailable', message: 'No model' } };
      },
    });
    st.draft.set({ ...draft, latest_version: 5 });
    const end = await st.review.regenerateSection('plan');
    expect(args).toEqual([[7, 'plan', 5]]);
    expect(end?.state).toBe('failed');
    expect(st.session.get().error).toEqual(new ApiError('unavailable', 'No model'));
  });

  it('versions and diffs land in their stores; another encounter puts the diff away', async () => {
    const { st } = appWith({
      'Drafts.Versions': () => [{ version: 1, author: 'greffier', created_at: 0 }],
      'Drafts.Diff': () => [{ op: '+', text: 'new line' }],
    });
    await st.review.loadVersions(7);
    expect(st.review.versions.get().value).toHaveLength(1);
    await st.review.showDiff(7, 1, 2);
    expect(st.review.diff.get()).toEqual([{ op: '+', text: 'new line' }]);
    await st.review.loadVersions(8);
    expect(st.review.diff.get()).toBeNull();
  });
});

describe('settings', () => {
  it('shows each list that failed to load where it would be, in the user language', async () => {
    const { st } = appWith(
      {
        'Settings.Models': failWith('unavailable', 'Indisponible : dossier des modèles'),
        'Settings.Catalogue': () => [{ Name: 'base', SizeMiB: 142, SHA1: 'x' }],
        'Settings.Preferences': failWith('internal', 'Erreur interne'),
      },
      'fr',
    );
    st.session.set((s) => ({ ...s, info }));
    await Promise.all([st.settings.loadModels(), st.settings.loadCatalogue(), st.settings.loadPreferences()]);
    expect(st.settings.catalogue.get().value).toHaveLength(1);
    const html = renderToString(<Settings state={st} />);
    expect(html).toContain('Chargement impossible : Indisponible : dossier des modèles');
    expect(html).toContain('Chargement impossible : Erreur interne');
  });

  it('keeps the language model check result, success or failure, translated', async () => {
    let ok = true;
    const { st } = appWith({ 'Settings.TestLLM': () => (ok ? 'pong' : failWith('unavailable', 'Unavailable: no answer')()) });
    await st.settings.testLLM('http://127.0.0.1:8080');
    expect(st.settings.llmCheck.get()).toEqual({ ok: true, text: st.t('settings.llmOk') });
    ok = false;
    await st.settings.testLLM('http://127.0.0.1:8080');
    expect(st.settings.llmCheck.get()).toEqual({ ok: false, text: 'Unavailable: no answer' });
  });

  it('says which model sizes fit this computer and the one advised', async () => {
    const prefs = { retention_days: 30, llm_endpoint: '', llm_model: '', clinic_name: 'C', idle_lock_minutes: 5 };
    const { st } = appWith(
      {
        'Settings.Preferences': () => prefs,
        'Settings.ModelFit': () => ({
          sizes: [
            { key: '1b', name: 'Llama-3.2-1B', fits: true, context: 16384, need_mib: 1500 },
            { key: '3b', name: 'Llama-3.2-3B', fits: true, context: 16384, need_mib: 3900 },
            { key: '8b', name: 'Llama-3.1-8B', fits: false, need_mib: 7800 },
          ],
          suggested: '1b',
          cores: 2,
          budget_mib: 6144,
        }),
      },
      'fr',
    );
    st.session.set((s) => ({ ...s, info }));
    st.auth.apply({ state: 'active', user: { id: 1, name: 'A', role: 'admin' }, idle_lock_minutes: 5, has_model: true });
    await Promise.all([st.settings.loadPreferences(), st.settings.loadModelFit()]);
    const html = renderToString(<Settings state={st} />);
    expect(html).toContain('Tailles de modèle qui tiennent sur cet ordinateur (Q4_K_M) : 1B, 3B.');
    expect(html).toContain('Conseillé : 1B (2 cœurs, 6.0 Gio pour le modèle).');
  });

  it('tracks the jobs it starts and saves preferences (as the session user, in Go)', async () => {
    const saved: unknown[] = [];
    const prefs = { retention_days: 30, llm_endpoint: '', llm_model: '', clinic_name: 'C', idle_lock_minutes: 5 };
    const { st } = appWith({
      'Settings.PullModel': (name) => ({ id: 'download-1', kind: 'download', encounter_id: 0, state: 'running', progress: 0, stage: name }),
      'Settings.TestDevice': (dev, ms) => ({ id: 'devicetest-2', kind: 'devicetest', encounter_id: 0, state: 'running', progress: 0, stage: `${dev}/${ms}` }),
      'Settings.SavePreferences': (...a) => {
        saved.push(a);
        return a[0];
      },
    });
    await st.settings.pullModel('base');
    await st.settings.testDevice('hw:1');
    expect(Object.keys(st.jobs.get())).toEqual(['download-1', 'devicetest-2']);
    expect(st.jobs.get()['devicetest-2']?.stage).toBe('hw:1/5000');
    expect(await st.settings.savePreferences(prefs)).toBe(true);
    expect(saved).toEqual([[prefs]]);
    expect(st.settings.preferences.get().value).toEqual(prefs);
    expect(st.session.get().notice).toBe('Settings saved.');
  });
});

describe('templates', () => {
  it('saves, then shows the saved copy and reloads the list; a refused YAML is shown', async () => {
    let lists = 0;
    const { st } = appWith({
      'Settings.Templates': () => {
        lists++;
        return [{ key: 'soap', title: 'SOAP' }];
      },
      'Templates.Save': (yaml) => {
        if (yaml === 'bad') throw new Error(JSON.stringify({ code: 'invalid', message: 'Invalid: line 1' }));
        return { key: 'soap', builtin: false, yaml };
      },
    });
    await st.templates.save('key: soap', 'en');
    expect(st.templates.source.get()).toEqual({ key: 'soap', builtin: false, yaml: 'key: soap' });
    expect(st.session.get().notice).toBe('Template soap saved.');
    await new Promise((r) => setTimeout(r, 0));
    expect(lists).toBe(1);
    await st.templates.save('bad', 'en');
    expect(st.session.get().error?.message).toBe('Invalid: line 1');
    expect(st.templates.source.get()?.yaml).toBe('key: soap');
  });
});
