import { useEffect, useState } from 'preact/hooks';
import type { Preferences, UserRole } from '../api';
import { ClinicServerPanel } from '../components/ClinicServer';
import { JobProgress } from '../components/JobProgress';
import { LoadError } from '../components/LoadError';
import { TemplateEditor } from '../components/TemplateEditor';
import { useStore } from '../hooks';
import type { MessageKey } from '../i18n';
import type { AppState } from '../state';

/** roleLabels has one entry per Go role (domain.UserRole): a new role fails the type check here. */
const roleLabels: Record<UserRole, MessageKey> = { physician: 'role.physician', secretary: 'role.secretary', admin: 'role.admin' };
const isUserRole = (s: string): s is UserRole => s in roleLabels;

export function Settings({ state }: { state: AppState }) {
  const { info, lang } = useStore(state.session);
  const users = useStore(state.users);
  const t = state.t;
  const models = useStore(state.settings.models);
  const devices = useStore(state.recorder.devices);
  const catalogue = useStore(state.settings.catalogue);
  const saved = useStore(state.settings.preferences);
  const llmCheck = useStore(state.settings.llmCheck);
  // The form edits a copy; a save (or the first load) replaces it.
  const [prefs, setPrefs] = useState<Preferences | null>(saved.value);
  const [name, setName] = useState('');
  const [role, setRole] = useState<UserRole>('physician');
  const [password, setPassword] = useState('');
  // Only an admin adds users and changes where patient text may go (Go checks it too).
  const admin = state.currentUser()?.role === 'admin';
  const [pick, setPick] = useState('base');
  const [device, setDevice] = useState('');
  const level = useStore(state.recorder.level);
  const jobs = useStore(state.jobs);
  const downloads = Object.values(jobs).filter((j) => j.kind === 'download');
  const lastDone = downloads.filter((j) => j.state === 'done').length;
  useEffect(() => {
    void state.settings.loadCatalogue();
    void state.recorder.loadDevices();
    void state.settings.loadPreferences();
    void state.settings.loadModelFit();
  }, [state]);
  useEffect(() => setPrefs(saved.value), [saved.value]);
  useEffect(() => {
    void state.settings.loadModels();
  }, [state, lastDone]);
  return (
    <section class="screen settings" aria-labelledby="settings-title">
      <h1 id="settings-title">{t('nav.settings')}</h1>
      <div class="grid2">
        <div class="panel">
          <h2>{t('settings.language')}</h2>
          <select aria-label={t('lang.switch')} value={lang} onChange={(e) => void state.setLang(e.currentTarget.value === 'fr' ? 'fr' : 'en')}>
            <option value="en">{t('lang.en')}</option>
            <option value="fr">{t('lang.fr')}</option>
          </select>
          <h2>{t('settings.users')}</h2>
          <ul data-testid="users">
            {users.map((u) => (
              <li key={u.id} data-user={u.name} data-status={u.status}>
                {u.name} — {t(`role.${u.role}`)}
                {u.status === 'disabled' && <em> ({t('settings.disabled')})</em>}
                {admin && <UserAdmin state={state} name={u.name} role={u.role} disabled={u.status === 'disabled'} />}
              </li>
            ))}
          </ul>
          {!admin && <p class="muted small">{t('settings.adminOnly')}</p>}
          {admin && (
          <form
            class="row"
            onSubmit={(e) => {
              e.preventDefault();
              if (name.trim())
                void state.createUser(name, role, password).then((u) => {
                  if (u) {
                    setName('');
                    setPassword('');
                  }
                });
            }}
          >
            <label>
              {t('settings.userName')} <input type="text" value={name} onInput={(e) => setName(e.currentTarget.value)} data-testid="user-name" />
            </label>
            <label>
              {t('settings.userPassword')}{' '}
              <input type="password" autocomplete="new-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} data-testid="user-password" />
            </label>
            <label>
              {t('settings.role')}{' '}
              <select
                value={role}
                onChange={(e) => {
                  const r = e.currentTarget.value;
                  if (isUserRole(r)) setRole(r);
                }}
                data-testid="user-role"
              >
                {Object.entries(roleLabels).map(([r, key]) => (
                  <option key={r} value={r}>
                    {t(key)}
                  </option>
                ))}
              </select>
            </label>
            <button type="submit" data-testid="add-user">
              {t('settings.addUser')}
            </button>
          </form>
          )}
        </div>
        <div class="panel">
          <h2>{t('settings.models')}</h2>
          <p class="muted small">{info?.models_dir}</p>
          {models.value?.length === 0 && <p class="notice">{t('settings.noModels')}</p>}
          <LoadError state={state} error={models.error} />
          <ul>
            {(models.value ?? []).map((m) => (
              <li key={m.path}>
                {m.name} ({Math.round(m.size / 1e6)} MB){m.active && <strong> — {t('settings.active')}</strong>}
              </li>
            ))}
          </ul>
          <form
            class="row"
            onSubmit={(e) => {
              e.preventDefault();
              void state.settings.pullModel(pick);
            }}
          >
            <label>
              {t('settings.download')}{' '}
              <select value={pick} onChange={(e) => setPick(e.currentTarget.value)}>
                {(catalogue.value ?? []).map((m) => (
                  <option key={m.Name} value={m.Name}>
                    {m.Name} ({m.SizeMiB} MiB)
                  </option>
                ))}
              </select>
            </label>
            <button type="submit">{t('settings.downloadGo')}</button>
          </form>
          <LoadError state={state} error={catalogue.error} />
          <JobProgress state={state} encounterId={0} kind="download" />
          <h2>{t('settings.audio')}</h2>
          {devices.value?.length === 0 && <p class="muted">{t('rec.noDevices')}</p>}
          <LoadError state={state} error={devices.error} />
          <div class="row">
            <select aria-label={t('rec.device')} value={device} onChange={(e) => setDevice(e.currentTarget.value)}>
              <option value="">{t('rec.defaultDevice')}</option>
              {(devices.value ?? []).map((d) => (
                <option key={d.name} value={d.name}>
                  {d.name}
                </option>
              ))}
            </select>
            <button
              type="button"
              onClick={() => void state.settings.testDevice(device)}
            >
              {t('settings.testDevice')}
            </button>
            <div class="meter" role="meter" aria-label={t('rec.level')} aria-valuemin={-60} aria-valuemax={0} aria-valuenow={Math.round(level)}>
              <div class="meter-fill" style={{ width: `${Math.max(0, Math.min(100, ((level + 60) / 60) * 100))}%` }} />
            </div>
          </div>
          <JobProgress state={state} encounterId={0} kind="devicetest" />
        </div>
        <LoadError state={state} error={saved.error} />
        {prefs && (
          <form
            class="panel"
            onSubmit={(e) => {
              e.preventDefault();
              void state.settings.savePreferences(prefs);
            }}
          >
            <h2>{t('settings.llm')}</h2>
            {!admin && <p class="muted small" data-testid="llm-admin-only">{t('settings.adminOnly')}</p>}
            <label class="row">
              {t('settings.llmEndpoint')}{' '}
              <input type="url" disabled={!admin} data-testid="llm-endpoint" value={prefs.llm_endpoint} placeholder="http://127.0.0.1:8080" onInput={(e) => setPrefs({ ...prefs, llm_endpoint: e.currentTarget.value })} />
            </label>
            <label class="row">
              {t('settings.llmModel')}{' '}
              <input type="text" disabled={!admin} value={prefs.llm_model ?? ''} placeholder="/path/to/model.gguf" onInput={(e) => setPrefs({ ...prefs, llm_model: e.currentTarget.value })} />
            </label>
            <p class="muted small">{t('settings.llmHint')}</p>
            <ModelFitLine state={state} />
            <button
              type="button"
              disabled={!admin}
              onClick={() => void state.settings.testLLM(prefs.llm_endpoint)}
            >
              {t('settings.test')}
            </button>
            <span role="status" data-ok={llmCheck?.ok}>
              {llmCheck?.text}
            </span>
            <h2>{t('settings.retention')}</h2>
            <label>
              {t('settings.retentionDays')}{' '}
              <input type="number" min={0} disabled={!admin} value={prefs.retention_days} onInput={(e) => setPrefs({ ...prefs, retention_days: Number(e.currentTarget.value) })} />
            </label>
            <h2>{t('settings.idleLock')}</h2>
            <label>
              {t('settings.idleLockMinutes')}{' '}
              <input
                type="number"
                min={0}
                max={1440}
                disabled={!admin}
                data-testid="idle-lock"
                value={prefs.idle_lock_minutes}
                onInput={(e) => setPrefs({ ...prefs, idle_lock_minutes: Number(e.currentTarget.value) })}
              />
            </label>
            <h2>{t('settings.clinic')}</h2>
            <input type="text" aria-label={t('settings.clinic')} value={prefs.clinic_name} onInput={(e) => setPrefs({ ...prefs, clinic_name: e.currentTarget.value })} />
            <p>
              <button type="submit" class="primary">
                {t('common.save')}
              </button>
            </p>
          </form>
        )}
        {!state.onServer && <OwnPassword state={state} />}
        <TemplateEditor state={state} />
        {!state.onServer && <ClinicServerPanel state={state} />}
        {info && (
          <div class="panel">
            <h2>{t('settings.about')}</h2>
            <dl class="facts">
              <dt>{t('settings.version')}</dt>
              <dd>
                {info.product} {info.version}
              </dd>
              <dt>{t('settings.dataDir')}</dt>
              <dd>
                <code>{info.data_dir}</code>
              </dd>
              <dt>{t('settings.database')}</dt>
              <dd>
                SQLite {info.sqlite_version}, schema v{info.schema_version}
              </dd>
            </dl>
          </div>
        )}
      </div>
    </section>
  );
}

