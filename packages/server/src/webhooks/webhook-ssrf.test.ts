import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestKino, type TestKino } from '../../test/test-kino.ts';
import { tableResolver } from '../../test/test-source-server.ts';
import { postWebhook } from './webhook-post.ts';

/**
 * Webhooks reach only public addresses: a link-local (cloud metadata) URL is refused when the
 * endpoint is created, and a name that resolves to one at delivery time is refused before any
 * connection (the delivery goes through the same pinned-DNS guard as URL import).
 */
describe('webhooks to inside addresses', () => {
  let kino: TestKino;
  let listener: net.Server;
  let connections = 0;
  let port = 0;

  beforeAll(async () => {
    kino = await startTestKino('sqlite');
    listener = net.createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    port = (listener.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    await kino.close();
    await new Promise((resolve) => listener.close(resolve));
  });

  it('refuses a link-local endpoint at creation', async () => {
    const { key } = await kino.tenant();
    for (const url of [
      'https://169.254.169.254/latest/meta-data',
      'https://169.254.10.1/hooks',
      'https://[fe80::1]/h',
    ]) {
      const res = await kino.call(key, 'POST', '/v1/webhooks', { url });
      expect(res.statusCode, url).toBe(400);
      expect(res.json()).toMatchObject({ code: 'invalid_request' });
    }
  });

  it('refuses at delivery a name that now resolves to a link-local address, without connecting', async () => {
    const outcome = await postWebhook(
      `https://hooks.example.test:${port}/kino`,
      '{}',
      {},
      {
        allowPrivate: false,
        timeoutMs: 5_000,
        fetch: {
          resolver: tableResolver({ 'hooks.example.test': ['169.254.169.254'] }),
          // Were the address let through, the socket would reach the local listener.
          route: () => ({ address: '127.0.0.1', family: 4 }),
        },
      },
    );
    expect(outcome).toMatchObject({ ok: false, status: null, permanent: true });
    expect(outcome.error).toMatch(/169\.254\.169\.254/);
    expect(connections).toBe(0);
  });
});
