// Export: the destination folder and the last result; the clipboard format copies the
// text in the page (the Go side cannot reach the window's clipboard).
import { ApiError, type ExportResult } from '../api';
import { createStore } from '../store';
import type { StoreContext } from './context';

export const exportFormats = ['fhir', 'hl7', 'pdf', 'txt', 'clipboard'] as const;
export type ExportFormat = (typeof exportFormats)[number];

export interface Clipboard {
  writeText(text: string): Promise<void>;
}

export function createExporter(ctx: StoreContext, reload: () => Promise<void>, clipboard: () => Clipboard | undefined) {
  const { api } = ctx;
  const dir = createStore('');
  const result = createStore<ExportResult | null>(null);
  // What this install offers (on the clinic server, what its policy allows).
  const formats = createStore<ExportFormat[]>([...exportFormats]);

  async function copy(text: string) {
    const cb = clipboard();
    try {
      if (!cb) throw new Error('no clipboard');
      await cb.writeText(text);
    } catch (e) {
      const detail = e instanceof Error ? e.message : String(e);
      ctx.reportError(new ApiError('unavailable', detail, 'error.clipboard', { detail }));
      return false;
    }
    return true;
  }

  return {
    dir,
    result,
    formats,
    setDir: (d: string) => dir.set(d),

    /** copySection puts one section of the note (its title, then its text) on the
     * clipboard, for a letter or the EHR. */
    async copySection(title: string, text: string): Promise<boolean> {
      const ok = await copy(`${title}\n${text}`);
      if (ok) ctx.notify('review.copied', { title });
      return ok;
    },

    /** prepare readies the screen: the default folder, no result from an earlier export. */
    async prepare() {
      result.set(null);
      const d = await ctx.guard(() => api.export.defaultDir());
      if (d !== undefined) dir.set(d);
      const f = await ctx.guard(() => api.export.formats());
      if (f) formats.set(exportFormats.filter((x) => f.includes(x)));
    },

    async run(encounterId: number, format: ExportFormat): Promise<ExportResult | undefined> {
      const r = await ctx.guard(() =>
        api.export.run({ encounter_id: encounterId, format, dir: format === 'clipboard' ? '' : dir.get() }),
      );
      if (!r) return undefined;
      result.set(r);
      // The Go side has exported (and recorded it) even when the copy then fails.
      if (format !== 'clipboard' || !r.text || (await copy(r.text))) ctx.notify('export.done');
      await reload();
      return r;
    },
  };
}

export type Exporter = ReturnType<typeof createExporter>;
