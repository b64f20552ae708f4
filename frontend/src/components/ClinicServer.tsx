import { useEffect, useState } from 'preact/hooks';
import { useStore } from '../hooks';
import type { AppState } from '../state';
import { LoadError } from './LoadError';

/** ClinicServerPanel is Settings' "Clinic server": the paired server and its pinned
 * fingerprint, and (admins only; Go checks it too) the pairing form. */
export function ClinicServerPanel({ state }: { state: AppState }) {
  const t = state.t;
  const server = useStore(state.handoff.server);
  const busy = useStore(state.handoff.busy);
  const { lang } = useStore(state.session);
  const admin = state.currentUser()?.role === 'admin';
  const [url, setUrl] = useState('');
  const [fingerprint, setFingerprint] = useState('');
  const [code, setCode] = useState('');
  useEffect(() => {
    void state.handoff.loadServer();
  }, [state]);
  const cs = server.value;
  const date = (iso?: string) => (iso ? new Date(iso).toLocaleString(lang === 'fr' ? 'fr-FR' : 'en-GB') : '');
  return (
    <div class="panel" data-testid="clinic-server">
      <h2>{t('handoff.title')}</h2>
      <LoadError state={state} error={server.error} />
      {cs && !cs.paired && <p data-testid="not-paired">{t('handoff.notPaired')}</p>}
      {cs?.paired && (
        <dl class="facts" data-testid="paired-server">
          <dt>{t('handoff.url')}</dt>
          <dd>
            <code data-testid="paired-url">{cs.url}</code>
          </dd>
          <dt>{t('handoff.fingerprint')}</dt>
          <dd>
            <code data-testid="paired-fingerprint" style={{ wordBreak: 'break-all' }}>
              {cs.fingerprint}
            </code>
          </dd>
          <dd class="muted small">{t('handoff.device', { id: cs.device_id ?? 0, date: date(cs.paired_at) })}</dd>
        </dl>
      )}
      {cs && <p data-testid="pending-here">{t('handoff.pending', { n: cs.pending })}</p>}
      {!admin ? (
        <p class="muted small">{t('handoff.adminOnly')}</p>
      ) : (
        <form
          data-testid="pair-form"
          onSubmit={(e) => {
            e.preventDefault();
            void state.handoff.pair(url, fingerprint, code).then((ok) => ok && setCode(''));
          }}
        >
          <p class="muted small">{t('handoff.pairHint')}</p>
          <label class="row">
            {t('handoff.url')}{' '}
            <input type="url" required data-testid="pair-url" placeholder="https://192.168.1.10:8443" value={url} onInput={(e) => setUrl(e.currentTarget.value)} />
          </label>
          <label class="row">
            {t('handoff.fingerprint')}{' '}
            <input type="text" required data-testid="pair-fingerprint" spellcheck={false} value={fingerprint} onInput={(e) => setFingerprint(e.currentTarget.value)} />
          </label>
          <label class="row">
            {t('handoff.code')}{' '}
            <input type="text" required data-testid="pair-code" autocomplete="off" spellcheck={false} value={code} onInput={(e) => setCode(e.currentTarget.value)} />
          </label>
          <button type="submit" class="primary" disabled={busy} data-testid="pair-submit">
            {cs?.paired ? t('handoff.repair') : t('handoff.pair')}
          </button>
        </form>
      )}
    </div>
  );
}
