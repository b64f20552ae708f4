import { render } from 'preact';
import { defaultApi } from './api';
import { Shell } from './components/Shell';
import { createAppState } from './state';
import './style.css';

function storage() {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

const state = createAppState(defaultApi(), storage());
render(<Shell state={state} />, document.getElementById('app')!);
void state.start();
