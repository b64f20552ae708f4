import type { ComponentChildren } from 'preact';
import type { Warning } from '../api';
import type { MessageKey } from '../i18n';

// FactWarning shows a note sentence with the facts the fact checker (draft.CheckFacts)
// did not find in the segments it cites: each is marked in the sentence, and the
// checker's findings follow, translated. The checker's warning has kind
// unsupported_fact, a JSON pointer path to the sentence (/sections/2/sentences/0)
// and a message "Not found in the cited segments: number 40; side left" (French:
// "Absent des segments cités : number 40 ; side left"; the fact names stay English).

export const UNSUPPORTED_FACT = 'unsupported_fact';

type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

export type FactKind = 'medication' | 'number' | 'unit' | 'frequency' | 'side' | 'site' | 'day' | 'negation' | 'condition' | 'other';

/** A fact a checker message names: its kind, and what to look for in the sentence. */
export interface Fact {
  kind: FactKind;
  /** the value as the checker wrote it: "40", "left", "2/d", "fever" (for a negation: the negated word, or "" for a count) */
  value: string;
  /** the message's own words for it */
  raw: string;
}

/** factWarningsFor returns the unsupported_fact warnings whose path points at this sentence. */
export function factWarningsFor(warnings: readonly Warning[] | undefined, path: string): Warning[] {
  return (warnings ?? []).filter((w) => w.kind === UNSUPPORTED_FACT && w.path === path);
}

/** sentencePath is the JSON pointer of a section's sentence, as the checker writes it. */
export function sentencePath(section: number, sentence: number): string {
  return `/sections/${section}/sentences/${sentence}`;
}

const prefixes: Array<[string, FactKind]> = [
  ['medication ', 'medication'],
  ['number ', 'number'],
  ['unit ', 'unit'],
  ['frequency ', 'frequency'],
  ['side ', 'side'],
  ['body site ', 'site'],
  ['day ', 'day'],
  ['condition ', 'condition'],
];

/** parseFacts reads the facts named in a checker message. */
export function parseFacts(message: string): Fact[] {
  const colon = message.indexOf(':');
  const list = colon >= 0 ? message.slice(colon + 1) : message;
  const out: Fact[] = [];
  for (const part of list.split(';')) {
    const raw = part.trim();
    if (!raw) continue;
    const neg = /^negation of (.+) (?:dropped|added)$/.exec(raw);
    if (neg) {
      out.push({ kind: 'negation', value: neg[1], raw });
      continue;
    }
    if (raw.startsWith('negation')) {
      out.push({ kind: 'negation', value: '', raw });
      continue;
    }
    const p = prefixes.find(([pre]) => raw.startsWith(pre));
    if (!p) {
      out.push({ kind: 'other', value: raw, raw });
      continue;
    }
    let value = raw.slice(p[0].length);
    if (p[1] === 'condition') value = value.replace(/\s*\(.*\)$/, ''); // "condition asthma (negated there)"
    if (p[1] === 'unit') value = value.split(' ')[0]; // "2 day": the number carries the mark
    out.push({ kind: p[1], value, raw });
  }
  return out;
}

const numberWords: Record<string, string[]> = {
  '0': ['zero', 'zéro'], '1': ['one', 'un', 'une'], '2': ['two', 'deux'], '3': ['three', 'trois'], '4': ['four', 'quatre'],
  '5': ['five', 'cinq'], '6': ['six'], '7': ['seven', 'sept'], '8': ['eight', 'huit'], '9': ['nine', 'neuf'], '10': ['ten', 'dix'],
  '11': ['eleven', 'onze'], '12': ['twelve', 'douze'], '15': ['fifteen', 'quinze'], '20': ['twenty', 'vingt'], '25': ['twenty five', 'twenty-five', 'vingt-cinq'],
  '30': ['thirty', 'trente'], '40': ['forty', 'quarante'], '50': ['fifty', 'cinquante'], '60': ['sixty', 'soixante'],
  '100': ['a hundred', 'one hundred', 'cent'], '500': ['five hundred', 'cinq cents'], '1000': ['a thousand', 'one thousand', 'mille'],
};

const sideForms: Record<string, string[]> = {
  right: ['right', 'droit', 'droite', 'droits', 'droites'],
  left: ['left', 'gauche', 'gauches'],
  both: ['both', 'bilateral', 'bilaterally', 'bilatéral', 'bilatérale', 'bilatéraux'],
};

const siteForms: Record<string, string[]> = {
  knee: ['genou', 'genoux'], wrist: ['poignet'], ankle: ['cheville'], shoulder: ['épaule'], hip: ['hanche'], elbow: ['coude'],
  hand: ['main'], foot: ['feet', 'pied', 'pieds'], finger: ['doigt', 'doigts'], thumb: ['pouce'], toe: ['orteil'], neck: ['cou', 'nuque'],
  chest: ['thorax', 'poitrine', 'thoracique'], abdomen: ['abdominal', 'abdominale', 'stomach', 'belly', 'ventre'], arm: ['bras'],
  leg: ['jambe', 'jambes'], eye: ['eyes', 'œil', 'yeux'], ear: ['oreille', 'oreilles'], throat: ['gorge'], head: ['tête'],
  heel: ['talon'], calf: ['mollet'], thigh: ['cuisse'], lung: ['poumon', 'poumons'], kidney: ['rein', 'reins'],
};

const dayForms: Record<string, string[]> = {
  mon: ['monday', 'lundi'], tue: ['tuesday', 'mardi'], wed: ['wednesday', 'mercredi'], thu: ['thursday', 'jeudi'],
  fri: ['friday', 'vendredi'], sat: ['saturday', 'samedi'], sun: ['sunday', 'dimanche'],
};

