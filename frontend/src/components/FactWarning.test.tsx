import { renderToString } from 'preact-render-to-string';
import { describe, expect, it } from 'vitest';
import type { Warning } from '../api';
import { translate, type Lang, type MessageKey } from '../i18n';
import { FactWarning, factRanges, factWarningsFor, parseFacts, sentencePath } from './FactWarning';

const tr = (lang: Lang) => (key: MessageKey, vars?: Record<string, string | number>) => translate(lang, key, vars);

// Warnings as draft.CheckFacts writes them (notes/draft/facts.go).
const warnings: Warning[] = [
  { kind: 'unsupported_fact', path: '/sections/2/sentences/0', message: 'Not found in the cited segments: number 40; side left' },
  { kind: 'unsupported_fact', path: '/sections/2/sentences/1', message: 'Not found in the cited segments: negation of fever dropped' },
  { kind: 'low_confidence', path: '/sections/2/sentences/0', message: 'segment 3 was transcribed with low confidence (0.41): check the recording' },
  { kind: 'unsupported_fact', path: '/medications/0', message: 'Not found in the cited segments: medication atorvastatin' },
];

describe('factWarningsFor', () => {
  it('keeps the unsupported_fact warnings of that sentence only', () => {
    expect(sentencePath(2, 0)).toBe('/sections/2/sentences/0');
    const got = factWarningsFor(warnings, sentencePath(2, 0));
    expect(got.map((w) => w.message)).toEqual(['Not found in the cited segments: number 40; side left']);
    expect(factWarningsFor(warnings, '/sections/0/sentences/0')).toEqual([]);
    expect(factWarningsFor(undefined, '/sections/2/sentences/0')).toEqual([]);
  });
});

describe('parseFacts', () => {
  it('reads every kind of fact the checker names, in English and French messages', () => {
    expect(parseFacts('Not found in the cited segments: medication atorvastatin; number 40; unit 2 day; frequency 3/d; side left; body site ankle; day mon')).toEqual([
      { kind: 'medication', value: 'atorvastatin', raw: 'medication atorvastatin' },
      { kind: 'number', value: '40', raw: 'number 40' },
      { kind: 'unit', value: '2', raw: 'unit 2 day' },
      { kind: 'frequency', value: '3/d', raw: 'frequency 3/d' },
      { kind: 'side', value: 'left', raw: 'side left' },
      { kind: 'site', value: 'ankle', raw: 'body site ankle' },
      { kind: 'day', value: 'mon', raw: 'day mon' },
    ]);
    expect(parseFacts('Absent des segments cités : negation of fièvre added ; negation (1 in the sentence, 2 in the quoted segments)')).toEqual([
      { kind: 'negation', value: 'fièvre', raw: 'negation of fièvre added' },
      { kind: 'negation', value: '', raw: 'negation (1 in the sentence, 2 in the quoted segments)' },
    ]);
    expect(parseFacts('Not found in the cited segments: condition asthma (negated there)')[0]).toMatchObject({ kind: 'condition', value: 'asthma' });
  });
});

describe('factRanges', () => {
  const mark = (text: string, message: string) => factRanges(text, parseFacts(message)).map((r) => text.slice(r.start, r.end));
  it('marks the named facts as whole words, in any spelling the checker accepts', () => {
    expect(mark('Lisinopril 40 mg daily for the left knee, BP 140/90.', 'x: number 40; side left')).toEqual(['40', 'left']);
    expect(mark('Take forty milligrams twice a day.', 'x: number 40; frequency 2/d')).toEqual(['forty', 'twice a day']);
    expect(mark('Douleur du genou gauche depuis lundi.', 'x : side left ; body site knee ; day mon')).toEqual(['genou', 'gauche', 'lundi']);
    expect(mark('I know he has fever.', 'x: negation (0 in the sentence, 1 in the quoted segments)')).toEqual([]);
    expect(mark('No fever, no chills.', 'x: negation of fever added')).toEqual(['fever']);
    expect(mark('Nothing to mark here.', 'x: medication atorvastatin')).toEqual([]);
  });
});

describe('FactWarning', () => {
  it('renders the sentence with the unsupported facts marked and the finding, in English', () => {
    const html = renderToString(
      <FactWarning text="Lisinopril 40 mg for the left knee." path="/sections/2/sentences/0" warnings={warnings} t={tr('en')} />,
    );
    expect(html).toContain('data-testid="fact-warning"');
    expect(html).toContain('<mark class="fact-unsupported" data-kind="number" title="Not found in the cited segments: number 40">40</mark>');
    expect(html).toContain('<mark class="fact-unsupported" data-kind="side" title="Not found in the cited segments: side left">left</mark>');
    expect(html).toContain('Not found in the cited segments: number 40; side left');
    expect(html).not.toContain('low confidence');
  });
  it('translates the finding in French', () => {
    const html = renderToString(
      <FactWarning text="Lisinopril 40 mg pour le genou gauche." path="/sections/2/sentences/0" warnings={warnings} t={tr('fr')} />,
    );
    expect(html).toContain('>gauche</mark>');
    expect(html).toContain('Absent des segments cités : nombre 40 ; côté gauche');
  });
  it('renders the text alone when no warning points at the sentence', () => {
    const html = renderToString(<FactWarning text="Fever for 3 days." path="/sections/0/sentences/4" warnings={warnings} t={tr('en')} />);
    expect(html).toBe('Fever for 3 days.');
  });
});