/** UserAdmin is an admin's changes to one user: role, disable, a new password. */
function UserAdmin({ state, name, role, disabled }: { state: AppState; name: string; role: UserRole; disabled: boolean }) {
  const t = state.t;
  const [pw, setPw] = useState('');
  return (
    <span class="row user-admin">
      <select aria-label={t('settings.role')} value={role} data-testid={`role-${name}`} onChange={(e) => isUserRole(e.currentTarget.value) && void state.setUserRole(name, e.currentTarget.value)}>
        {Object.entries(roleLabels).map(([r, key]) => (
          <option key={r} value={r}>
            {t(key)}
          </option>
        ))}
      </select>
      {!disabled && (
        <button type="button" data-testid={`disable-${name}`} onClick={() => void state.disableUser(name)}>
          {t('settings.disable')}
        </button>
      )}
      <input type="password" autocomplete="new-password" aria-label={t('settings.newPassword')} placeholder={t('settings.newPassword')} value={pw} onInput={(e) => setPw(e.currentTarget.value)} />
      <button type="button" disabled={!pw} onClick={() => void state.resetUserPassword(name, pw).then((ok) => ok && setPw(''))}>
        {t('settings.resetPassword')}
      </button>
    </span>
  );
}

/** OwnPassword lets the logged-in user change their password (the old one is asked again). */
function OwnPassword({ state }: { state: AppState }) {
  const t = state.t;
  const [old, setOld] = useState('');
  const [pw, setPw] = useState('');
  const [again, setAgain] = useState('');
  const mismatch = pw !== '' && again !== '' && pw !== again;
  return (
    <form
      class="panel"
      data-testid="own-password"
      onSubmit={(e) => {
        e.preventDefault();
        if (mismatch) return;
        void state.changeOwnPassword(old, pw).then((ok) => {
          if (ok) {
            setOld('');
            setPw('');
            setAgain('');
          }
        });
      }}
    >
      <h2>{t('settings.ownPassword')}</h2>
      <label>
        {t('settings.currentPassword')}{' '}
        <input type="password" autocomplete="current-password" value={old} onInput={(e) => setOld(e.currentTarget.value)} />
      </label>
      <label>
        {t('settings.newPassword')}{' '}
        <input type="password" autocomplete="new-password" value={pw} onInput={(e) => setPw(e.currentTarget.value)} />
      </label>
      <label>
        {t('setup.confirm')}{' '}
        <input type="password" autocomplete="new-password" value={again} onInput={(e) => setAgain(e.currentTarget.value)} />
      </label>
      {mismatch && <p class="error">{t('setup.mismatch')}</p>}
      <button type="submit" disabled={!old || !pw || pw !== again}>
        {t('settings.changePassword')}
      </button>
    </form>
  );
}

/** ModelFitLine says which language model sizes fit this computer and which one is
 * advised for its cores (app.Settings.ModelFit; `greffier doctor` says the same). */
function ModelFitLine({ state }: { state: AppState }) {
  const t = state.t;
  const fit = useStore(state.settings.modelFit).value;
  if (!fit) return null;
  const fits = fit.sizes.filter((s) => s.fits).map((s) => s.key.toUpperCase());
  return (
    <p class="small" data-testid="model-fit">
      {fits.length ? t('settings.modelFit', { sizes: fits.join(', ') }) : t('settings.modelFitNone')}{' '}
      {fit.suggested && t('settings.modelSuggested', { size: fit.suggested.toUpperCase(), cores: fit.cores, gib: (fit.budget_mib / 1024).toFixed(1) })}
    </p>
  );
}
