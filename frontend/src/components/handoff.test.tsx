import { renderToString } from 'preact-render-to-string';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ClinicServer, DraftView, EncounterView, HandoffState, SessionState } from '../api';
import { Review } from '../screens/Review';
import { appWith, failWith } from '../testutil';
import { ClinicServerPanel } from './ClinicServer';
import { PendingCount, SendForReview } from './Handoff';

const fp = 'ab'.repeat(32);
const paired: ClinicServer = { paired: true, url: 'https://10.0.0.2:8443', fingerprint: fp, device_id: 3, paired_at: '2026-12-01T08:00:00Z', pending: 0 };
const as = (role: 'admin' | 'physician' | 'secretary'): SessionState => ({ state: 'active', user: { id: 1, name: 'U', role }, idle_lock_minutes: 5, has_model: true });
const local: HandoffState = { encounter_id: 7, stage: 'local', reachable: false };

function app(role: 'admin' | 'physician' | 'secretary', handlers: Record<string, (...a: unknown[]) => unknown> = {}, lang: 'en' | 'fr' = 'en') {
  const { st, f } = appWith(handlers, lang);
  st.auth.apply(as(role));
  return { st, f };
}

describe('Settings: clinic server', () => {
  it('an admin pairs with URL, fingerprint and code, then sees the server and its pin', async () => {
    let args: unknown[] = [];
    const { st } = app('admin', {
      'Handoff.Server': () => ({ paired: false, pending: 0 }),
      'Handoff.Pair': (...a: unknown[]) => {
        args = a;
        return paired;
      },
    });
    await st.handoff.loadServer();
    let html = renderToString(<ClinicServerPanel state={st} />);
    expect(html).toContain('data-testid="not-paired"');
    expect(html).toContain('data-testid="pair-form"');
    expect(await st.handoff.pair('https://10.0.0.2:8443', fp, 'AAAA-BBBB')).toBe(true);
    expect(args).toEqual(['https://10.0.0.2:8443', fp, 'AAAA-BBBB']);
    html = renderToString(<ClinicServerPanel state={st} />);
    expect(html).toContain('https://10.0.0.2:8443');
    expect(html).toContain(fp);
    expect(html).toContain('Pair again');
    expect(st.session.get().notice).toContain('certificate is pinned');
  });

  it('a physician sees the paired server but no pairing form', async () => {
    const { st } = app('physician', { 'Handoff.Server': () => paired }, 'fr');
    await st.handoff.loadServer();
    const html = renderToString(<ClinicServerPanel state={st} />);
    expect(html).toContain('Serveur du cabinet');
    expect(html).toContain(fp);
    expect(html).not.toContain('data-testid="pair-form"');
    expect(html).toContain('Seul un administrateur appaire cet ordinateur.');
  });

  it('a refused pairing shows the Go error and stays unpaired', async () => {
    const { st } = app('admin', { 'Handoff.Pair': failWith('forbidden', 'The certificate is not the pinned one.') });
    expect(await st.handoff.pair('https://x:1', fp, 'C')).toBe(false);
    expect(st.session.get().error?.message).toBe('The certificate is not the pinned one.');
    expect(st.handoff.server.get().value).toBeNull();
  });
});

