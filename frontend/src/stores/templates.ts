// Note templates: the list (intake form, editor) and the YAML being edited.
import type { TemplateInfo, TemplateSource } from '../api';
import type { Lang } from '../i18n';
import { createStore } from '../store';
import { createLoaded, load, type StoreContext } from './context';

export function createTemplates(ctx: StoreContext) {
  const { api } = ctx;
  const list = createLoaded<TemplateInfo[]>();
  const source = createStore<TemplateSource | null>(null);

  function saved(s: TemplateSource | undefined, lang: Lang): TemplateSource | undefined {
    if (!s) return undefined;
    source.set(s);
    ctx.notify('settings.templateSaved', { key: s.key });
    void load(list, () => api.settings.templates(lang));
    return s;
  }

  return {
    list,
    source,
    loadList: (lang: Lang) => load(list, () => api.settings.templates(lang)),

    async open(key: string) {
      const s = await ctx.guard(() => api.templates.get(key));
      if (s) source.set(s);
    },
    save: async (yaml: string, lang: Lang) => saved(await ctx.guard(() => api.templates.save(yaml)), lang),
    reset: async (key: string, lang: Lang) => saved(await ctx.guard(() => api.templates.reset(key)), lang),
  };
}

export type TemplatesStore = ReturnType<typeof createTemplates>;
