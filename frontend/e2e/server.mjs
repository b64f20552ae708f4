// The clinic server in Debian's chromium (playwright-core), over HTTPS, started by
// server/e2e_test.go with a real SQLite database: a secretary logs in in French,
// opens the review queue, edits a section (autosaved), marks the note ready; a
// physician logs in in English, signs with their password and downloads the PDF. The certificate is
// trusted by pinning its public key (--ignore-certificate-errors-spki-list), as a
// workstation pins the fingerprint `serve init` printed.
// Environment: GREFFIER_URL, SPKI, LABEL, SEC_USER, SEC_PW, DOC_USER, DOC_PW, CHROMIUM, ARTIFACTS.
import { chromium } from 'playwright-core';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check, step } from './lib.mjs';

const env = process.env;
const url = env.GREFFIER_URL;
const label = env.LABEL;
const artifacts = env.ARTIFACTS ?? '';
const added = 'Toux sèche depuis une semaine selon la secrétaire.';

/** session opens a fresh browser profile (its own cookies) and runs fn with a page. */
async function session(who, fn) {
  const profile = mkdtempSync(join(tmpdir(), 'greffier-chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 860 },
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
      `--ignore-certificate-errors-spki-list=${env.SPKI}`],
  });
  const page = ctx.pages()[0] ?? (await ctx.newPage());
  page.setDefaultTimeout(30000);
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const shot = (name) => artifacts && page.screenshot({ path: join(artifacts, `server-${who}-${name}.png`), fullPage: true });
  try {
    await fn(page, shot);
    check(errors.length === 0, `page errors: ${errors.join('; ')}`);
    const banners = await page.locator('.error-banner, .load-error').allTextContents();
    check(banners.length === 0, `failures shown: ${banners.join('; ')}`);
  } catch (e) {
    await shot('failure').catch(() => {});
    throw e;
  } finally {
    await ctx.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

async function login(page, lang, user, password) {
  await page.goto(url);
  await page.getByTestId('login-form').waitFor();
  await page.getByTestId('login-lang').selectOption(lang);
  await page.getByTestId('login-user').fill(user);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
}

async function openFromQueue(page, group) {
  const row = page.getByTestId(group).locator('li', { hasText: label });
  await row.waitFor();
  await row.getByRole('button').click();
  await page.getByTestId('note').waitFor();
}

let failed = 0;
try {
  await session('secretary-fr', async (page, shot) => {
    await step('fr: a wrong password is refused with the server\'s message', async () => {
      await login(page, 'fr', env.SEC_USER, 'pas le bon mot de passe');
      const msg = await page.getByTestId('login-error').textContent();
      check(msg.startsWith('Connexion refusée'), `login error: ${msg}`);
      await shot('login-refused');
    });
    await step('fr: the secretary logs in and sees the review queue', async () => {
      await page.getByTestId('login-password').fill(env.SEC_PW);
      await page.getByTestId('login-submit').click();
      await page.getByRole('heading', { name: 'File de relecture' }).waitFor();
      check((await page.title()) === 'Greffier — File de relecture', `title is ${await page.title()}`);
      await shot('queue');
    });
    await step('fr: opens the note and edits a section (autosaved as version 2)', async () => {
      await openFromQueue(page, 'queue-drafted');
      const key = await page.locator('[data-section]').first().getAttribute('data-section');
      await page.getByTestId(`edit-${key}`).click();
      const ta = page.getByTestId(`text-${key}`);
      const before = await ta.inputValue();
      await ta.fill(before ? `${before}\n${added}` : added);
      await page.getByTestId('notice').getByText('Enregistré en version 2.').waitFor();
      await page.getByTestId(`edit-${key}`).click();
      await page.locator(`[data-section="${key}"] .sentence`, { hasText: added }).waitFor();
      await shot('edited');
    });
    await step('fr: marks the note ready; she cannot sign', async () => {
      check(await page.getByTestId('approve').isDisabled(), 'a secretary may press approve');
      check((await page.getByTestId('sign-password').count()) === 0, 'a secretary is asked for a signing password');
      await page.getByTestId('mark-ready').click();
      await page.locator('[data-testid="draft-state"][data-state="in_review"]').waitFor();
      check((await page.getByTestId('draft-state').textContent()) === 'En relecture', 'in review badge');
      await shot('ready');
    });
    await step('fr: filters the queue by physician, state and day', async () => {
      await page.locator('nav button[data-screen="queue"]').click();
      await page.getByTestId('filter-physician').selectOption('Dr House');
      await page.getByTestId('queue-in-review').locator('li', { hasText: label }).waitFor();
      await page.getByTestId('filter-state').selectOption('in_review');
      await page.getByTestId('queue-in-review').locator('li', { hasText: label }).waitFor();
      check((await page.getByTestId('queue-drafted').count()) === 0, 'drafted group shown');
      await shot('filtered');
      await page.getByTestId('filter-state').selectOption('approved');
      await page.getByTestId('queue-no-match').waitFor();
      await page.getByTestId('filter-from').fill('2001-01-01');
      await page.getByTestId('filter-reset').click();
      await page.getByTestId('queue-drafted').locator('li').first().waitFor();
    });
  });
  await session('physician-en', async (page, shot) => {
    await step('en: the physician logs in and finds the note to sign', async () => {
      await login(page, 'en', env.DOC_USER, env.DOC_PW);
      await page.getByRole('heading', { name: 'Review queue' }).waitFor();
      await openFromQueue(page, 'queue-in-review');
      await page.locator(`.sentence`, { hasText: added }).waitFor();
      await shot('to-sign');
    });
    await step('en: a wrong signing password is refused', async () => {
      await page.getByTestId('approve').click();
      const meaning = await page.getByTestId('sign-meaning').textContent();
      check(meaning.trim() === 'I have reviewed and approve this note', `signature meaning ${meaning}`);
      await page.getByTestId('sign-password').fill('not my password at all');
      await page.getByTestId('sign-confirm').click();
      await page.locator('.error-banner').waitFor();
      check((await page.getByTestId('draft-state').getAttribute('data-state')) === 'in_review', 'signed with a wrong password');
      await page.locator('.error-banner button').first().click();
    });
    await step('en: signs with the password', async () => {
      // The signing dialog stays open after the refusal.
      await page.getByTestId('sign-password').fill(env.DOC_PW);
      await page.getByTestId('sign-confirm').click();
      await page.locator('[data-testid="draft-state"][data-state="approved"]').waitFor();
      check((await page.getByTestId('draft-state').textContent()) === 'Approved', 'approved badge');
      await page.getByTestId('notice').getByText('Version 2 approved and signed.').waitFor();
      await shot('signed');
    });
    await step('en: downloads the signed note as PDF', async () => {
      await page.locator('nav button[data-screen="export"]').click();
      check((await page.locator('#export-dir').count()) === 0, 'a server folder is offered to the browser');
      await page.getByTestId('format-pdf').check();
      const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('run-export').click()]);
      check(/^encounter-\d+\.pdf$/.test(dl.suggestedFilename()), `downloaded as ${dl.suggestedFilename()}`);
      const head = readFileSync(await dl.path()).subarray(0, 5).toString();
      check(head === '%PDF-', `the download starts with ${head}`);
      const said = await page.getByTestId('export-result').textContent();
      check(said.includes('Downloaded as encounter-'), `export result: ${said}`);
      await shot('exported');
    });
    await step('en: logs out; the session no longer works', async () => {
      await page.getByTestId('logout').click();
      await page.getByTestId('login-form').waitFor();
      const status = await page.evaluate(async () => (await fetch('/api/encounters')).status);
      check(status === 401, `after logout the API answers ${status}`);
    });
  });
} catch (e) {
  failed++;
  console.log(`  FAIL ${e.message}`);
}
console.log(`e2e server: ${failed === 0 ? 'passed' : 'failed'}`);
process.exit(failed === 0 ? 0 : 1);
