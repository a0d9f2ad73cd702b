/**
 * LTI 1.3 in a real browser: a local platform stand-in (test/lti-platform-stand-in.ts) frames Kino
 * in its course page, in Chromium with third-party cookies blocked. A teacher places a video
 * through Deep Linking (the stand-in verifies Kino's signed answer against /lti/jwks), and a
 * student's launch of that link plays the private video, with the platform's client-side storage
 * and without.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CHROMIUM_PATH } from '@kino/testkit/browser';
import { generate } from '@kino/testkit/media';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../e2e/kino-process.ts';
import { startLtiPlatform, type LtiPlatformStandIn } from '../lti-platform-stand-in.ts';
import { tusUpload } from '../media-upload.ts';
import { startConsoleKino, waitForPlayable, type ConsoleKino } from './console-fixture.ts';

const SHOTS = path.join(REPO_ROOT, 'docs/screenshots');
const VIEWPORTS = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;

/** Chromium as the other browser tests start it, with third-party cookies blocked. */
function launchWithoutThirdPartyCookies(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    chromiumSandbox: false,
    timeout: 30_000,
    args: [
      '--disable-dev-shm-usage',
      '--autoplay-policy=no-user-gesture-required',
      '--mute-audio',
      '--test-third-party-cookie-phaseout',
    ],
  });
}

