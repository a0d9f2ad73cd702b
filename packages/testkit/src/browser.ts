import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/**
 * Debian's Chromium (package `chromium`, installed by scripts/ensure-system-deps.sh chromium).
 * playwright-core never downloads a browser of its own: it has no install step.
 */
export const CHROMIUM_PATH = process.env.KINO_TEST_CHROMIUM ?? '/usr/bin/chromium';

/** Where screenshots go unless a test names another place. */
export const SCREENSHOT_DIR = path.join(os.tmpdir(), 'kino-screenshots');

/** Starts headless Chromium; the caller closes it (in afterAll, so a failing test closes it too). */
export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}. Install Debian's package with ` +
        '`scripts/ensure-system-deps.sh chromium` (scripts/test.sh does), or set KINO_TEST_CHROMIUM ' +
        'to another Chromium binary.',
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    // Playwright then passes --no-sandbox: the setuid sandbox cannot start as root or in most
    // containers, and the browser only ever loads pages served by the test itself.
    chromiumSandbox: false,
    timeout: 30_000,
    args: [
      // Containers often give /dev/shm only 64 MB; Chromium then crashes on video frames.
      '--disable-dev-shm-usage',
      '--autoplay-policy=no-user-gesture-required',
      '--mute-audio',
    ],
  });
}

/** A page in its own browser context, with what went wrong in it collected as it happens. */
export interface WatchedPage {
  page: Page;
  /** Console errors and uncaught exceptions, in order. */
  errors: string[];
  /** Writes a PNG of the viewport; a bare name goes to SCREENSHOT_DIR. Returns the path. */
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export async function openPage(
  browser: Browser,
  url: string,
  opts: { viewport?: { width: number; height: number } } = {},
): Promise<WatchedPage> {
  const context: BrowserContext = await browser.newContext({
    viewport: opts.viewport ?? { width: 1024, height: 640 },
  });
  // Playwright's 30 s default is too short for a machine busy with other work; a wait that should
  // succeed still ends, with a clear error, within a test's own timeout.
  context.setDefaultTimeout(60_000);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const where = msg.location().url;
    // Chromium asks every origin for a favicon on its own; a 404 there says nothing about the page.
    if (where.endsWith('/favicon.ico')) return;
    errors.push(`console: ${msg.text()}${where ? ` (${where})` : ''}`);
  });
  page.on('pageerror', (err) => errors.push(`uncaught: ${err.message}`));
  const response = await page.goto(url, { waitUntil: 'load' });
  if (response && !response.ok()) {
    const body = (await response.text()).slice(0, 500);
    await context.close();
    throw new Error(`${url} answered ${response.status()}: ${body}`);
  }
  return {
    page,
    errors,
    screenshot: async (name) => {
      const file = path.isAbsolute(name) ? name : path.join(SCREENSHOT_DIR, name);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      await page.screenshot({ path: file });
      return file;
    },
    close: () => context.close(),
  };
}

/** What a <video> element says about itself (null when the page has no such element). */
export interface VideoState {
  currentTime: number;
  duration: number;
  paused: boolean;
  ended: boolean;
  readyState: number;
  videoWidth: number;
  videoHeight: number;
  /** MediaError code (1 aborted, 2 network, 3 decode, 4 not supported), or null. */
  errorCode: number | null;
}

export async function videoState(page: Page, selector = 'video'): Promise<VideoState | null> {
  // A string runs in the page: this package is typed for Node, without the DOM's types.
  return page.evaluate<VideoState | null>(`(() => {
    const v = document.querySelector(${JSON.stringify(selector)});
    if (!v) return null;
    return {
      currentTime: v.currentTime, duration: v.duration, paused: v.paused, ended: v.ended,
      readyState: v.readyState, videoWidth: v.videoWidth, videoHeight: v.videoHeight,
      errorCode: v.error ? v.error.code : null,
    };
  })()`);
}

/** Calls play() on the element; resolves to 'playing' or the reason the browser refused. */
export async function playVideo(page: Page, selector = 'video'): Promise<string> {
  return page.evaluate<string>(`(() => {
    const v = document.querySelector(${JSON.stringify(selector)});
    if (!v) return 'no such element';
    return v.play().then(() => 'playing', (err) => String(err));
  })()`);
}

/**
 * Waits until the element's playhead passes `seconds` while playing; fails early on a media
 * error and, on time-out, says where the element stood.
 */
export async function waitForPlayback(
  page: Page,
  opts: {
    seconds: number;
    selector?: string;
    timeoutMs?: number;
    /** A further condition on the playing element. */
    until?: (s: VideoState) => boolean;
    /** More to say when it fails (a player's own state, server logs). */
    explain?: () => Promise<string>;
  },
): Promise<VideoState> {
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  const fail = async (what: string) =>
    new Error(`${what}${opts.explain ? `\n${await opts.explain().catch(String)}` : ''}`);
  for (;;) {
    const last = await videoState(page, opts.selector);
    if (last?.errorCode != null) throw await fail(`the video failed: ${JSON.stringify(last)}`);
    if (last && !last.paused && last.currentTime > opts.seconds && (opts.until?.(last) ?? true)) return last;
    if (Date.now() > deadline) {
      throw await fail(`the video did not play past ${opts.seconds} s in time: ${JSON.stringify(last)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
