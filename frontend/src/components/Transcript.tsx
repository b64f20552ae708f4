import { useEffect, useRef } from 'preact/hooks';
import type { Segment } from '../api';
import type { AppState } from '../state';

export function fmtTime(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** Transcript lists segments; highlight marks the evidence of the focused sentence. */
export function Transcript({
  state,
  segments,
  highlight,
  follow,
  transcribed,
}: {
  state: AppState;
  segments: Segment[];
  highlight?: number[];
  follow?: boolean;
  /** The transcription has run (so no segments means no speech, not "not yet"). */
  transcribed?: boolean;
}) {
  const ref = useRef<HTMLOListElement>(null);
  useEffect(() => {
    if (follow && ref.current) ref.current.scrollTop = ref.current.scrollHeight;
  }, [segments.length, follow]);
  useEffect(() => {
    if (highlight && highlight.length > 0) {
      ref.current?.querySelector(`[data-seg="${highlight[0]}"]`)?.scrollIntoView({ block: 'nearest' });
    }
  }, [highlight]);
  const t = state.t;
  const text = segments.filter((s) => s.text.trim() !== '');
  return (
    <div class="transcript" data-testid="transcript" data-segments={segments.length}>
      <h2>{t('transcript.title')}</h2>
      {text.length === 0 ? (
        <p class="empty" data-testid="transcript-empty" data-state={segments.length === 0 && !transcribed ? 'none' : 'no-speech'}>
          {segments.length === 0 && !transcribed ? t('transcript.none') : t('transcript.noSpeech', { n: segments.length })}
        </p>
      ) : (
        <ol ref={ref} aria-live={follow ? 'polite' : undefined}>
          {text.map((s) => (
            <li key={s.id} data-seg={s.id} class={highlight?.includes(s.id) ? 'evidence' : ''}>
              <span class="time">{fmtTime(s.start_ms)}</span> {s.text}
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
