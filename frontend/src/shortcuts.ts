// Keyboard shortcuts: one table, used by the key handler and shown in the UI.
import type { MessageKey } from './i18n';
import type { Screen } from './state';

export interface Shortcut {
  keys: string; // as shown to the user
  key: string; // KeyboardEvent.key, lower-cased
  alt: boolean;
  label: MessageKey;
  screen?: Screen;
  action?: 'lang' | 'theme' | 'help' | 'new';
}

export const shortcuts: Shortcut[] = [
  { keys: 'Alt+H', key: 'h', alt: true, label: 'nav.home', screen: 'home' },
  { keys: 'Alt+R', key: 'r', alt: true, label: 'nav.recording', screen: 'recording' },
  { keys: 'Alt+D', key: 'd', alt: true, label: 'nav.review', screen: 'review' },
  { keys: 'Alt+Q', key: 'q', alt: true, label: 'nav.queue', screen: 'queue' },
  { keys: 'Alt+E', key: 'e', alt: true, label: 'nav.export', screen: 'export' },
  { keys: 'Alt+S', key: 's', alt: true, label: 'nav.settings', screen: 'settings' },
  { keys: 'Alt+N', key: 'n', alt: true, label: 'home.new', action: 'new' },
  { keys: 'Alt+L', key: 'l', alt: true, label: 'lang.switch', action: 'lang' },
  { keys: 'Alt+T', key: 't', alt: true, label: 'theme.toggle', action: 'theme' },
  { keys: 'F1', key: 'f1', alt: false, label: 'shortcuts.show', action: 'help' },
];

export function shortcutFor(e: { key: string; altKey: boolean; ctrlKey: boolean; metaKey: boolean }): Shortcut | undefined {
  if (e.ctrlKey || e.metaKey) return undefined;
  const key = e.key.toLowerCase();
  return shortcuts.find((s) => s.key === key && s.alt === e.altKey);
}
