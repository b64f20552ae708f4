import { render } from 'preact';
import { defaultApi } from './api';
import { Shell } from './components/Shell';
import { createAppState } from './state';
import './style.css';

/** storage is where the language, theme and acting user are remembered; a window that
 * refuses it (a sandboxed page throws on access) still works, remembering nothing. */
function storage() {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

const state = createAppState(defaultApi(), storage());
// A failure no action caught is shown too, never lost in the console.
globalThis.addEventListener('unhandledrejection', (e) => state.reportError(e.reason));
globalThis.addEventListener('error', (e) => state.reportError(e.error ?? e.message));
render(<Shell state={state} />, document.getElementById('app')!);
void state.start();
