import { launchChromium } from '@kino/testkit/browser';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../e2e/kino-process.ts';
import { publish, type Publisher } from '../live-publisher.ts';
import { logIn, startConsoleKino, type ConsoleKino } from './console-fixture.ts';

const SHOTS = '/tmp/liveui-shots';

describe('the console Live page', () => {
  let kino: ConsoleKino | undefined;
  let browser: Browser | undefined;
  let publisher: Publisher | undefined;

  beforeAll(async () => {
    const launching = launchChromium();
    kino = await startConsoleKino({ KINO_RTMP_PORT: String(await freePort()) });
    browser = await launching;
  }, 120_000);
  afterAll(async () => {
    await publisher?.kill().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await kino?.stop();
  });

  const newPage = async (width: number, height: number): Promise<Page> => {
    if (!browser) throw new Error('no browser');
    const context = await browser.newContext({ viewport: { width, height } });
    return context.newPage();
  };

  it('creates a stream, shows the OBS server and the key once, and follows the broadcast by itself', async () => {
    if (!kino) throw new Error('not started');
    const page = await newPage(1280, 800);
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await logIn(page, kino.kino.baseUrl, kino.admin, kino.password);
    await page.getByRole('link', { name: 'Live', exact: true }).click();
    await expect.poll(() => page.title()).toContain('Live');
    await page.getByLabel('Title').fill('Weekly all-hands');
    await page.getByLabel('Latency').selectOption('low');
    await page.getByLabel('Reconnect window (seconds)').fill('30');
    await page.getByRole('button', { name: 'Create live stream' }).click();
    await page.waitForURL(/\/live\/ls_/);
    await expect.poll(() => page.title()).toContain('Weekly all-hands');

    const server = await page.getByRole('textbox', { name: 'Server' }).inputValue();
    expect(server).toMatch(/^rtmp:\/\/[^/]+:\d+\/live$/);
    const key = await page.getByRole('textbox', { name: 'Stream key' }).inputValue();
    expect(key.length).toBeGreaterThan(10);
    await expect.poll(() => page.getByText('Copy it now').isVisible()).toBe(true);
    await expect
      .poll(() => page.getByText('Offline', { exact: true }).isVisible(), { timeout: 10_000 })
      .toBe(true);
    await page.screenshot({ path: `${SHOTS}/console-live-stream.png`, fullPage: true });

    // What OBS would do with those two values.
    publisher = publish(`${server.replace('localhost', '127.0.0.1')}/${key}`, { seconds: 40 });
    await expect
      .poll(() => page.locator('.page-header .badge').textContent(), { timeout: 30_000 })
      .toBe('Live');
    const time = () => page.evaluate<number>("document.querySelector('kino-player video')?.currentTime ?? 0");
    await expect.poll(time, { timeout: 30_000 }).toBeGreaterThan(1);
    const first = await time();
    await expect.poll(time, { timeout: 10_000 }).toBeGreaterThan(first + 1);
    await page.hover('kino-player');
    await page.screenshot({ path: `${SHOTS}/console-live-playing.png`, fullPage: true });

    await page.getByRole('button', { name: 'End broadcast' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'End broadcast' }).click();
    await expect
      .poll(() => page.locator('.page-header .badge').textContent(), { timeout: 15_000 })
      .toBe('Idle');
    const broadcasts = page.getByRole('region', { name: 'Broadcasts' }).getByRole('link');
    await expect.poll(() => broadcasts.count(), { timeout: 10_000 }).toBe(1);
    expect(await broadcasts.first().getAttribute('href')).toMatch(/^\/media\/med_/);

    // The list shows the stream with its status; on a phone too.
    const phone = await newPage(390, 844);
    await logIn(phone, kino.kino.baseUrl, kino.admin, kino.password);
    await phone.goto(`${kino.kino.baseUrl}/live`);
    await expect.poll(() => phone.getByRole('link', { name: 'Weekly all-hands' }).isVisible()).toBe(true);
    await phone.screenshot({ path: `${SHOTS}/console-live-phone.png`, fullPage: true });
    await phone.goto(page.url());
    await expect.poll(() => phone.getByRole('textbox', { name: 'Server' }).isVisible()).toBe(true);
    await expect
      .poll(() => phone.getByText('Offline', { exact: true }).isVisible(), { timeout: 10_000 })
      .toBe(true);
    await phone.screenshot({ path: `${SHOTS}/console-live-stream-phone.png`, fullPage: true });
    expect(errors).toEqual([]);
  }, 180_000);
});
