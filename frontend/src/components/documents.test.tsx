import { renderToString } from 'preact-render-to-string';
import { describe, expect, it } from 'vitest';
import type { DocumentView, SessionState } from '../api';
import { appWith, failWith } from '../testutil';
import { Documents } from './Documents';

const as = (role: 'physician' | 'secretary'): SessionState => ({ state: 'active', user: { id: 1, name: 'U', role }, idle_lock_minutes: 5, has_model: true });

const draft: DocumentView = {
  kind: 'instructions',
  version: 1,
  author: 'Greffier',
  created_at: 1,
  encounter_id: 7,
  latest_version: 1,
  document: {
    schema_version: '1',
    kind: 'instructions',
    language: 'en',
    title: 'Instructions for you',
    parts: [{ key: 'medicines', title: 'Your medicines', sentences: [{ text: 'Take paracetamol 1 g three times a day.', evidence: [3] }] }],
    source: { drafter: 'rules' },
    warnings: [],
  },
  to_check: [],
};

function app(role: 'physician' | 'secretary', handlers: Record<string, (...a: unknown[]) => unknown>, lang: 'en' | 'fr' = 'en') {
  const { st, f } = appWith(handlers, lang);
  st.auth.apply(as(role));
  return { st, f };
}

describe('documents from the note', () => {
  it('drafts the instructions when there are none, shows their evidence and what to check, saves an edited part', async () => {
    let saved: unknown[] = [];
    const edited: DocumentView = { ...draft, version: 2, latest_version: 2, author: 'Sam', to_check: ['"4 g" is not in the cited transcript'] };
    const { st, f } = app('secretary', {
      'Documents.List': () => [],
      'Documents.Draft': () => draft,
      'Documents.SavePart': (...a: unknown[]) => {
        saved = a;
        return edited;
      },
    });
    await st.documents.load(7);
    let html = renderToString(<Documents state={st} encId={7} onEvidence={() => {}} />);
    expect(html).toContain('Draft the patient instructions');
    expect(html).toContain('Draft the referral letter');
    await st.documents.openKind('instructions');
    expect(f.calls).toContain('Documents.Draft');
    html = renderToString(<Documents state={st} encId={7} onEvidence={() => {}} />);
    expect(html).toContain('Take paracetamol 1 g three times a day.');
    expect(html).not.toContain('data-testid="doc-sign"'); // a secretary does not sign
    await st.documents.savePart('medicines', 'Take paracetamol 4 g.');
    expect(saved).toEqual([7, 'instructions', 'medicines', 'Take paracetamol 4 g.', 1]);
    html = renderToString(<Documents state={st} encId={7} onEvidence={() => {}} />);
    expect(html).toContain('data-testid="document-to-check"');
    expect(html).toContain('4 g');
    expect(st.session.get().notice).toContain('version 2');
  });

  it('a physician signs with the password, then exports; a refused password is the banner', async () => {
    let signArgs: unknown[] = [];
    let refuse = true;
    const signed: DocumentView = { ...draft, signer: 'Dr Test', signed_at: 2 };
    const { st } = app(
      'physician',
      {
        'Documents.List': () => [{ kind: 'instructions', version: 1, author: 'Greffier', created_at: 1 }],
        'Documents.Get': () => draft,
        'Documents.Sign': (...a: unknown[]) => {
          signArgs = a;
          if (refuse) return failWith('forbidden', 'Mot de passe incorrect.')();
          return signed;
        },
        'Documents.Export': () => ({ format: 'pdf', path: '/data/exports/encounter-7-instructions-v1.pdf', bytes: 1234 }),
      },
      'fr',
    );
    await st.documents.load(7);
    expect(renderToString(<Documents state={st} encId={7} onEvidence={() => {}} />)).toContain('Ouvrir : consignes au patient');
    await st.documents.openKind('instructions');
    let html = renderToString(<Documents state={st} encId={7} onEvidence={() => {}} />);
    expect(html).toContain("J'ai relu et j'approuve ce document");
    expect(await st.documents.sign('wrong')).toBeUndefined();
    expect(st.session.get().error?.message).toBe('Mot de passe incorrect.');
    refuse = false;
    await st.documents.sign('right password');
    expect(signArgs).toEqual([7, 'instructions', 1, 'right password']);
    html = renderToString(<Documents state={st} encId={7} onEvidence={() => {}} />);
    expect(html).toContain('signé par Dr Test');
    expect(html).toContain('data-testid="doc-export-pdf"');
    await st.documents.exportAs('pdf');
    html = renderToString(<Documents state={st} encId={7} onEvidence={() => {}} />);
    expect(html).toContain('encounter-7-instructions-v1.pdf');
  });
});
