// Settings: whisper models (installed and downloadable), preferences, the language
// model check, and the microphone test.
import type { CatalogueModel, ModelFit, ModelInfo, Preferences } from '../api';
import { toApiError } from '../api';
import { createStore } from '../store';
import { createLoaded, errorText, load, trackJob, type StoreContext } from './context';

/** DEVICE_TEST_MS is how long the microphone test records. */
export const DEVICE_TEST_MS = 5000;

export interface LLMCheck {
  ok: boolean;
  text: string;
}

export function createSettings(ctx: StoreContext) {
  const { api } = ctx;
  const models = createLoaded<ModelInfo[]>();
  const catalogue = createLoaded<CatalogueModel[]>();
  const preferences = createLoaded<Preferences>();
  const llmCheck = createStore<LLMCheck | null>(null);
  const modelFit = createLoaded<ModelFit>();
  return {
    models,
    modelFit,
    catalogue,
    preferences,
    llmCheck,

    loadModels: () => load(models, () => api.settings.models()),
    loadCatalogue: () => load(catalogue, () => api.settings.catalogue()),
    loadPreferences: () => load(preferences, () => api.settings.preferences()),
    loadModelFit: () => load(modelFit, () => api.settings.modelFit()),

    async savePreferences(p: Preferences): Promise<boolean> {
      const saved = await ctx.guard(() => api.settings.savePreferences(p));
      if (!saved) return false;
      preferences.set({ value: saved, error: null });
      ctx.notify('settings.saved');
      return true;
    },

    /** testLLM asks the endpoint for a reply; the outcome is shown beside the button. */
    async testLLM(endpoint: string) {
      llmCheck.set(null);
      try {
        await api.settings.testLLM(endpoint);
        llmCheck.set({ ok: true, text: ctx.t('settings.llmOk') });
      } catch (e) {
        llmCheck.set({ ok: false, text: errorText(ctx.t, toApiError(e)) });
      }
    },

    pullModel: async (name: string) => trackJob(ctx.jobs, await ctx.guard(() => api.settings.pullModel(name))),
    testDevice: async (device: string) => trackJob(ctx.jobs, await ctx.guard(() => api.settings.testDevice(device, DEVICE_TEST_MS))),
  };
}

export type SettingsStore = ReturnType<typeof createSettings>;
