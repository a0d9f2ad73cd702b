/**
 * POST routes whose answers or bodies hold a credential, and what the Idempotency-Key store keeps
 * of them. The store is a database table: a secret kept there in plain text would undo hashing it
 * everywhere else (API keys, sessions and upload URLs are stored as hashes, passwords as scrypt).
 *
 * - `redact`: the first answer is kept without these top-level fields, and a replay returns that
 *   (the resource's id and the rest, so the client can find, revoke or re-issue it) with
 *   `redacted: [the fields]`: a credential is shown once, as on creation. Encrypting the answer
 *   instead would need a key every process shares and the database does not hold; Kino has none.
 * - `requestSecrets`: request fields left out of the request's fingerprint, so that no fast hash
 *   of a password sits beside its slow one. Two requests differing only there count as the same.
 * - `rerun`: the route creates nothing (a playback token is signed, not stored), so a retry simply
 *   runs again and gets a fresh credential; the key is neither claimed nor kept.
 */
export type SecretPolicy =
  { kind: 'rerun' } | { kind: 'store'; redact: readonly string[]; requestSecrets: readonly string[] };

const store = (redact: string[], requestSecrets: string[] = []): SecretPolicy => ({
  kind: 'store',
  redact,
  requestSecrets,
});

/** By Fastify route pattern; a new route answering a credential belongs here (a test checks). */
export const SECRET_ROUTES: Readonly<Record<string, SecretPolicy>> = {
  'POST /v1/tenants': store(['apiKey']),
  'POST /v1/keys': store(['apiKey']),
  'POST /v1/tenants/:tenantId/keys': store(['apiKey']),
  'POST /v1/webhooks': store(['secret']),
  'POST /v1/webhooks/:webhookId/rotate-secret': store(['secret']),
  // The one-time upload URL carries its token; the waiting media's id stays in the answer.
  'POST /v1/upload-urls': store(['url']),
  'POST /v1/users': store(['inviteUrl'], ['password']),
  'POST /v1/users/:userId/invite': store(['inviteUrl']),
  'POST /v1/operator/users': store([], ['password']),
  'POST /v1/media/:id/playback-tokens': { kind: 'rerun' },
  // A stream key is a credential, and the RTMP URL beside it carries it too.
  'POST /v1/live-streams': store(['streamKey', 'ingest']),
  'POST /v1/live-streams/:id/reset-stream-key': store(['streamKey', 'ingest']),
  'POST /v1/live-streams/:id/playback-tokens': { kind: 'rerun' },
  // These share the stream's answer, whose key they never carry.
  'POST /v1/live-streams/:id/complete': store(['streamKey']),
  'POST /v1/live-streams/:id/disable': store(['streamKey']),
  'POST /v1/live-streams/:id/enable': store(['streamKey']),
};

export function secretPolicyOf(method: string, routeUrl: string | undefined): SecretPolicy | undefined {
  return routeUrl === undefined ? undefined : SECRET_ROUTES[`${method} ${routeUrl}`];
}

/** Stands in for a secret request field's value in a fingerprint. */
const OMITTED = '(secret)';

/** The request body as fingerprinted: the named fields' values replaced by a marker. */
export function withoutRequestSecrets(body: unknown, fields: readonly string[]): unknown {
  if (fields.length === 0 || typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const copy: Record<string, unknown> = { ...(body as Record<string, unknown>) };
  for (const field of fields) if (field in copy) copy[field] = OMITTED;
  return copy;
}

/**
 * The answer as stored for replay: a JSON object loses the named fields that hold a value, and
 * lists them in `redacted`. Null when the answer is no JSON object (then it is not kept at all).
 */
export function redactAnswer(body: string, fields: readonly string[]): string | null {
  if (fields.length === 0) return body;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
  const answer = { ...(parsed as Record<string, unknown>) };
  const removed = fields.filter((field) => answer[field] !== undefined && answer[field] !== null);
  if (removed.length === 0) return body;
  for (const field of removed) Reflect.deleteProperty(answer, field);
  return JSON.stringify({ ...answer, redacted: removed });
}
