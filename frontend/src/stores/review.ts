// Drafting jobs (the whole note or one section), the version history and its diffs,
// and the code search of the review screen.
import { ApiError, type CodeHit, type Destination, type DiffLine, type DraftView, type Job, type VersionInfo } from '../api';
import { createStore, type Store } from '../store';
import { createLoaded, load, type StoreContext } from './context';

/** POLL_MS is how often a running draft job is asked for its state, in case a "job"
 * event was missed (events carry it first). */
export const POLL_MS = 1000;

/** draftJobOf is the last drafting job of an encounter. */
export function draftJobOf(jobs: Record<string, Job>, encId: number): Job | undefined {
  const mine = Object.values(jobs).filter((j) => j.kind === 'draft' && j.encounter_id === encId);
  return mine[mine.length - 1];
}

export interface ReviewDeps {
  draft: Store<DraftView | null>;
  encounterId(): number | null;
  loadDraft(version: number): Promise<void>;
}

export function createReview(ctx: StoreContext, deps: ReviewDeps) {
  const { api, jobs } = ctx;
  const versions = createLoaded<VersionInfo[]>();
  const diff = createStore<DiffLine[] | null>(null);
  const codeHits = createStore<CodeHit[]>([]);
  /** Where a draft sends the transcript (shown before drafting); null until asked. */
  const destination = createStore<Destination | null>(null);
  let shownFor = 0; // the encounter whose versions (and diff) are shown

  /** follow waits for a job to end: "job" events first, a poll in case one was missed.
   * A failed poll is reported and polling stops; events still end the wait. */
  function follow(first: Job): Promise<Job> {
    // An event may already have told more than the first state: keep what is newer.
    const merge = (x: Job) => jobs.set((m) => (m[x.id] && m[x.id]!.state !== 'running' ? m : { ...m, [x.id]: x }));
    merge(first);
    return new Promise<Job>((resolve) => {
      let timer: ReturnType<typeof setInterval> | undefined;
      let unsub = () => {};
      const check = (m: Record<string, Job>) => {
        const x = m[first.id];
        if (x && x.state !== 'running') {
          unsub();
          clearInterval(timer);
          resolve(x);
        }
      };
      unsub = jobs.subscribe(check);
      timer = setInterval(
        () =>
          api.encounters.job(first.id).then(merge, (e: unknown) => {
            clearInterval(timer);
            ctx.reportError(e);
          }),
        POLL_MS,
      );
      check(jobs.get());
    });
  }

  /** runDraftJob starts a drafting job, follows it until it ends, then reloads the draft
   * (done), says it was cancelled (the previous version stays), or shows the error. */
  async function runDraftJob(start: () => Promise<Job>): Promise<Job | undefined> {
    const first = await ctx.guard(start);
    if (!first) return undefined;
    const end = await follow(first);
    if (end.state === 'done') {
      if (deps.encounterId() === end.encounter_id) {
        await deps.loadDraft(0);
        const d = deps.draft.get();
        if (d) ctx.notify('review.saved', { v: d.version });
      }
    } else if (end.state === 'cancelled') {
      ctx.notify('review.draftCancelled');
    } else if (end.error) {
      ctx.reportError(new ApiError(end.error.code, end.error.message));
    }
    return end;
  }

  return {
    destination,
    /** loadDestination asks where a draft would send the transcript now. */
    async loadDestination(): Promise<void> {
      const d = await ctx.guard(() => ctx.api.drafts.destination());
      if (d) destination.set(d);
    },
    versions,
    diff,
    codeHits,
    runDraftJob,

    /** generate drafts the whole note again (template and language "" keep the encounter's). */
    generate: (encId: number, template = '', lang = '') => runDraftJob(() => api.drafts.startGenerate(encId, template, lang)),

    /** regenerateSection redrafts one section on top of the latest version. */
    async regenerateSection(key: string): Promise<Job | undefined> {
      const d = deps.draft.get();
      if (!d) return undefined;
      return runDraftJob(() => api.drafts.startRegenerateSection(d.encounter_id, key, d.latest_version));
    },

    /** loadVersions lists the versions; a diff of another encounter is put away. */
    async loadVersions(encId: number) {
      if (encId !== shownFor) diff.set(null);
      shownFor = encId;
      await load(versions, () => api.drafts.versions(encId));
    },

    /** showDiff shows the changes from version `from` to `to`. */
    async showDiff(encId: number, from: number, to: number) {
      const d = await ctx.guard(() => api.drafts.diff(encId, from, to));
      if (d) diff.set(d);
    },

    async searchCodes(q: string) {
      const hits = await ctx.guard(() => api.drafts.searchCodes(q));
      if (hits) codeHits.set(hits);
    },
  };
}

export type Review = ReturnType<typeof createReview>;
