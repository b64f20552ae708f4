// Documents drafted from the note (app/documents.go): patient instructions and a
// referral letter for the open encounter — list, draft, edit a part, sign with the
// password, export.
import type { DocumentInfo, DocumentView, ExportResult } from '../api';
import { createStore } from '../store';
import type { StoreContext } from './context';

export const documentKinds = ['instructions', 'referral'] as const;
export type DocumentKind = (typeof documentKinds)[number];

export function createDocuments(ctx: StoreContext) {
  const { api } = ctx;
  const list = createStore<DocumentInfo[]>([]);
  const open = createStore<DocumentView | null>(null);
  const exported = createStore<ExportResult | null>(null);
  let encId = 0;

  async function refresh() {
    const l = await ctx.guard(() => api.documents.list(encId));
    if (l) list.set(l);
  }

  function show(v: DocumentView | undefined) {
    if (!v) return undefined;
    open.set(v);
    exported.set(null);
    void refresh();
    return v;
  }

  return {
    list,
    open,
    exported,

    /** load shows the documents of encounter id (none open). */
    async load(id: number) {
      encId = id;
      open.set(null);
      exported.set(null);
      list.set([]);
      if (id > 0) await refresh();
    },

    /** openKind opens the latest version of a document, or drafts it if there is none. */
    async openKind(kind: DocumentKind, lang = '') {
      const has = list.get().some((d) => d.kind === kind);
      return show(await ctx.guard(() => (has ? api.documents.get(encId, kind, 0) : api.documents.draft(encId, kind, lang, ''))));
    },

    close: () => open.set(null),

    /** savePart saves what was typed as one part, from the version shown. */
    async savePart(key: string, text: string) {
      const v = open.get();
      if (!v) return undefined;
      const nv = show(await ctx.guard(() => api.documents.savePart(encId, v.kind, key, text, v.version)));
      if (nv) ctx.notify('documents.saved', { v: nv.version });
      return nv;
    },

    /** sign signs the version shown with the physician's password. */
    async sign(password: string) {
      const v = open.get();
      if (!v) return undefined;
      const nv = show(await ctx.guard(() => api.documents.sign(encId, v.kind, v.version, password)));
      if (nv) ctx.notify('documents.signedNotice', { v: nv.version });
      return nv;
    },

    /** exportAs writes the signed document to the exports folder. */
    async exportAs(format: 'pdf' | 'fhir') {
      const v = open.get();
      if (!v) return undefined;
      const r = await ctx.guard(() => api.documents.export(encId, v.kind, format, ''));
      if (r) {
        exported.set(r);
        ctx.notify('export.done');
      }
      return r;
    },
  };
}

export type DocumentsStore = ReturnType<typeof createDocuments>;
