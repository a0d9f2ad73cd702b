import { launchChromium, openPage, waitForPlayback, type WatchedPage } from '@kino/testkit/browser';
import { generate } from '@kino/testkit/media';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKinoProcess, type KinoProcess } from '../e2e/kino-process.ts';

/** Not signed in yet: the console asks for the session first, and a 401 there is expected. */
const unexpected = (errors: string[]) =>
  errors.filter((e) => !/401 \(Unauthorized\).*\/v1\/auth\/session\)$/.test(e));

/** What a fresh Kino printed at start: the console's address and the one-time setup code. */
async function firstRunOutput(kino: KinoProcess): Promise<{ consoleUrl: string; code: string }> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const out = kino.output();
    const consoleUrl = /^Console: (\S+)$/m.exec(out)?.[1];
    const code = /^Setup code[^\n]*\n\n {2}(\S+)$/m.exec(out)?.[1];
    if (consoleUrl && code) return { consoleUrl, code };
    if (Date.now() > deadline) throw new Error(`no console URL and setup code in the output:\n${out}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('the first run of a fresh Kino, in the console', () => {
  let kino: KinoProcess | undefined;
  let launching: Promise<Browser> | undefined;
  let clip = '';
  const pages: WatchedPage[] = [];

  beforeAll(async () => {
    launching = launchChromium();
    const generating = generate({ width: 640, height: 360, durationSec: 6 });
    // No KINO_ADMIN_KEY: a fresh install, whose first start generates the operator key too.
    kino = await startKinoProcess({ KINO_ADMIN_KEY: '' });
    clip = await generating;
  }, 120_000);

  afterAll(async () => {
    const steps = [
      ...pages.map((p) => () => p.close()),
      async () => (await launching)?.close(),
      () => kino?.stop(),
    ];
    for (const step of steps) await Promise.resolve(step()).catch(() => undefined);
  });

  it('prints the console URL and a setup code, creates the first admin, uploads and plays; the code works once', async () => {
    if (!kino || !launching) throw new Error('not started');
    const { consoleUrl, code } = await firstRunOutput(kino);
    expect(kino.output()).toMatch(/Kino operator key \(saved in .*operator-key, shown only now\)/);
    expect(consoleUrl).toBe(`${kino.baseUrl}/`);
    expect(code).toMatch(/^[A-Z2-9]{4}(-[A-Z2-9]{4}){3}$/);
    const browser = await launching;
    const explain = (page: WatchedPage) => async () =>
      `page errors: ${JSON.stringify(page.errors)}\n--- kino output ---\n${kino?.output().slice(-4000) ?? ''}`;

    // A phone first: the setup page fits a narrow screen.
    const phone = await openPage(browser, consoleUrl, { viewport: { width: 390, height: 844 } });
    pages.push(phone);
    await phone.page.getByRole('heading', { name: 'Create the first administrator' }).waitFor();
    expect(new URL(phone.page.url()).pathname).toBe('/setup');
    await phone.screenshot('first-run-setup-phone.png');

    const watched = await openPage(browser, consoleUrl, { viewport: { width: 1280, height: 800 } });
    pages.push(watched);
    const { page } = watched;
    await page.getByRole('heading', { name: 'Create the first administrator' }).waitFor();
    await watched.screenshot('first-run-setup-desktop.png');

    // A wrong code is refused on the page, and the code still works after it.
    const form = {
      'Setup code': 'AAAA-BBBB-CCCC-DDDD',
      'Organisation name': 'Acme Media',
      'Your name': 'Ada Admin',
      Email: 'ada@acme.test',
      Password: 'first-admin-password-1',
    };
    for (const [label, value] of Object.entries(form))
      await page.getByLabel(label, { exact: true }).fill(value);
    await page.getByRole('button', { name: 'Create administrator and sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'setup code is not valid' }).waitFor();
    await watched.screenshot('first-run-wrong-code-desktop.png');

    await page.getByLabel('Setup code', { exact: true }).fill(code);
    await page.getByRole('button', { name: 'Create administrator and sign in' }).click();
    await page.waitForURL((url) => url.pathname === '/library', { timeout: 60_000 });
    await page.getByText('No videos yet.').waitFor();
    await watched.screenshot('first-run-library-desktop.png');

    // Signed in as the organisation's admin: upload a video and play it.
    await page.getByRole('link', { name: 'Upload', exact: true }).first().click();
    await page.locator('.uppy-Dashboard').waitFor();
    await page.locator('input.uppy-Dashboard-input[type=file]').first().setInputFiles(clip);
    const uploaded = page.getByRole('list', { name: 'Uploaded' }).getByRole('link');
    await uploaded.waitFor({ timeout: 90_000 });
    await uploaded.click();
    await page.waitForURL(/\/media\/med_/);
    await page.locator('kino-player video').waitFor({ timeout: 60_000 });
    await page.locator('kino-player .kp-bar media-play-button').click();
    const state = await waitForPlayback(page, {
      seconds: 1.5,
      selector: 'kino-player video',
      timeoutMs: 20_000,
      explain: explain(watched),
    });
    expect(state.errorCode).toBeNull();

    // The phone's page, reloaded, is a sign-in page now: setup is over.
    await phone.page.reload();
    await phone.page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(new URL(phone.page.url()).pathname).toBe('/login');

    // The same code a second time, through the API: refused.
    const again = await fetch(`${kino.baseUrl}/v1/setup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        code,
        organisation: 'Evil',
        name: 'Eve',
        email: 'eve@evil.test',
        password: 'another-password-1',
      }),
    });
    expect(again.status).toBe(403);
    expect(await again.json()).toMatchObject({ code: 'invalid_setup_code' });
    expect(await (await fetch(`${kino.baseUrl}/v1/setup`)).json()).toEqual({ needed: false });

    // The wrong code's 403 is logged by the browser; nothing else went wrong on either page.
    const wrongCode = /403 \(Forbidden\).*\/v1\/setup\)$/;
    expect(unexpected(watched.errors).filter((e) => !wrongCode.test(e))).toHaveLength(0);
    expect(unexpected(phone.errors)).toEqual([]);
  }, 300_000);
});
