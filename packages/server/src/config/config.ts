import path from 'node:path';
import { z } from 'zod';

/** Where the relational data lives. */
export type DatabaseConfig = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };

/** Where media bytes live. */
export type StorageConfig =
  | { kind: 'file'; dir: string }
  | { kind: 's3'; bucket: string; endpoint?: string; region: string; forcePathStyle: boolean };

export type Role = 'api' | 'worker' | 'live';

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  database: DatabaseConfig;
  storage: StorageConfig;
  adminKey: string | undefined;
  roles: ReadonlySet<Role>;
  publicUrl: string | undefined;
  importAllowPrivate: boolean;
  /** `presigned`: /play answers whole-file requests with a redirect to S3 (KINO_PLAY_REDIRECT). */
  playRedirect: 'stream' | 'presigned';
  /** Which proxies' X-Forwarded-For to believe for the client address (KINO_TRUST_PROXY). */
  trustProxy: boolean | string[];
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** A claimed job stays its worker's for `leaseMs` after each heartbeat (KINO_JOB_LEASE_MS, KINO_JOB_HEARTBEAT_MS). */
  jobLease: { leaseMs: number; heartbeatMs: number };
  /** Requests per minute each API key or console session may make (KINO_RATE_LIMIT_PER_MINUTE); 0: no limit. */
  rateLimitPerMinute: number;
  /** Upload requests (tus, form uploads) each process starts at once; the rest wait in line (KINO_UPLOAD_SLOTS). */
  uploadSlots: number;
  /** When set, /metrics answers only `Authorization: Bearer <token>` (KINO_METRICS_TOKEN). */
  metricsToken: string | undefined;
  /**
   * The account ffmpeg and ffprobe run as when Kino runs as root (KINO_MEDIA_USER, default
   * kino-media); null (KINO_MEDIA_USER set empty): they keep root.
   */
  mediaUser: string | null;
  /** Scheduled backups (KINO_BACKUP_URL, KINO_BACKUP_EVERY, KINO_BACKUP_KEEP); undefined without KINO_BACKUP_URL. */
  backup: BackupConfig | undefined;
  /** Encrypts the secrets of backups made with them (KINO_BACKUP_PASSPHRASE); never logged. */
  backupPassphrase: string | undefined;
  /** Live ingest (the live role): RTMP port (KINO_RTMP_PORT, 0 off) and the host encoders are told. */
  live: { rtmpPort: number; srtPort: number; publicHost: string | undefined };
  /** A recording with no byte for this long is completed as it is (KINO_RECORDING_ABANDON_AFTER: 90s, 30m, 2h). */
  recordingAbandonAfterMs: number;
  /** Zoom's REST API and OAuth bases (KINO_ZOOM_API_URL, KINO_ZOOM_OAUTH_URL); tests point them at a stand-in. */
  zoom: { apiUrl: string; oauthUrl: string };
  /** Playback analytics: how long per-view rows and hourly rollups are kept (KINO_ANALYTICS_VIEW_RETENTION, KINO_ANALYTICS_ROLLUP_RETENTION). */
  analytics: { viewRetentionMs: number; rollupRetentionMs: number };
  /** Cold storage of originals (KINO_COLD_*): when they move, and where or to which class. */
  cold: ColdConfig;
  /** Automatic captions: the engine (KINO_ASR), its model (KINO_ASR_MODEL), the openai engine's server (KINO_ASR_URL, KINO_ASR_API_KEY). */
  asr: AsrConfig;
}

export interface AsrConfig {
  engine: 'sphinx' | 'whisper' | 'openai';
  model: string | undefined;
  url: string | undefined;
  apiKey: string | undefined;
}

