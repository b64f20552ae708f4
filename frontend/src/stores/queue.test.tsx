// The review queue's filters: the store sends them (the clinic server filters) or
// applies them (the laptop's own queue), and the Queue screen renders the store and
// calls its actions. The screen is rendered to a string; its handlers are taken from
// the rendered elements (preact's vnode hook) and called as the browser would.
import { options, type VNode } from 'preact';
import { renderToString } from 'preact-render-to-string';
import { describe, expect, it } from 'vitest';
import { createApi, type Queue as QueueData } from '../api';
import { Queue } from '../screens/Queue';
import type { QueueItem } from '../serverApi';
import { createAppState } from '../state';
import { fakeTransport, memKV } from '../testutil';
import { day, noFilter } from './queue';

const at = (d: string) => new Date(`${d}T10:00:00`).getTime();
const item = (id: number, state: QueueItem['state'], physician: string | undefined, d: string): QueueItem => ({
  id,
  patient_label: `P-${id}`,
  state,
  created_at: at(d),
  updated_at: at(d),
  started_at: at(d),
  physician,
});
const all = [
  item(1, 'drafted', 'Dr House', '2026-03-01'),
  item(2, 'drafted', 'Dr Quinn', '2026-03-02'),
  item(3, 'in_review', 'Dr Quinn', '2026-03-02'),
  item(4, 'approved', undefined, '2026-02-27'),
];

/** serverLike answers Encounters.Queue as GET /api/encounters does: filtered. */
function serverLike(asked: unknown[]) {
  return (arg?: unknown) => {
    const f = (arg ?? {}) as { state?: string; physician?: string; from?: string; to?: string };
    asked.push(f);
    const keep = (s: string) =>
      all.filter((e) => e.state === s && (!f.state || f.state === s) && (!f.physician || e.physician === f.physician) && (!f.from || day(e.started_at!) >= f.from) && (!f.to || day(e.started_at!) <= f.to));
    return { drafted: keep('drafted'), in_review: keep('in_review'), approved: keep('approved') } satisfies QueueData;
  };
}

function app(name: 'server' | 'http', handlers: Record<string, (...a: unknown[]) => unknown>, lang: 'en' | 'fr' = 'en') {
  const f = fakeTransport(handlers);
  const kv = memKV();
  kv.setItem('greffier.lang', lang);
  return { st: createAppState(createApi({ ...f.t, name }), kv), f };
}

/** render renders the screen and keeps its elements, to find a handler by test id. */
function render(st: ReturnType<typeof app>['st']) {
  const seen: VNode[] = [];
  const prev = options.vnode;
  options.vnode = (v) => {
    seen.push(v);
    prev?.(v);
  };
  let html: string;
  try {
    html = renderToString(<Queue state={st} />);
  } finally {
    options.vnode = prev;
  }
  const el = (id: string) => {
    const v = seen.find((x) => typeof x.type === 'string' && (x.props as Record<string, unknown>)['data-testid'] === id);
    if (!v) throw new Error(`no element ${id}`);
    return v.props as Record<string, (e: unknown) => void>;
  };
  /** change is what the browser does when the user picks value in the element id. */
  const change = (id: string, value: string) => el(id).onChange!({ currentTarget: { value } });
  return { html, el, change };
}

/** settle lets the actions the handlers started finish. */
const settle = () => new Promise((r) => setTimeout(r, 0));

