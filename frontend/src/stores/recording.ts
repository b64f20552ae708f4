// The live recording: its status, the microphone level, the audio warnings the Go
// side sends ("audio" events: no signal, clipping, input lost) and the inputs.
import type { AppEvent, Device, EncounterView, EventKind, LevelEvent, RecordingStatus, Segment } from '../api';
import { createStore, type Store } from '../store';
import { createLoaded, load, trackJob, type StoreContext } from './context';

/** audioKinds are the audio.EventKind values app/recording.go forwards as "audio"
 * events (the type check fails if Go renames one). "signal" (the input came back after
 * no_signal) is handled too, for when the Go side forwards it. */
export const audioKinds = ['no_signal', 'clipping', 'error'] as const satisfies readonly EventKind[];
export type AudioKind = (typeof audioKinds)[number];

export interface AudioWarning {
  kind: AudioKind;
  /** The Go side's words for it (English, technical): shown as the cause of an error. */
  detail: string;
}

/** CLIP_HOLD_MS is how long a clipping warning stays after the last clipped window. */
export const CLIP_HOLD_MS = 4000;

/** SILENCE_DBFS is the level Go reports for a window of digital silence (its floor). */
const SILENCE_DBFS = -120;

const idle: RecordingStatus = { active: false, encounter_id: 0, paused: false, started_at: 0, live_text: false };

function isAudioKind(k: unknown): k is AudioKind {
  return (audioKinds as readonly unknown[]).includes(k);
}

export function createRecorder(ctx: StoreContext, encounter: Store<EncounterView | null>, live: Store<Segment[]>) {
  const status = createStore<RecordingStatus>(idle);
  const level = createStore<number>(SILENCE_DBFS);
  const audio = createStore<AudioWarning | null>(null);
  const devices = createLoaded<Device[]>();
  let clipTimer: ReturnType<typeof setTimeout> | undefined;

  function setAudio(w: AudioWarning | null) {
    clearTimeout(clipTimer);
    audio.set(w);
    if (w?.kind === 'clipping') clipTimer = setTimeout(() => audio.set((a) => (a?.kind === 'clipping' ? null : a)), CLIP_HOLD_MS);
  }

  function onAudio(d: { kind?: unknown; message?: unknown }) {
    if (d.kind === ('signal' satisfies EventKind)) {
      audio.set((a) => (a?.kind === 'no_signal' ? null : a));
      return;
    }
    if (!isAudioKind(d.kind)) return;
    // A clipping window does not hide a lost input or a silent microphone.
    const cur = audio.get();
    if (d.kind === 'clipping' && (cur?.kind === 'error' || cur?.kind === 'no_signal')) return;
    setAudio({ kind: d.kind, detail: typeof d.message === 'string' ? d.message : '' });
  }

  const rec = {
    status,
    level,
    audio,
    devices,

    /** onEvent applies a "level", "recording" or "audio" event; false for other kinds. */
    onEvent(ev: AppEvent): boolean {
      switch (ev.kind) {
        case 'level': {
          const l = (ev.data as LevelEvent).rms_dbfs;
          level.set(l);
          // Sound again after a no_signal warning: the microphone is back.
          if (l > SILENCE_DBFS) audio.set((a) => (a?.kind === 'no_signal' ? null : a));
          return true;
        }
        case 'recording':
          status.set(ev.data as RecordingStatus);
          return true;
        case 'audio':
          onAudio(ev.data as { kind?: unknown; message?: unknown });
          return true;
      }
      return false;
    },

    dismissAudio: () => setAudio(null),

    loadDevices: () => load(devices, () => ctx.api.settings.devices()),

    async start(device: string) {
      const enc = encounter.get();
      if (!enc) return;
      live.set([]);
      setAudio(null);
      const st = await ctx.guard(() => ctx.api.recording.start(enc.id, device));
      if (st) status.set(st);
    },
    async togglePause() {
      const st = await ctx.guard(() => (status.get().paused ? ctx.api.recording.resume() : ctx.api.recording.pause()));
      if (st) status.set(st);
    },
    async stop() {
      const j = await ctx.guard(() => ctx.api.recording.stop());
      status.set(idle);
      trackJob(ctx.jobs, j);
    },
    async bookmark() {
      const b = await ctx.guard(() => ctx.api.recording.bookmark(''));
      if (b) ctx.notify('rec.bookmarked', { s: Math.round(b.at_ms / 1000) });
    },
  };
  return rec;
}

export type Recorder = ReturnType<typeof createRecorder>;
