import http from 'node:http';
import { freePort } from '../e2e/kino-process.ts';

export interface ReceivedWebhook {
  at: number;
  eventId: string;
  deliveryId: string;
  signature: string;
  /** The raw body, as signed. */
  body: string;
}

/**
 * A webhook receiver on a port chosen up front, so that an endpoint can name it while nothing
 * listens there yet (the receiver is down); `start()` brings it up, answering 204 to every POST.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  private server: http.Server | undefined;

  private constructor(readonly port: number) {}

  static async reserve(): Promise<WebhookReceiver> {
    return new WebhookReceiver(await freePort());
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  async start(): Promise<void> {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        this.received.push({
          at: Date.now(),
          eventId: String(req.headers['kino-event-id']),
          deliveryId: String(req.headers['kino-delivery-id']),
          signature: String(req.headers['kino-signature']),
          body: Buffer.concat(chunks).toString('utf8'),
        });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.server = server;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}