describe('the review queue on the clinic server', () => {
  it('renders every physician\'s items, then the filtered ones as the filters change', async () => {
    const asked: unknown[] = [];
    const { st } = app('server', { 'Encounters.Queue': serverLike(asked), 'Clinic.Physicians': () => [{ id: 2, name: 'Dr Quinn' }, { id: 1, name: 'Dr House' }] });
    await st.queueView.loadPhysicians();
    await st.loadQueue();
    let r = render(st);
    expect(r.html).toContain('P-1');
    expect(r.html).toContain('P-3');
    expect(r.html).toContain('Dr House');
    expect(r.html).toContain('physician unknown');
    // The physicians' list is the server's, sorted.
    expect(r.html.indexOf('<option value="Dr House"')).toBeLessThan(r.html.indexOf('<option value="Dr Quinn"'));
    expect(r.html).not.toContain('data-testid="queue-no-match"');

    r.change('filter-physician', 'Dr Quinn');
    await settle();
    expect(st.queueView.filter.get()).toEqual({ ...noFilter, physician: 'Dr Quinn' });
    expect(asked.at(-1)).toEqual({ ...noFilter, physician: 'Dr Quinn' });
    r = render(st);
    expect(r.html).not.toContain('P-1');
    expect(r.html).toContain('P-2');
    expect(r.html).toContain('P-3');

    r.change('filter-state', 'in_review');
    await settle();
    r = render(st);
    expect(asked.at(-1)).toEqual({ ...noFilter, physician: 'Dr Quinn', state: 'in_review' });
    // Only the chosen state's group shows (the E2E's selectors stay: queue-in-review).
    expect(r.html).toContain('data-testid="queue-in-review"');
    expect(r.html).not.toContain('data-testid="queue-drafted"');
    expect(r.html).toContain('P-3');
    expect(r.html).not.toContain('P-2');

    r.change('filter-from', '2026-03-03');
    await settle();
    r = render(st);
    expect(asked.at(-1)).toEqual({ state: 'in_review', physician: 'Dr Quinn', from: '2026-03-03', to: '' });
    expect(r.html).toContain('data-testid="queue-no-match"');
    expect(r.html).toContain('No encounter matches these filters.');
    expect(r.html).not.toContain('P-3');

    r.el('filter-reset').onClick!({});
    await settle();
    r = render(st);
    expect(st.queueView.filter.get()).toEqual(noFilter);
    expect(r.html).toContain('P-1');
    expect(r.html).toContain('P-4');
  });

  it('speaks French; without the server\'s list the names come from the items', async () => {
    const { st } = app('server', { 'Encounters.Queue': serverLike([]), 'Clinic.Physicians': () => Promise.reject(new Error('404')) }, 'fr');
    await st.queueView.loadPhysicians();
    await st.loadQueue();
    expect(st.queueView.physicians.get()).toEqual(['Dr House', 'Dr Quinn']);
    await st.queueView.setFilter({ to: '2026-02-01' });
    const { html } = render(st);
    expect(html).toContain('Tous les médecins');
    expect(html).toContain('Aucune consultation ne correspond à ces filtres.');
    expect(html).toContain('Effacer les filtres');
    // The names stay offered while the filter hides their items.
    expect(st.queueView.physicians.get()).toEqual(['Dr House', 'Dr Quinn']);
    expect(st.session.get().error).toBeNull();
  });

  it('a server that names no physician: no "unknown" beside each item, the filter disabled', async () => {
    const bare = { ...all[0]!, physician: undefined };
    const { st } = app('server', {
      'Encounters.Queue': () => ({ drafted: [bare], in_review: [], approved: [] }),
      'Clinic.Physicians': () => Promise.reject(new Error('404')),
    });
    await st.queueView.loadPhysicians();
    await st.loadQueue();
    const { html } = render(st);
    expect(html).toContain('P-1');
    expect(html).not.toContain('physician unknown');
    expect(html).toMatch(/<select data-testid="filter-physician"[^>]*disabled/);
  });

  it('shows the answer to the last filter, not a slower earlier one', async () => {
    const waits: ((q: QueueData) => void)[] = [];
    const { st } = app('server', { 'Encounters.Queue': () => new Promise<QueueData>((res) => waits.push(res)) });
    const first = st.queueView.setFilter({ state: 'drafted' });
    const second = st.queueView.setFilter({ state: 'approved' });
    waits[1]!({ drafted: [], in_review: [], approved: [all[3]!] });
    await second;
    waits[0]!({ drafted: [all[0]!], in_review: [], approved: [] });
    await first;
    expect(st.queue.get()?.approved.map((e) => e.id)).toEqual([4]);
    expect(st.queue.get()?.drafted).toEqual([]);
  });

  it('a refused filter is shown in the error banner, the last list kept', async () => {
    let refuse = false;
    const ok = serverLike([]);
    const { st } = app('server', {
      'Encounters.Queue': (f) => {
        if (refuse) throw new Error(JSON.stringify({ code: 'invalid', message: 'No user named "X" to filter by.' }));
        return ok(f);
      },
    });
    await st.loadQueue();
    refuse = true;
    await st.queueView.setFilter({ physician: 'X' });
    expect(st.session.get().error).toMatchObject({ code: 'invalid' });
    expect(st.queue.get()?.drafted).toHaveLength(2);
  });
});

describe('the review queue on the laptop', () => {
  it('asks the binding without a filter and filters by state and days itself; no physician filter', async () => {
    const { st, f } = app('http', {
      'Encounters.Queue': (...a: unknown[]) => {
        expect(a).toEqual([]);
        return serverLike([])();
      },
    });
    await st.loadQueue();
    let r = render(st);
    expect(r.html).not.toContain('data-testid="filter-physician"');
    expect(r.html).not.toContain('Dr House');
    r.change('filter-from', '2026-03-02');
    await settle();
    expect(st.queue.get()).toEqual({ drafted: [all[1]], in_review: [all[2]], approved: [] });
    r = render(st);
    r.change('filter-state', 'approved');
    await settle();
    expect(st.queue.get()).toEqual({ drafted: [], in_review: [], approved: [] });
    expect(render(st).html).toContain('No encounter matches these filters.');
    expect(f.calls.filter((c) => c === 'Encounters.Queue')).toHaveLength(3);
  });
});