describe('send for review', () => {
  it('offers the button to a physician on a paired laptop; sending queues it, then it is read-only', async () => {
    const queued: HandoffState = { encounter_id: 7, stage: 'queued', attempts: 1, last_error: 'unavailable', reachable: false };
    const { st, f } = app('physician', { 'Handoff.Server': () => paired, 'Handoff.Send': () => queued });
    await st.handoff.loadServer();
    st.handoff.states.set({ 7: local });
    const html = () => renderToString(<SendForReview state={st} encId={7} role="physician" draftState="drafted" />);
    expect(html()).toContain('data-testid="send-for-review"');
    await st.handoff.send(7);
    expect(f.calls).toContain('Handoff.Send');
    expect(html()).not.toContain('send-for-review');
    expect(html()).toContain('data-testid="read-only"');
    expect(html()).toContain('waiting to be sent');
    expect(st.session.get().notice).toContain('Queued');
  });

  it('says to pair first, and offers nothing to an admin or before a draft', async () => {
    const { st } = app('physician', { 'Handoff.Server': () => ({ paired: false, pending: 0 }) });
    await st.handoff.loadServer();
    expect(renderToString(<SendForReview state={st} encId={7} role="physician" draftState="drafted" />)).toContain('data-testid="pair-first"');
    st.handoff.server.set({ value: paired, error: null });
    expect(renderToString(<SendForReview state={st} encId={7} role="admin" draftState="drafted" />)).toBe('');
    expect(renderToString(<SendForReview state={st} encId={7} role="physician" draftState="transcribed" />)).toBe('');
  });

  it('shows the state on the server, or that the server is unreachable', () => {
    const { st } = app('physician', {}, 'fr');
    st.handoff.states.set({ 7: { encounter_id: 7, stage: 'sent', remote: 'ready', reachable: true } });
    expect(renderToString(<SendForReview state={st} encId={7} role="physician" draftState="drafted" />)).toContain('Sur le serveur du cabinet : prêt pour signature');
    st.handoff.states.set({ 7: { encounter_id: 7, stage: 'sent', reachable: false } });
    expect(renderToString(<SendForReview state={st} encId={7} role="physician" draftState="drafted" />)).toContain('Serveur du cabinet injoignable');
  });

  it('the review screen disables editing of a handed-off note', () => {
    const { st } = app('physician');
    const d = { encounter_id: 7, state: 'drafted', version: 1, latest_version: 1, approved_version: 0, author: 'Greffier', created_at: 0, note: { template: 'soap', language: 'en', problems: [], medications: [], allergies: [], vitals: [], orders: [], follow_up: [], patient_instructions: [], warnings: [], sections: [{ key: 'plan', title: 'Plan', sentences: [{ text: 'Rest.', evidence: [] }] }] }, codes: [] } as unknown as DraftView;
    const e = { id: 7, patient_label: 'P-7', state: 'drafted', latest_version: 1, segments: [] } as unknown as EncounterView;
    st.draft.set(d);
    st.encounter.set(e);
    st.handoff.states.set({ 7: local });
    expect(renderToString(<Review state={st} />)).not.toMatch(/<fieldset[^>]*disabled/);
    expect(renderToString(<Review state={st} />)).toContain('data-testid="copy-plan"');
    st.handoff.states.set({ 7: { encounter_id: 7, stage: 'sent', remote: 'sent', reachable: true } });
    expect(renderToString(<Review state={st} />)).toMatch(/<fieldset[^>]*disabled/);
  });
});

describe('unsent count', () => {
  it('follows the background sender events, and hides at zero', () => {
    const { st } = app('physician');
    expect(renderToString(<PendingCount state={st} />)).toBe('');
    st.onEvents([{ kind: 'handoff', data: { pending: 2, sent: 0, failed: 0, error: 'unavailable' } }]);
    expect(renderToString(<PendingCount state={st} />)).toContain('2 unsent');
    st.onEvents([{ kind: 'handoff', data: { pending: 0, sent: 0, failed: 0 } }]);
    expect(renderToString(<PendingCount state={st} />)).toBe('');
  });
});

describe('copy a section', () => {
  afterEach(() => vi.unstubAllGlobals());
  it('puts the section title and text on the clipboard and says so', async () => {
    const written: string[] = [];
    // Newer Node versions define navigator as a getter: stub it, never assign it.
    vi.stubGlobal('navigator', { clipboard: { writeText: async (s: string) => void written.push(s) } });
    const { st } = app('secretary', {}, 'fr');
    expect(await st.exporter.copySection('Plan', 'Repos.\nParacétamol.')).toBe(true);
    expect(written).toEqual(['Plan\nRepos.\nParacétamol.']);
    expect(st.session.get().notice).toBe('Plan copié dans le presse-papiers.');
  });

  it('says when the clipboard is not there', async () => {
    vi.stubGlobal('navigator', {});
    const { st } = app('secretary');
    expect(await st.exporter.copySection('Plan', 'Rest.')).toBe(false);
    expect(st.session.get().error?.key).toBe('error.clipboard');
  });
});
