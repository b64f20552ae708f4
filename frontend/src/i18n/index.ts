import { en, type Catalogue, type MessageKey } from './en';
import { fr } from './fr';

export type Lang = 'en' | 'fr';
export type { MessageKey };

export const catalogues: Record<Lang, Catalogue> = { en, fr };

/** translate looks key up in lang's catalogue and fills {name} placeholders. */
export function translate(lang: Lang, key: MessageKey, vars?: Record<string, string | number>): string {
  let s = catalogues[lang][key] ?? en[key] ?? key;
  if (vars) {
    for (const [k, v] of Object.entries(vars)) s = s.split(`{${k}}`).join(String(v));
  }
  return s;
}

export function isLang(s: unknown): s is Lang {
  return s === 'en' || s === 'fr';
}
