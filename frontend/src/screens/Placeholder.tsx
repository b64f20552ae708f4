import { screenTitleKey, type AppState, type Screen } from '../state';

// Screens whose services have not landed yet show their title only.
export function Placeholder({ state, screen }: { state: AppState; screen: Screen }) {
  return (
    <section class="screen" aria-labelledby="screen-title">
      <h1 id="screen-title">{state.t(screenTitleKey[screen])}</h1>
    </section>
  );
}