const freqForms: Record<string, string[]> = {
  '1/d': ['once a day', 'once daily', 'every day', 'daily', 'a day', 'per day', 'q.d.', 'qd', 'une fois par jour', 'par jour', 'tous les jours'],
  '2/d': ['twice a day', 'twice daily', 'two times a day', '2 times a day', 'b.i.d.', 'bid', 'deux fois par jour', '2 fois par jour', 'matin et soir'],
  '3/d': ['three times a day', '3 times a day', 't.i.d.', 'tid', 'trois fois par jour', '3 fois par jour'],
  '4/d': ['four times a day', '4 times a day', 'q.i.d.', 'qid', 'quatre fois par jour', '4 fois par jour'],
  hs: ['at bedtime', 'at night', 'nightly', 'before bed', 'q.h.s.', 'qhs', 'au coucher', 'le soir'],
  prn: ['as needed', 'when needed', 'if needed', 'p.r.n.', 'prn', 'si besoin', 'au besoin'],
  '1/w': ['once a week', 'weekly', 'every week', 'une fois par semaine', 'par semaine'],
};

const negationForms = ['no', 'not', "n't", 'never', 'denies', 'denied', 'deny', 'without', 'negative', 'none', 'pas', 'sans', 'aucun', 'aucune', 'jamais', 'ni', 'non'];

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** formsOf lists the ways a fact can be written in a sentence. */
function formsOf(f: Fact): string[] {
  const v = f.value.toLowerCase();
  switch (f.kind) {
    case 'number':
    case 'unit': {
      const forms = [v, ...(numberWords[v] ?? [])];
      if (v.includes('.')) forms.push(v.replace('.', ','));
      return forms;
    }
    case 'side':
      return sideForms[v] ?? [v];
    case 'site':
      return [v, v + 's', ...(siteForms[v] ?? [])];
    case 'day':
      return dayForms[v] ?? [v];
    case 'frequency':
      return freqForms[v] ?? [v];
    case 'negation':
      return v ? [v] : negationForms;
    case 'medication':
    case 'condition':
      return [v];
    default:
      return [];
  }
}

/** A span of the sentence to mark, [start, end), with the fact it shows. */
export interface FactRange {
  start: number;
  end: number;
  fact: Fact;
}

/** factRanges finds where the sentence states each fact: non-overlapping, in order. */
export function factRanges(text: string, facts: readonly Fact[]): FactRange[] {
  const found: FactRange[] = [];
  for (const fact of facts) {
    for (const form of formsOf(fact)) {
      if (!form) continue;
      // Whole words only: "40" is not marked inside "140", "no" not inside "know".
      const re = new RegExp(`(^|[^\\p{L}\\p{N}])(${escape(form)})(?=$|[^\\p{L}\\p{N}])`, 'giu');
      for (let m = re.exec(text); m; m = re.exec(text)) {
        const start = m.index + m[1].length;
        found.push({ start, end: start + m[2].length, fact });
      }
    }
  }
  found.sort((a, b) => a.start - b.start || b.end - a.end);
  const out: FactRange[] = [];
  for (const r of found) {
    const last = out[out.length - 1];
    if (last && r.start < last.end) continue;
    out.push(r);
  }
  return out;
}

const kindKeys: Record<FactKind, MessageKey> = {
  medication: 'fact.kind.medication',
  number: 'fact.kind.number',
  unit: 'fact.kind.unit',
  frequency: 'fact.kind.frequency',
  side: 'fact.kind.side',
  site: 'fact.kind.site',
  day: 'fact.kind.day',
  negation: 'fact.kind.negation',
  condition: 'fact.kind.condition',
  other: 'fact.kind.other',
};

/** factLabel names a fact for the reader, in the interface's language. */
export function factLabel(t: Translate, f: Fact): string {
  if (f.kind === 'other') return f.raw;
  if (f.kind === 'negation' && !f.value) return t('fact.negationCount');
  const sideKey = sideKeys[f.value];
  const value = f.kind === 'side' && sideKey ? t(sideKey) : f.value;
  return `${t(kindKeys[f.kind])} ${value}`;
}

const sideKeys: Record<string, MessageKey> = { right: 'fact.side.right', left: 'fact.side.left', both: 'fact.side.both' };

/**
 * FactWarning renders a sentence's text with the facts its unsupported_fact
 * warnings name marked, followed by what the checker found. Without such a warning
 * it renders the text alone, so it can stand in for the sentence text everywhere.
 */
export function FactWarning({ text, path, warnings, t }: { text: string; path: string; warnings: readonly Warning[] | undefined; t: Translate }) {
  const mine = factWarningsFor(warnings, path);
  if (mine.length === 0) return <>{text}</>;
  const facts = mine.flatMap((w) => parseFacts(w.message));
  const ranges = factRanges(text, facts);
  const parts: ComponentChildren[] = [];
  let at = 0;
  ranges.forEach((r, i) => {
    if (r.start > at) parts.push(text.slice(at, r.start));
    const label = factLabel(t, r.fact);
    parts.push(
      <mark key={i} class="fact-unsupported" data-kind={r.fact.kind} title={t('fact.notFound', { fact: label })}>
        {text.slice(r.start, r.end)}
      </mark>,
    );
    at = r.end;
  });
  if (at < text.length) parts.push(text.slice(at));
  const labels = facts.map((f) => factLabel(t, f));
  return (
    <span class="fact-warning" data-testid="fact-warning" data-path={path}>
      {parts}
      <span class="fact-warning-note" role="note">
        {' '}
        <span aria-hidden="true">⚠ </span>
        {t('fact.unsupported', { facts: labels.join(t('fact.separator')) })}
      </span>
    </span>
  );
}