export interface ColdConfig {
  /** Originals hot for this many days move to the cold tier (KINO_COLD_AFTER_DAYS); 0: never. */
  afterDays: number;
  /** The folder adapter's cold folder (KINO_COLD_DIR, default <data>/cold). */
  dir: string;
  /**
   * The S3 adapter's cold storage class (KINO_COLD_STORAGE_CLASS): AWS's STANDARD_IA, GLACIER_IR,
   * GLACIER, DEEP_ARCHIVE…, or a class another S3 service defines (radosgw's placement classes).
   */
  storageClass: string;
  /** Days a restored copy of an archived original stays readable (KINO_COLD_RESTORE_DAYS). */
  restoreDays: number;
  /** The archive's retrieval speed (KINO_COLD_RESTORE_TIER). */
  restoreTier: 'Expedited' | 'Standard' | 'Bulk';
}

export interface BackupConfig {
  /** `file:///folder` or `s3://bucket/prefix?…` */
  url: string;
  everyMs: number;
  keep: number;
}

/** The account media tools run as when Kino runs as root (created by scripts/ensure-system-deps.sh). */
export const DEFAULT_MEDIA_USER = 'kino-media';

/** A configuration value that cannot be used; its message is one line meant for the operator. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const envSchema = z.object({
  KINO_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  KINO_HOST: z.string().min(1).default('0.0.0.0'),
  KINO_DATA_DIR: z.string().min(1).default('./data'),
  KINO_DATABASE_URL: z.string().optional(),
  KINO_STORAGE_URL: z.string().optional(),
  KINO_ADMIN_KEY: z.string().min(24, 'must be at least 24 characters').optional(),
  KINO_ROLES: z.string().default('api,worker,live'),
  KINO_RTMP_PORT: z.coerce.number().int().min(0).max(65535).default(1935),
  KINO_SRT_PORT: z.coerce.number().int().min(0).max(65535).default(8890),
  KINO_LIVE_PUBLIC_HOST: z
    .string()
    .regex(/^[A-Za-z0-9.-]+$|^\[[0-9a-fA-F:]+\]$/, 'use a host name or address, without scheme or port')
    .optional(),
  KINO_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  KINO_ZOOM_API_URL: z.url({ protocol: /^https?$/ }).default('https://api.zoom.us/v2'),
  KINO_ZOOM_OAUTH_URL: z.url({ protocol: /^https?$/ }).default('https://zoom.us'),
  KINO_IMPORT_ALLOW_PRIVATE: z.enum(['0', '1', 'true', 'false']).optional(),
  KINO_PLAY_REDIRECT: z.enum(['stream', 'presigned']).default('stream'),
  KINO_TRUST_PROXY: z
    .string()
    .regex(
      /^(true|false|[0-9a-zA-Z.:/]+(,[0-9a-zA-Z.:/]+)*)$/,
      'use true, false, or addresses, CIDRs and loopback/linklocal/uniquelocal separated by commas',
    )
    .default('false'),
  KINO_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  KINO_JOB_LEASE_MS: z.coerce.number().int().min(1000).max(3_600_000).default(30_000),
  KINO_JOB_HEARTBEAT_MS: z.coerce.number().int().min(100).optional(),
  KINO_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).max(1_000_000).default(1200),
  KINO_UPLOAD_SLOTS: z.coerce.number().int().min(1).max(10_000).default(1),
  KINO_METRICS_TOKEN: z
    .string()
    .min(16, 'must be at least 16 characters')
    .regex(/^[\x21-\x7e]+$/, 'use visible ASCII characters, no spaces')
    .optional(),
  KINO_RECORDING_ABANDON_AFTER: z
    .string()
    .regex(/^\d{1,9}(ms|s|m|h)?$/, 'use a duration such as 90s, 30m or 2h (a bare number is seconds)')
    .default('2h'),
  KINO_BACKUP_URL: z
    .string()
    .regex(/^(file|s3):\/\//, 'use file:///folder or s3://bucket/prefix')
    .optional(),
  KINO_BACKUP_EVERY: z
    .string()
    .regex(/^[1-9][0-9]{0,5}(m|h|d)$/, 'use a period such as 30m, 24h or 7d')
    .default('24h'),
  KINO_ANALYTICS_VIEW_RETENTION: z
    .string()
    .regex(/^[1-9][0-9]{0,5}(h|d)$/, 'use a period such as 48h or 90d')
    .default('90d'),
  KINO_ANALYTICS_ROLLUP_RETENTION: z
    .string()
    .regex(/^[1-9][0-9]{0,5}(h|d)$/, 'use a period such as 90d or 761d')
    .default('761d'),
  KINO_BACKUP_KEEP: z.coerce.number().int().min(1).max(10_000).default(7),
  KINO_BACKUP_PASSPHRASE: z.string().min(12, 'must be at least 12 characters').optional(),
  KINO_COLD_AFTER_DAYS: z.coerce.number().int().min(0).max(36_500).default(0),
  KINO_COLD_DIR: z.string().min(1).optional(),
  KINO_COLD_STORAGE_CLASS: z
    .string()
    .regex(/^[A-Z][A-Z0-9_-]{0,63}$/, 'use a storage class name such as STANDARD_IA, GLACIER_IR or GLACIER')
    .default('STANDARD_IA'),
  KINO_COLD_RESTORE_DAYS: z.coerce.number().int().min(1).max(365).default(7),
  KINO_COLD_RESTORE_TIER: z.enum(['Expedited', 'Standard', 'Bulk']).default('Standard'),
  KINO_ASR: z.enum(['sphinx', 'whisper', 'openai']).default('sphinx'),
  KINO_ASR_MODEL: z.string().min(1).max(500).optional(),
  KINO_ASR_URL: z.url({ protocol: /^https?$/ }).optional(),
  KINO_ASR_API_KEY: z.string().min(1).optional(),
  KINO_MEDIA_USER: z
    .string()
    .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'use an account name (letters, digits, _ . -)')
    .optional(),
});

/**
 * Reads Kino's configuration from environment variables (the settings table in README.md).
 * Throws ConfigError with a one-line explanation for the first unusable value.
 *
 * @example loadConfig({ KINO_PORT: '9000', KINO_DATABASE_URL: 'postgres://kino@db/kino' })
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = issue?.path.join('.') ?? 'environment';
    throw new ConfigError(`${variable}: ${issue?.message ?? 'invalid value'}`);
  }
  const e = parsed.data;
  // A lease must outlive a few heartbeats, or one slow beat hands a live job to another worker.
  const heartbeatMs = e.KINO_JOB_HEARTBEAT_MS ?? Math.min(5_000, Math.floor(e.KINO_JOB_LEASE_MS / 6));
  if (heartbeatMs * 2 > e.KINO_JOB_LEASE_MS) {
    throw new ConfigError('KINO_JOB_HEARTBEAT_MS: must be at most half of KINO_JOB_LEASE_MS');
  }
  const dataDir = path.resolve(e.KINO_DATA_DIR);
  return {
    port: e.KINO_PORT,
    host: e.KINO_HOST,
    dataDir,
    database: parseDatabaseUrl(e.KINO_DATABASE_URL, dataDir),
    storage: parseStorageUrl(e.KINO_STORAGE_URL, dataDir),
    adminKey: e.KINO_ADMIN_KEY,
    roles: parseRoles(e.KINO_ROLES),
    live: { rtmpPort: e.KINO_RTMP_PORT, srtPort: e.KINO_SRT_PORT, publicHost: e.KINO_LIVE_PUBLIC_HOST },
    publicUrl: e.KINO_PUBLIC_URL?.replace(/\/+$/, ''),
    importAllowPrivate: e.KINO_IMPORT_ALLOW_PRIVATE === '1' || e.KINO_IMPORT_ALLOW_PRIVATE === 'true',
    playRedirect: e.KINO_PLAY_REDIRECT,
    trustProxy: parseTrustProxy(e.KINO_TRUST_PROXY),
    logLevel: e.KINO_LOG_LEVEL,
    jobLease: { leaseMs: e.KINO_JOB_LEASE_MS, heartbeatMs },
    rateLimitPerMinute: e.KINO_RATE_LIMIT_PER_MINUTE,
    uploadSlots: e.KINO_UPLOAD_SLOTS,
    metricsToken: e.KINO_METRICS_TOKEN,
    recordingAbandonAfterMs: parseDurationMs(e.KINO_RECORDING_ABANDON_AFTER),
    // Set empty, it means "keep root"; values left empty are otherwise taken as not set.
    mediaUser: env.KINO_MEDIA_USER === '' ? null : (e.KINO_MEDIA_USER ?? DEFAULT_MEDIA_USER),
    backup:
      e.KINO_BACKUP_URL === undefined
        ? undefined
        : { url: e.KINO_BACKUP_URL, everyMs: periodMs(e.KINO_BACKUP_EVERY), keep: e.KINO_BACKUP_KEEP },
    backupPassphrase: e.KINO_BACKUP_PASSPHRASE,
    zoom: {
      apiUrl: e.KINO_ZOOM_API_URL.replace(/\/+$/, ''),
      oauthUrl: e.KINO_ZOOM_OAUTH_URL.replace(/\/+$/, ''),
    },
    analytics: parseAnalyticsRetention(e),
    asr: parseAsr(e),
    cold: parseCold(e, dataDir),
  };
}

function parseCold(e: z.infer<typeof envSchema>, dataDir: string): ColdConfig {
  const dir = path.resolve(dataDir, e.KINO_COLD_DIR ?? 'cold');
  const storage = parseStorageUrl(e.KINO_STORAGE_URL, dataDir);
  // A cold folder inside the storage folder (or around it) would list its objects twice.
  if (storage.kind === 'file' && (isWithin(dir, storage.dir) || isWithin(storage.dir, dir)))
    throw new ConfigError('KINO_COLD_DIR: must be outside the storage folder (and not contain it)');
  return {
    afterDays: e.KINO_COLD_AFTER_DAYS,
    dir,
    storageClass: e.KINO_COLD_STORAGE_CLASS,
    restoreDays: e.KINO_COLD_RESTORE_DAYS,
    restoreTier: e.KINO_COLD_RESTORE_TIER,
  };
}

/** `inner` is `outer` or below it. */
function isWithin(inner: string, outer: string): boolean {
  const relative = path.relative(outer, inner);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

function parseAnalyticsRetention(e: z.infer<typeof envSchema>): Config['analytics'] {
  const viewRetentionMs = periodMs(e.KINO_ANALYTICS_VIEW_RETENTION);
  const rollupRetentionMs = periodMs(e.KINO_ANALYTICS_ROLLUP_RETENTION);
  // Dashboards read rollups for the hours rolled up: removing them first would hide views still kept.
  if (rollupRetentionMs < viewRetentionMs)
    throw new ConfigError(
      'KINO_ANALYTICS_ROLLUP_RETENTION: must be at least KINO_ANALYTICS_VIEW_RETENTION (rollups outlive per-view rows)',
    );
  return { viewRetentionMs, rollupRetentionMs };
}

function parseAsr(e: z.infer<typeof envSchema>): AsrConfig {
  if (e.KINO_ASR === 'openai' && !e.KINO_ASR_URL)
    throw new ConfigError(
      'KINO_ASR_URL: required with KINO_ASR=openai (the transcription server, e.g. http://127.0.0.1:8178)',
    );
  if (e.KINO_ASR === 'whisper' && !e.KINO_ASR_MODEL)
    throw new ConfigError(
      'KINO_ASR_MODEL: required with KINO_ASR=whisper (a whisper.cpp model file, e.g. ggml-base.en.bin)',
    );
  return {
    engine: e.KINO_ASR,
    model: e.KINO_ASR_MODEL,
    url: e.KINO_ASR_URL?.replace(/\/+$/, ''),
    apiKey: e.KINO_ASR_API_KEY,
  };
}

/** '90s', '30m', '2h', '500ms'; a bare number is seconds (the schema checked the form). */
function parseDurationMs(value: string): number {
  const match = /^(\d+)(ms|s|m|h)?$/.exec(value);
  const amount = Number(match?.[1] ?? 0);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match?.[2] ?? 's'] ?? 1000;
  return Math.max(1, amount * unit);
}

