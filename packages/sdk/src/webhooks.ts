import { WebhookVerificationError } from './errors.ts';

/** A webhook event as Kino POSTs it: `{id, type, createdAt, data}`. */
export interface WebhookEvent<D = Record<string, unknown>> {
  id: string;
  type:
    | 'upload.completed'
    | 'media.playable'
    | 'media.ready'
    | 'media.errored'
    | 'media.captions.ready'
    | (string & {});
  createdAt: string;
  data: D;
}

export interface VerifyWebhookInput {
  /** The endpoint's signing secret (from `POST /v1/webhooks` or `rotate-secret`). */
  secret: string;
  /** The `Kino-Signature` header: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>`. */
  header: string | null | undefined;
  /** The request body exactly as received, before any JSON parsing. */
  rawBody: string | Uint8Array;
  /** How far the signature's time may be from now, in seconds (default 300). */
  toleranceSeconds?: number;
  /** Now, in ms since the epoch (default `Date.now()`); for tests. */
  now?: number;
}

const encoder = new TextEncoder();

/**
 * Checks a webhook's `Kino-Signature` on the raw body and returns the parsed event; throws
 * WebhookVerificationError when the header is missing or malformed, its time is more than
 * `toleranceSeconds` from now (a replay), or no `v1` signature matches. The comparison is made
 * by WebCrypto's HMAC verify, in constant time; it runs in Node.js 20+, browsers, Deno and workers.
 * Reject an event whose `id` you have already handled too: delivery is at least once.
 *
 * @example
 * http.createServer(async (req, res) => {
 *   const chunks = [];
 *   for await (const chunk of req) chunks.push(chunk);
 *   try {
 *     const event = await verifyWebhook({
 *       secret: process.env.KINO_WEBHOOK_SECRET,
 *       header: req.headers['kino-signature'],
 *       rawBody: Buffer.concat(chunks),
 *     });
 *     if (event.type === 'media.ready') console.log('ready:', event.data.id);
 *     res.writeHead(204).end();
 *   } catch {
 *     res.writeHead(400).end();
 *   }
 * });
 */
export async function verifyWebhook<D = Record<string, unknown>>(
  input: VerifyWebhookInput,
): Promise<WebhookEvent<D>> {
  const { timestamp, signatures } = parseSignatureHeader(input.header);
  const nowSeconds = (input.now ?? Date.now()) / 1000;
  if (Math.abs(nowSeconds - Number(timestamp)) > (input.toleranceSeconds ?? 300)) {
    throw new WebhookVerificationError('timestamp_out_of_tolerance');
  }
  const body = typeof input.rawBody === 'string' ? encoder.encode(input.rawBody) : input.rawBody;
  const signed = concat(encoder.encode(`${timestamp}.`), body);
  const key = await crypto.subtle.importKey(
    'raw',
    encoder.encode(input.secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['verify'],
  );
  let valid = false;
  for (const signature of signatures) {
    // One signature per secret: during a secret rotation a header may carry two.
    if (await crypto.subtle.verify('HMAC', key, signature, signed)) valid = true;
  }
  if (!valid) throw new WebhookVerificationError('signature_mismatch');
  try {
    return JSON.parse(new TextDecoder().decode(body)) as WebhookEvent<D>;
  } catch {
    throw new WebhookVerificationError('malformed_body');
  }
}

/** The `t` and every `v1` of a `Kino-Signature` header. */
function parseSignatureHeader(header: string | null | undefined): {
  timestamp: string;
  signatures: Uint8Array<ArrayBuffer>[];
} {
  if (header === null || header === undefined || header === '')
    throw new WebhookVerificationError('missing_signature');
  let timestamp: string | undefined;
  const signatures: Uint8Array<ArrayBuffer>[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (eq < 0) continue;
    if (name === 't' && /^\d{1,12}$/.test(value)) timestamp = value;
    else if (name === 'v1' && /^(?:[0-9a-f]{2})+$/i.test(value)) signatures.push(hexBytes(value));
  }
  if (timestamp === undefined || signatures.length === 0)
    throw new WebhookVerificationError('malformed_signature');
  return { timestamp, signatures };
}

function hexBytes(hex: string): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
