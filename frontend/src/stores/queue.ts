// The review queue's filters (the secretary's day): by state, physician and the days
// the encounters took place. On the clinic server the filter goes to GET
// /api/encounters (serverApi.ts); the laptop's own queue is filtered here, by state
// and days (it is one physician's).
import type { EncounterSummary, Queue } from '../api';
import type { QueueFilter, QueueItem, QueueState } from '../serverApi';
import { createStore, type Store } from '../store';
import type { StoreContext } from './context';

export type { QueueFilter, QueueItem, QueueState };

/** Filter is QueueFilter with every field present ('' is "any"). */
export type Filter = Required<QueueFilter>;

export const noFilter: Filter = { state: '', physician: '', from: '', to: '' };

/** filtered says whether f narrows the queue at all. */
export function filtered(f: Filter): boolean {
  return !!(f.state || f.physician || f.from || f.to);
}

/** day is the local day (YYYY-MM-DD) of a Unix ms time. */
export function day(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/** when is the time an item took place: started_at on the server, else its creation. */
export function when(e: QueueItem): number {
  return e.started_at || e.created_at;
}

/** filterLocal applies f to the laptop's queue (no physician there: one user's). */
export function filterLocal(q: Queue, f: Filter): Queue {
  const keep = (xs: EncounterSummary[]) =>
    xs.filter((e) => {
      const d = day(when(e));
      return (!f.from || d >= f.from) && (!f.to || d <= f.to);
    });
  const on = (s: QueueState) => !f.state || f.state === s;
  return {
    drafted: on('drafted') ? keep(q.drafted) : [],
    in_review: on('in_review') ? keep(q.in_review) : [],
    approved: on('approved') ? keep(q.approved) : [],
  };
}

/** physiciansIn are the physicians' names the items carry, sorted. */
export function physiciansIn(q: Queue): string[] {
  const names = new Set<string>();
  for (const e of [...q.drafted, ...q.in_review, ...q.approved] as QueueItem[]) if (e.physician) names.add(e.physician);
  return [...names].sort((a, b) => a.localeCompare(b));
}

/** createQueueView keeps the filter and loads the queue it selects into queue. */
export function createQueueView(ctx: StoreContext, queue: Store<Queue | null>) {
  const { api } = ctx;
  const onServer = api.transport === 'server';
  const filter = createStore<Filter>(noFilter);
  /** physicians: the names the physician filter offers (the server's list, else
   * the names the items carry). */
  const physicians = createStore<string[]>([]);
  let fromServer = false;
  // Filters change faster than the server answers: only the last request's answer shows.
  let seq = 0;

  async function load(): Promise<void> {
    const f = filter.get();
    const n = ++seq;
    const q = await ctx.guard(() => (onServer ? api.encounters.queue(f) : api.encounters.queue()));
    if (!q || n !== seq) return;
    queue.set(onServer ? q : filterLocal(q, f));
    if (onServer && !fromServer) {
      const known = new Set([...physicians.get(), ...physiciansIn(q)]);
      physicians.set([...known].sort((a, b) => a.localeCompare(b)));
    }
  }

  return {
    filter,
    physicians,
    /** onServer: the clinic server's queue, across physicians. */
    onServer,
    load,

    /** loadPhysicians asks the server who the physicians are; an older server
     * without the list leaves the names the items carry. */
    async loadPhysicians(): Promise<void> {
      if (!onServer) return;
      try {
        const ps = await api.encounters.physicians();
        fromServer = true;
        physicians.set(ps.map((p) => p.name).sort((a, b) => a.localeCompare(b)));
      } catch {
        fromServer = false;
      }
    },

    /** setFilter changes some filters and reloads the queue. */
    async setFilter(patch: Partial<Filter>): Promise<void> {
      filter.set((f) => ({ ...f, ...patch }));
      await load();
    },

    /** reset clears every filter and reloads the queue. */
    async reset(): Promise<void> {
      filter.set(noFilter);
      await load();
    },
  };
}

export type QueueView = ReturnType<typeof createQueueView>;
