/**
 * Console single sign-on in Chromium against a real OpenID provider on loopback (oidc-provider,
 * test/oidc-provider-stand-in.ts): "Sign in with single sign-on" on the sign-in page, the
 * provider's sign-in and consent, and the console signed in; a replayed callback and a code issued
 * to another client are refused.
 */
import path from 'node:path';
import { launchChromium } from '@kino/testkit/browser';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../e2e/kino-process.ts';
import { startOidcProvider, type OidcProviderStandIn } from '../oidc-provider-stand-in.ts';
import { logIn, startConsoleKino, type ConsoleKino } from './console-fixture.ts';

const SHOTS = path.join(REPO_ROOT, 'docs/screenshots');

describe('console sign-in with OpenID Connect', () => {
  let kino: ConsoleKino | undefined;
  let provider: OidcProviderStandIn | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    const launching = launchChromium();
    kino = await startConsoleKino({ KINO_IMPORT_ALLOW_PRIVATE: '1' });
    provider = await startOidcProvider([`${kino.kino.baseUrl}/auth/oidc/callback`]);
    const client = provider.clients[0] ?? { id: '', secret: '' };
    await kino.api(
      'PUT',
      '/v1/tenant/sso',
      {
        oidc: {
          issuer: provider.issuer,
          clientId: client.id,
          clientSecret: client.secret,
          emailDomains: ['school.test'],
        },
      },
      kino.tenant.apiKey,
    );
    browser = await launching;
  }, 120_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await provider?.close().catch(() => undefined);
    await kino?.stop().catch(() => undefined);
  });

  /** The provider's development sign-in and consent pages, as a person fills them. */
  async function signInAtProvider(page: Page, login: string) {
    await page.locator('input[name="login"]').fill(login);
    await page.locator('input[name="password"]').fill('any password');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
  }

  const sessionOf = (page: Page) =>
    page.evaluate<{ user?: { email: string; role: string } }>(
      "fetch('/v1/auth/session').then((r) => r.json())",
    );

  it('signs a person in through the provider, creating the account; a replayed callback is refused', async () => {
    if (!kino || !browser) throw new Error('not started');
    const base = kino.kino.baseUrl;
    for (const [size, viewport] of [
      ['desktop', { width: 1280, height: 800 }],
      ['phone', { width: 390, height: 844 }],
    ] as const) {
      const context = await browser.newContext({ viewport });
      const page = await context.newPage();
      await page.goto(`${base}/login`);
      await page.getByRole('button', { name: 'Sign in with single sign-on' }).waitFor();
      await page.screenshot({ path: path.join(SHOTS, `console-login-sso-${size}.png`) });
      await context.close();
    }

    const context = await browser.newContext();
    const page = await context.newPage();
    const callbacks: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/auth/oidc/callback')) callbacks.push(r.url());
    });
    await page.goto(`${base}/login`);
    await page.getByRole('button', { name: 'Sign in with single sign-on' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('email');

    await page.getByLabel('Email').fill('ola@school.test');
    await page.getByRole('button', { name: 'Sign in with single sign-on' }).click();
    await page.waitForURL((url) => url.origin === provider?.issuer);
    await signInAtProvider(page, 'ola@school.test');
    await page
      .waitForURL((url) => url.origin === base && url.pathname === '/library', { timeout: 15_000 })
      .catch(async (err: unknown) => {
        throw new Error(
          `not in the library: ${page.url()}\n${(await page.content()).slice(0, 2000)}\n${kino?.kino.output() ?? ''}`,
          { cause: err },
        );
      });
    expect((await sessionOf(page)).user).toMatchObject({ email: 'ola@school.test', role: 'viewer' });

    expect(callbacks).toHaveLength(1);
    const replay = await page.goto(callbacks[0] ?? '');
    expect(replay?.status()).toBe(409);
    expect(await page.locator('#refusal').getAttribute('data-code')).toBe('sso_replayed');
    await context.close();
  });

  it('refuses a code the provider issued to another client', async () => {
    if (!kino || !browser || !provider) throw new Error('not started');
    const base = kino.kino.baseUrl;
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/login`);
    // Kino starts the sign-in (state, nonce, PKCE and its cookie) ...
    const started = await page.evaluate<{ url: string }>(
      "fetch('/v1/auth/sso', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'ola@school.test' }) }).then((r) => r.json())",
    );
    // ... but the browser is sent to the provider as another client, whose code comes back to Kino.
    const forged = new URL(started.url);
    forged.searchParams.set('client_id', provider.clients[1]?.id ?? '');
    await page.goto(forged.toString());
    await signInAtProvider(page, 'ola@school.test');
    await page.locator('#refusal').waitFor({ timeout: 15_000 });
    expect(await page.locator('#refusal').getAttribute('data-code')).toBe('sso_failed');
    expect((await sessionOf(page)).user).toBeUndefined();
    await context.close();
  });

  it('an admin sees and changes the settings in the console, the secret kept and never shown', async () => {
    if (!kino || !browser || !provider) throw new Error('not started');
    const base = kino.kino.baseUrl;
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await logIn(page, base, kino.admin, kino.password);
    await page.goto(`${base}/settings/sso`);
    await page.getByRole('heading', { name: 'Give these to your identity provider' }).waitFor();
    await expect(page.getByLabel('Issuer').inputValue()).resolves.toBe(provider.issuer);
    expect(await page.getByLabel('Client secret').inputValue()).toBe('');
    expect(await page.getByLabel('Client secret').getAttribute('placeholder')).toContain('stored');
    await page.getByLabel('Role of new accounts').first().selectOption('editor');
    const saving = page.waitForResponse(
      (r) => r.url().endsWith('/v1/tenant/sso') && r.request().method() === 'PUT',
    );
    await page.getByRole('button', { name: 'Save single sign-on' }).click();
    expect((await saving).status()).toBe(200);
    await page.screenshot({ path: path.join(SHOTS, 'settings-sso-desktop.png') });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: path.join(SHOTS, 'settings-sso-phone.png') });
    const saved = await kino.api<{ oidc: { defaultRole: string; clientSecretSet: boolean } }>(
      'GET',
      '/v1/tenant/sso',
      undefined,
      kino.tenant.apiKey,
    );
    expect(saved.oidc).toMatchObject({ defaultRole: 'editor', clientSecretSet: true });
    expect(await page.content()).not.toContain(provider.clients[0]?.secret ?? 'none');
    await context.close();
  });
});