/** '30m', '24h', '7d' (the schema checked the form). */
function periodMs(value: string): number {
  const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[value.slice(-1)] ?? 3_600_000;
  return Number(value.slice(0, -1)) * unit;
}

function parseUrl(variable: string, value: string): URL {
  try {
    return new URL(value);
  } catch {
    throw new ConfigError(`${variable}: '${redactUrl(value)}' is not a URL`);
  }
}

export function parseDatabaseUrl(value: string | undefined, dataDir: string): DatabaseConfig {
  if (value === undefined) return { kind: 'sqlite', file: path.join(dataDir, 'kino.sqlite') };
  const url = parseUrl('KINO_DATABASE_URL', value);
  switch (url.protocol) {
    case 'postgres:':
    case 'postgresql:':
      if (!url.hostname && !url.searchParams.get('host')) {
        throw new ConfigError('KINO_DATABASE_URL: a postgres:// URL needs a host');
      }
      return { kind: 'postgres', url: value };
    case 'sqlite:':
    case 'file:': {
      const file = decodeURIComponent(url.pathname);
      if (!file || file === '/') throw new ConfigError('KINO_DATABASE_URL: a sqlite: URL needs a file path');
      return { kind: 'sqlite', file: path.resolve(file) };
    }
    default:
      throw new ConfigError(
        `KINO_DATABASE_URL: unsupported scheme '${url.protocol}' (use postgres://… or sqlite:///path/file)`,
      );
  }
}

