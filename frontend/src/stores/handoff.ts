// Hand-off to the clinic server, from the laptop: the paired server (Settings), each
// encounter's place (local, queued, sent, and its state on the server), and the
// count of encounters waiting to be sent (the toolbar). The Go side sends the queue
// in the background and says so with "handoff" events.
import type { AppEvent, ClinicServer, HandoffEvent, HandoffState } from '../api';
import { createStore } from '../store';
import { createLoaded, load, type StoreContext } from './context';

/** Stage narrows HandoffState.stage (app/handoff.go's Stage* constants). */
export type Stage = 'local' | 'queued' | 'sent';

/** readOnly: a queued or sent encounter is the server's to edit and sign. */
export function readOnly(st: HandoffState | undefined): boolean {
  return !!st && st.stage !== 'local';
}

export function createHandoff(ctx: StoreContext) {
  const { api } = ctx;
  const server = createLoaded<ClinicServer>();
  /** queue is the last list asked for (its failure shown where the count would be). */
  const queue = createLoaded<HandoffState[]>();
  /** states by encounter id: what the list and the review screen show. */
  const states = createStore<Record<number, HandoffState>>({});
  const pending = createStore(0);
  const busy = createStore(false);

  const put = (st: HandoffState) => states.set((m) => ({ ...m, [st.encounter_id]: st }));

  async function loadQueue() {
    const list = await load(queue, () => api.handoff.queue());
    if (!list) return;
    const m: Record<number, HandoffState> = {};
    for (const st of list) m[st.encounter_id] = st;
    states.set(m);
    pending.set(list.filter((s) => s.stage === 'queued').length);
  }

  return {
    server,
    queue,
    states,
    pending,
    busy,

    async loadServer() {
      const cs = await load(server, () => api.handoff.server());
      if (cs) pending.set(cs.pending);
    },
    loadQueue,

    /** loadState asks where one encounter stands (the server's state when reachable). */
    async loadState(encId: number) {
      const st = await ctx.guard(() => api.handoff.state(encId));
      if (st) put(st);
      return st;
    },

    /** pair pairs with the clinic server (admins); true when paired. */
    async pair(url: string, fingerprint: string, code: string): Promise<boolean> {
      busy.set(true);
      try {
        const cs = await ctx.guard(() => api.handoff.pair(url, fingerprint, code));
        if (!cs) return false;
        server.set({ value: cs, error: null });
        pending.set(cs.pending);
        ctx.notify('handoff.paired', { url: cs.url ?? url });
        return true;
      } finally {
        busy.set(false);
      }
    },

    /** send queues the encounter for the server and tries it at once; offline, it
     * stays queued (read-only here) and goes later. */
    async send(encId: number): Promise<HandoffState | undefined> {
      busy.set(true);
      try {
        const st = await ctx.guard(() => api.handoff.send(encId));
        if (!st) return undefined;
        put(st);
        ctx.notify(st.stage === 'sent' ? 'handoff.sentNotice' : 'handoff.queuedNotice');
        return st;
      } finally {
        busy.set(false);
      }
    },

    /** onEvent takes the "handoff" events (the background sender); true if it was one. */
    onEvent(ev: AppEvent): boolean {
      if (ev.kind !== 'handoff') return false;
      const e = ev.data as HandoffEvent;
      pending.set(e.pending);
      if (e.sent > 0) void loadQueue();
      return true;
    },

    clear() {
      server.set({ value: null, error: null });
      queue.set({ value: null, error: null });
      states.set({});
      pending.set(0);
    },
  };
}

export type HandoffStore = ReturnType<typeof createHandoff>;
