/**
 * The console's LMS settings page in Chromium: the tool URLs an LMS administrator enters, a
 * registration made through the form and listed, at desktop and phone size.
 */
import path from 'node:path';
import { launchChromium } from '@kino/testkit/browser';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../e2e/kino-process.ts';
import { logIn, startConsoleKino, type ConsoleKino } from './console-fixture.ts';

const SHOTS = path.join(REPO_ROOT, 'docs/screenshots');

describe('console LMS (LTI) settings', () => {
  let kino: ConsoleKino | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    const launching = launchChromium();
    kino = await startConsoleKino();
    browser = await launching;
  }, 120_000);
  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await kino?.stop().catch(() => undefined);
  });

  it('shows the tool URLs and registers an LMS', async () => {
    if (!kino || !browser) throw new Error('not started');
    const base = kino.kino.baseUrl;
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await logIn(page, base, kino.admin, kino.password);
    await page.goto(`${base}/settings/lms`);
    await expect(page.getByLabel('Initiate login URL').inputValue()).resolves.toBe(`${base}/lti/login`);
    await page.getByLabel('Platform ID (issuer)').fill('https://moodle.school.test');
    await page.getByLabel('Client ID').fill('kino-client-1');
    await page.getByLabel('Deployment IDs (comma-separated)').fill('1, 2');
    await page.getByLabel('Authentication request URL').fill('https://moodle.school.test/mod/lti/auth.php');
    await page.getByLabel('LMS public keyset URL').fill('https://moodle.school.test/mod/lti/certs.php');
    await page.getByRole('button', { name: 'Register LMS' }).click();
    await page.getByRole('cell', { name: 'https://moodle.school.test' }).waitFor();
    expect(await page.getByRole('cell', { name: '1, 2' }).count()).toBe(1);
    await page.screenshot({ path: path.join(SHOTS, 'settings-lms-desktop.png') });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: path.join(SHOTS, 'settings-lms-phone.png') });
    const listed = await kino.api<{ data: { issuer: string; deploymentIds: string[] }[] }>(
      'GET',
      '/v1/lti/platforms',
      undefined,
      kino.tenant.apiKey,
    );
    expect(listed.data).toEqual([
      expect.objectContaining({ issuer: 'https://moodle.school.test', deploymentIds: ['1', '2'] }),
    ]);
    await context.close();
  });
});