export function parseStorageUrl(value: string | undefined, dataDir: string): StorageConfig {
  if (value === undefined) return { kind: 'file', dir: path.join(dataDir, 'storage') };
  const url = parseUrl('KINO_STORAGE_URL', value);
  switch (url.protocol) {
    case 'file:': {
      const dir = decodeURIComponent(url.pathname);
      if (!dir) throw new ConfigError('KINO_STORAGE_URL: a file:// URL needs a folder path');
      return { kind: 'file', dir: path.resolve(dir) };
    }
    case 's3:': {
      if (!url.hostname) throw new ConfigError('KINO_STORAGE_URL: an s3:// URL needs a bucket (s3://BUCKET)');
      const endpoint = url.searchParams.get('endpoint') ?? undefined;
      if (endpoint !== undefined) parseUrl('KINO_STORAGE_URL endpoint', endpoint);
      return {
        kind: 's3',
        bucket: url.hostname,
        endpoint,
        region: url.searchParams.get('region') ?? process.env.AWS_REGION ?? 'us-east-1',
        forcePathStyle: url.searchParams.get('forcePathStyle') === 'true',
      };
    }
    default:
      throw new ConfigError(
        `KINO_STORAGE_URL: unsupported scheme '${url.protocol}' (use file:///folder or s3://bucket)`,
      );
  }
}

/** `true` (any proxy), `false`, or the proxies' addresses, CIDRs and ranges: Fastify's trustProxy. */
function parseTrustProxy(value: string): boolean | string[] {
  if (value === 'true' || value === 'false') return value === 'true';
  return value.split(',');
}

function parseRoles(value: string): ReadonlySet<Role> {
  const roles = new Set<Role>();
  for (const raw of value.split(',').map((r) => r.trim())) {
    if (raw === 'api' || raw === 'worker' || raw === 'live') roles.add(raw);
    else
      throw new ConfigError(
        `KINO_ROLES: unknown role '${raw}' (use api, worker, live, or a list: api,worker,live)`,
      );
  }
  return roles;
}

/** Hides the password of a URL so it can be printed or logged. */
export function redactUrl(value: string): string {
  return value.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
}
