import { renderToString } from 'preact-render-to-string';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Recording } from '../screens/Recording';
import { appWith, enc } from '../testutil';
import { CLIP_HOLD_MS } from './recording';

// The payload app/recording.go sends for audio.EventNoSignal, EventClipping, EventError.
const audio = (kind: string, message: string) => ({ kind: 'audio', data: { kind, message } });
const level = (rms: number) => ({ kind: 'level', data: { rms_dbfs: rms, peak_dbfs: rms } });

function recordingScreen(lang: 'en' | 'fr') {
  const { st } = appWith({}, lang);
  st.encounter.set(enc);
  st.session.set((s) => ({ ...s, encounterId: 7 }));
  return st;
}

afterEach(() => vi.useRealTimers());

describe('audio events', () => {
  it('show "no signal" on the recording screen, translated, until sound comes back', () => {
    for (const [lang, words] of [
      ['en', 'No signal: the microphone has been silent.'],
      ['fr', 'Aucun signal : le micro est silencieux.'],
    ] as const) {
      const st = recordingScreen(lang);
      expect(renderToString(<Recording state={st} />)).not.toContain('data-testid="audio-warning"');
      st.onEvents([audio('no_signal', 'no signal: the input has been silent; check the microphone')]);
      expect(st.recorder.audio.get()?.kind).toBe('no_signal');
      const html = renderToString(<Recording state={st} />);
      expect(html).toContain('data-kind="no_signal"');
      expect(html).toContain(words);
      // Digital silence is -120 dBFS: still no signal. Anything above: the input is back.
      st.onEvents([level(-120)]);
      expect(st.recorder.audio.get()?.kind).toBe('no_signal');
      st.onEvents([level(-40)]);
      expect(st.recorder.audio.get()).toBeNull();
    }
  });

  it('shows a lost input with its cause and keeps it after the recording stops', () => {
    const st = recordingScreen('fr');
    st.onEvents([
      audio('error', 'capture: device unplugged'),
      { kind: 'recording', data: { active: false, encounter_id: 0, paused: false, started_at: 0, live_text: false } },
      audio('clipping', 'input clipping: lower the microphone gain'),
    ]);
    expect(st.recorder.audio.get()).toEqual({ kind: 'error', detail: 'capture: device unplugged' });
    const html = renderToString(<Recording state={st} />);
    expect(html).toContain("L'enregistrement s'est arrêté : l'entrée audio a échoué");
    expect(html).toContain('Cause : capture: device unplugged');
    st.recorder.dismissAudio();
    expect(st.recorder.audio.get()).toBeNull();
  });

  it('holds a clipping warning for a few seconds after the last clipped window', () => {
    vi.useFakeTimers();
    const st = recordingScreen('en');
    st.onEvents([audio('clipping', 'input clipping')]);
    expect(renderToString(<Recording state={st} />)).toContain('The sound is clipping');
    vi.advanceTimersByTime(CLIP_HOLD_MS - 100);
    st.onEvents([audio('clipping', 'input clipping')]); // clipping again: held longer
    vi.advanceTimersByTime(CLIP_HOLD_MS - 100);
    expect(st.recorder.audio.get()?.kind).toBe('clipping');
    vi.advanceTimersByTime(200);
    expect(st.recorder.audio.get()).toBeNull();
  });

  it('ignores kinds it does not know and clears the warning when a recording starts', async () => {
    const { st } = appWith({ 'Recording.Start': () => ({ active: true, encounter_id: 7, paused: false, started_at: 1, live_text: false }) });
    st.encounter.set(enc);
    st.onEvents([audio('bookmark', 'x')]);
    expect(st.recorder.audio.get()).toBeNull();
    st.onEvents([audio('no_signal', 'silent')]);
    await st.recorder.start('');
    expect(st.recorder.audio.get()).toBeNull();
    expect(st.recorder.status.get().active).toBe(true);
  });

  it('shows why the inputs could not be listed where the list would be', async () => {
    const { st } = appWith({
      'Settings.Devices': () => {
        throw new Error(JSON.stringify({ code: 'unavailable', message: 'Indisponible : entrées audio' }));
      },
    }, 'fr');
    st.encounter.set(enc);
    await st.recorder.loadDevices();
    expect(st.recorder.devices.get().error?.code).toBe('unavailable');
    expect(renderToString(<Recording state={st} />)).toContain('Chargement impossible : Indisponible : entrées audio');
  });
});
