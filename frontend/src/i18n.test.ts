import { describe, expect, it } from 'vitest';
import { catalogues, translate } from './i18n';
import type { MessageKey } from './i18n';
import { shortcutFor, shortcuts } from './shortcuts';

describe('catalogues', () => {
  it('use the same {placeholders} in French and English', () => {
    const vars = (s: string) => (s.match(/\{[a-z]+\}/g) ?? []).sort();
    for (const k of Object.keys(catalogues.en) as MessageKey[]) {
      expect(vars(catalogues.fr[k]), k).toEqual(vars(catalogues.en[k]));
    }
  });
  it('fills placeholders', () => {
    expect(translate('fr', 'review.saved', { v: 3 })).toBe('Enregistré en version 3.');
  });
});

describe('shortcuts', () => {
  it('are unique and each has a translated label', () => {
    const keys = shortcuts.map((s) => `${s.alt}-${s.key}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const s of shortcuts) expect(translate('fr', s.label)).not.toBe(s.label);
  });
  it('match Alt chords but not Ctrl ones', () => {
    expect(shortcutFor({ key: 'S', altKey: true, ctrlKey: false, metaKey: false })?.screen).toBe('settings');
    expect(shortcutFor({ key: 's', altKey: true, ctrlKey: true, metaKey: false })).toBeUndefined();
    expect(shortcutFor({ key: 's', altKey: false, ctrlKey: false, metaKey: false })).toBeUndefined();
  });
});
