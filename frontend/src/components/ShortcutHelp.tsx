import { useEffect, useRef } from 'preact/hooks';
import { shortcuts } from '../shortcuts';
import type { AppState } from '../state';

export function ShortcutHelp({ state, onClose }: { state: AppState; onClose: () => void }) {
  const ref = useRef<HTMLButtonElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <div class="dialog-backdrop" onClick={onClose}>
      <div
        class="dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="shortcuts-title"
        onClick={(e) => e.stopPropagation()}
        onKeyDown={(e) => e.key === 'Escape' && onClose()}
      >
        <h2 id="shortcuts-title">{state.t('shortcuts.title')}</h2>
        <table class="shortcuts">
          <tbody>
            {shortcuts.map((s) => (
              <tr key={s.keys}>
                <td>
                  <kbd>{s.keys}</kbd>
                </td>
                <td>{state.t(s.label)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <button type="button" ref={ref} onClick={onClose}>
          {state.t('common.close')}
        </button>
      </div>
    </div>
  );
}
