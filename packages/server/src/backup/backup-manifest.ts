import { z } from 'zod';
import { BackupError } from './backup-errors.ts';

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);

/** One stored object of the live system, by its key, and where its bytes are in the backup (by hash). */
export const backupObjectSchema = z.object({
  key: z.string().min(1),
  sha256: sha256Hex,
  size: z.number().int().nonnegative(),
  /** The live object's date and version tag when it was read: a later backup reuses the hash while both match. */
  modifiedMs: z.number().int().nonnegative(),
  etag: z.string().optional(),
});

export const backupManifestSchema = z.object({
  format: z.literal('kino-backup'),
  version: z.literal(1),
  id: z.string().regex(/^[0-9]{8}T[0-9]{6}Z-[a-z0-9]{6}$/),
  createdAt: z.string(),
  database: z.object({
    dialect: z.enum(['sqlite', 'postgres']),
    /** The last migration applied to the snapshot; a restore migrates forward from it. */
    schema: z.string(),
    sha256: sha256Hex,
    size: z.number().int().nonnegative(),
  }),
  /** Present when the backup holds the secrets (encrypted with the passphrase). */
  secrets: z.object({ sha256: sha256Hex, size: z.number().int().nonnegative() }).nullable(),
  objects: z.array(backupObjectSchema),
  /** Objects listed but gone before they could be read (removed by the live system meanwhile). */
  vanished: z.array(z.string()).default([]),
});

export type BackupObject = z.infer<typeof backupObjectSchema>;
export type BackupManifest = z.infer<typeof backupManifestSchema>;

/** A manifest that cannot be read; its message names the backup. */
export class BackupManifestError extends BackupError {
  override name = 'BackupManifestError';
}

export function parseManifest(id: string, text: string): BackupManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new BackupManifestError(`backup ${id}: the manifest is not JSON`);
  }
  const parsed = backupManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BackupManifestError(
      `backup ${id}: the manifest is not valid (${issue?.path.join('.') ?? ''}: ${issue?.message ?? '?'})`,
    );
  }
  if (parsed.data.id !== id)
    throw new BackupManifestError(`backup ${id}: the manifest names ${parsed.data.id}`);
  return parsed.data;
}

/**
 * A backup id: the UTC time it was started, to the second, and random letters, so ids sort by age.
 *
 * @example backupId(new Date('2026-12-07T20:30:00Z'), 'k3x9qa') // '20261207T203000Z-k3x9qa'
 */
export function backupId(at: Date, suffix: string): string {
  const stamp = at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  return `${stamp}-${suffix}`;
}

export function manifestBytes(manifest: BackupManifest): number {
  return manifest.objects.reduce((sum, o) => sum + o.size, manifest.database.size);
}
