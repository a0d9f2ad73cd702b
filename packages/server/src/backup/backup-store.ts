import { randomBytes } from 'node:crypto';
import { mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { GetResult, PutResult, Storage } from '../storage/storage.ts';
import { parseManifest, type BackupManifest } from './backup-manifest.ts';

/** The files of one backup besides the objects it shares with others. */
export type BackupFile = 'database' | 'secrets';

/**
 * The layout of a backup location:
 *
 * ```
 * <prefix>objects/<ab>/<sha256>        every object's bytes, once, by content hash
 * <prefix>backups/<id>/database        the database snapshot (SQLite file or pg_dump archive)
 * <prefix>backups/<id>/secrets         the encrypted secrets (only with --include-secrets)
 * <prefix>backups/<id>/manifest.json   written last: a backup without it does not exist
 * <prefix>incoming/<random>            bytes being hashed on their way to objects/
 * ```
 */
export class BackupStore {
  constructor(
    readonly storage: Storage,
    private readonly prefix: string,
  ) {}

  objectKey(sha256: string): string {
    return `${this.prefix}objects/${sha256.slice(0, 2)}/${sha256}`;
  }

  private fileKey(id: string, file: BackupFile | 'manifest.json'): string {
    return `${this.prefix}backups/${id}/${file}`;
  }

  /** Ids of the complete backups (those with a manifest), oldest first. */
  async listIds(): Promise<string[]> {
    const ids: string[] = [];
    const start = `${this.prefix}backups/`;
    for await (const object of this.storage.list(start)) {
      const rest = object.key.slice(start.length);
      const [id, file] = rest.split('/');
      if (file === 'manifest.json' && id) ids.push(id);
    }
    return ids.sort();
  }

  async readManifest(id: string): Promise<BackupManifest> {
    const { body } = await this.storage.get(this.fileKey(id, 'manifest.json'));
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk as Buffer);
    return parseManifest(id, Buffer.concat(chunks).toString('utf8'));
  }

  async writeManifest(manifest: BackupManifest): Promise<void> {
    await this.storage.put(
      this.fileKey(manifest.id, 'manifest.json'),
      Buffer.from(JSON.stringify(manifest)),
      {
        contentType: 'application/json',
      },
    );
  }

  putFile(id: string, file: BackupFile, body: Readable | Buffer, size?: number): Promise<PutResult> {
    return this.storage.put(this.fileKey(id, file), body, {
      sha256: true,
      ...(size === undefined ? {} : { size }),
    });
  }

  getFile(id: string, file: BackupFile): Promise<GetResult> {
    return this.storage.get(this.fileKey(id, file));
  }

  /** The hashes whose bytes are stored. */
  async storedHashes(): Promise<Set<string>> {
    const hashes = new Set<string>();
    for await (const object of this.storage.list(`${this.prefix}objects/`)) {
      const name = object.key.slice(object.key.lastIndexOf('/') + 1);
      if (/^[0-9a-f]{64}$/.test(name)) hashes.add(name);
    }
    return hashes;
  }

  /** Every stored object with its date (for pruning). */
  async storedObjects(): Promise<{ sha256: string; modifiedMs: number }[]> {
    const out: { sha256: string; modifiedMs: number }[] = [];
    for (const sha256 of await this.storedHashes()) {
      const info = await this.storage.head(this.objectKey(sha256));
      if (info) out.push({ sha256, modifiedMs: info.lastModified.getTime() });
    }
    return out;
  }

  /**
   * Stores bytes by their hash: they stream into `incoming/` while hashed, then move to
   * `objects/<hash>` unless that is already there. Returns the hash and whether bytes were added.
   */
  async putObject(body: Readable, size?: number): Promise<{ sha256: string; size: number; added: boolean }> {
    const incoming = `${this.prefix}incoming/${randomBytes(12).toString('hex')}`;
    let stored: PutResult;
    try {
      stored = await this.storage.put(incoming, body, {
        sha256: true,
        ...(size === undefined ? {} : { size }),
      });
    } catch (err) {
      await this.storage.delete(incoming).catch(() => undefined);
      throw err;
    }
    const sha256 = stored.sha256 ?? '';
    const target = this.objectKey(sha256);
    try {
      if (await this.storage.head(target)) return { sha256, size: stored.size, added: false };
      await this.promote(incoming, target);
      return { sha256, size: stored.size, added: true };
    } finally {
      await this.storage.delete(incoming);
    }
  }

  getObject(sha256: string): Promise<GetResult> {
    return this.storage.get(this.objectKey(sha256));
  }

  headObject(sha256: string) {
    return this.storage.head(this.objectKey(sha256));
  }

  deleteObject(sha256: string): Promise<void> {
    return this.storage.delete(this.objectKey(sha256));
  }

  /** Removes a backup: its manifest first, so a half-removed backup is already gone. */
  async deleteBackup(id: string): Promise<void> {
    await this.storage.delete(this.fileKey(id, 'manifest.json'));
    await this.storage.deletePrefix(`${this.prefix}backups/${id}/`);
  }

  /** Moves within the store: a rename on a local disk, a server-side copy elsewhere. */
  private async promote(from: string, to: string): Promise<void> {
    if (this.storage.localPath) {
      const target = this.storage.localPath(to);
      await mkdir(path.dirname(target), { recursive: true });
      await rename(this.storage.localPath(from), target);
      return;
    }
    await this.storage.copy(from, to);
  }
}