async function frameAt(page: Page, pathPart: string, timeoutMs = 20_000): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const frame = page.frames().find((f) => f !== page.mainFrame() && f.url().includes(pathPart));
    if (frame) return frame;
    if (Date.now() > deadline)
      throw new Error(
        `no frame at ${pathPart}: ${page
          .frames()
          .map((f) => f.url())
          .join(', ')}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Plays the frame's <video> and waits until its playhead passes `seconds`. */
async function playsInFrame(frame: Frame, seconds: number): Promise<number> {
  await frame.locator('video').waitFor({ timeout: 20_000 });
  await frame.evaluate("document.querySelector('video').play()");
  const deadline = Date.now() + 30_000;
  for (;;) {
    const t = await frame.evaluate<number>("document.querySelector('video').currentTime");
    if (t > seconds) return t;
    const error = await frame.evaluate<number | null>("document.querySelector('video').error?.code ?? null");
    if (error !== null) throw new Error(`the video failed with code ${error}`);
    if (Date.now() > deadline) throw new Error(`the video stayed at ${t} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('LTI launch and Deep Linking in Chromium without third-party cookies', () => {
  let kino: ConsoleKino | undefined;
  let platform: LtiPlatformStandIn | undefined;
  let browser: Browser | undefined;
  let mediaId = '';
  /** Kino as the browser reaches it: another site than the platform (127.0.0.1). */
  let kinoBase = '';

  beforeAll(async () => {
    const launching = launchWithoutThirdPartyCookies();
    const clip = generate({ width: 640, height: 360, durationSec: 6 });
    kino = await startConsoleKino({ KINO_IMPORT_ALLOW_PRIVATE: '1' });
    platform = await startLtiPlatform();
    kinoBase = kino.kino.baseUrl.replace('127.0.0.1', 'localhost');
    const uploaded = await tusUpload(kino.kino.baseUrl, kino.tenant.apiKey, await clip, {
      filename: 'mitosis.mp4',
      title: 'Mitosis, step by step',
      visibility: 'private',
    });
    mediaId = uploaded.mediaId;
    await waitForPlayable(kino, mediaId);
    await kino.api(
      'POST',
      '/v1/lti/platforms',
      {
        issuer: platform.issuer,
        clientId: platform.clientId,
        deploymentIds: [platform.deploymentId],
        authLoginUrl: platform.authUrl,
        jwksUrl: platform.jwksUrl,
      },
      kino.tenant.apiKey,
    );
    browser = await launching;
  }, 180_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await platform?.close().catch(() => undefined);
    await kino?.stop().catch(() => undefined);
  });

  it('blocks third-party cookies in the frame (so nothing below can lean on them)', async () => {
    if (!browser || !platform) throw new Error('not started');
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(platform.coursePage(kinoBase, { kind: 'resource', role: 'learner', mediaId }));
    const frame = await frameAt(page, '/embed/');
    const inFrame = await frame.evaluate<string>(
      "document.cookie = 'probe=1; SameSite=None; Secure; path=/'; document.cookie",
    );
    expect(inFrame).not.toContain('probe=1');
    const top = await context.newPage();
    await top.goto(`${kinoBase}/lti/jwks`);
    expect(
      await top.evaluate<string>(
        "document.cookie = 'probe=1; SameSite=None; Secure; path=/'; document.cookie",
      ),
    ).toContain('probe=1');
    await context.close();
  });

  it('a teacher places the video through Deep Linking; a student launch of the link plays it', async () => {
    if (!browser || !platform) throw new Error('not started');
    fs.mkdirSync(SHOTS, { recursive: true });
    for (const [size, viewport] of Object.entries(VIEWPORTS)) {
      const context = await browser.newContext({ viewport });
      const page = await context.newPage();
      await page.goto(platform.coursePage(kinoBase, { kind: 'deep', role: 'instructor' }));
      const picker = await frameAt(page, '/lti/deep-link/');
      await picker.getByText('Mitosis, step by step').waitFor();
      await page.screenshot({ path: path.join(SHOTS, `lti-picker-${size}.png`) });
      await context.close();
    }

    const context = await browser.newContext({ viewport: VIEWPORTS.desktop });
    const teacher = await context.newPage();
    await teacher.goto(platform.coursePage(kinoBase, { kind: 'deep', role: 'instructor' }));
    const picker = await frameAt(teacher, '/lti/deep-link/');
    await picker.locator(`button[data-media-id="${mediaId}"]`).click();
    const returned = await frameAt(teacher, '/deep-link-return');
    await returned.locator('#placed').waitFor();
    expect(await returned.locator('#placed').textContent()).toBe('Placed: Mitosis, step by step');
    const result = platform.deepLinkResults.at(-1);
    expect(result?.ok, result?.error).toBe(true);
    const item = (
      result?.payload?.['https://purl.imsglobal.org/spec/lti-dl/claim/content_items'] as {
        url: string;
        custom: { kino_media_id: string };
      }[]
    )[0];
    expect(item?.custom.kino_media_id).toBe(mediaId);

    for (const storage of [true, false]) {
      const student = await context.newPage();
      await student.goto(
        platform.coursePage(kinoBase, {
          kind: 'resource',
          role: 'learner',
          mediaId: item?.custom.kino_media_id ?? '',
          targetLinkUri: item?.url ?? '',
          storage,
        }),
      );
      const player = await frameAt(student, '/embed/');
      expect(await playsInFrame(player, 1)).toBeGreaterThan(1);
      const messages = await student.evaluate<string[]>('window.ltiMessages');
      if (storage) expect(messages).toEqual(expect.arrayContaining(['lti.put_data', 'lti.get_data']));
      else expect(messages).toEqual([]);
      if (storage) await student.screenshot({ path: path.join(SHOTS, 'lti-player-desktop.png') });
      await student.close();
    }
    await context.close();
  });

  it('a student launch plays at phone size too, and a refused launch shows its code', async () => {
    if (!browser || !platform) throw new Error('not started');
    const context = await browser.newContext({ viewport: VIEWPORTS.phone });
    const page = await context.newPage();
    await page.goto(platform.coursePage(kinoBase, { kind: 'resource', role: 'learner', mediaId }));
    expect(await playsInFrame(await frameAt(page, '/embed/'), 1)).toBeGreaterThan(1);
    await page.screenshot({ path: path.join(SHOTS, 'lti-player-phone.png') });

    // A learner asking for the picker is refused on a page naming the code.
    for (const [size, viewport] of Object.entries(VIEWPORTS)) {
      await page.setViewportSize(viewport);
      await page.goto(platform.coursePage(kinoBase, { kind: 'deep', role: 'learner' }));
      const refused = await frameAt(page, '/lti/launch');
      await refused.locator('#refusal').waitFor();
      expect(await refused.locator('#refusal').getAttribute('data-code')).toBe('lti_role_forbidden');
      await page.screenshot({ path: path.join(SHOTS, `lti-refused-${size}.png`) });
    }
    await context.close();
  });
});
