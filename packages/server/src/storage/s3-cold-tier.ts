import {
  CopyObjectCommand,
  HeadObjectCommand,
  RestoreObjectCommand,
  S3ServiceException,
  type HeadObjectCommandOutput,
  type S3Client,
  type StorageClass,
} from '@aws-sdk/client-s3';
import { assertValidKey } from './keys.ts';
import { StorageNotFoundError, type ColdTier, type TierState } from './storage.ts';

/** Classes whose objects must be restored (RestoreObject) before a GET works. */
const ARCHIVAL_CLASSES: ReadonlySet<string> = new Set(['GLACIER', 'DEEP_ARCHIVE']);

export interface S3ColdTierOptions {
  client: S3Client;
  bucket: string;
  /** The class cold objects get (KINO_COLD_STORAGE_CLASS), e.g. STANDARD_IA, GLACIER_IR, GLACIER. */
  storageClass: StorageClass;
  /** How long a restored copy of an archived object stays readable (RestoreObject `Days`). */
  restoreDays: number;
  /** The archive retrieval speed: Expedited, Standard or Bulk (RestoreObject `Tier`). */
  restoreTier: 'Expedited' | 'Standard' | 'Bulk';
  /** Above this size CopyObject cannot rewrite the object (5 GiB): `rewrite` streams it instead. */
  maxCopyObjectSize: number;
  /** Writes the object again under its key with another class, through this process. */
  rewrite(key: string, storageClass: StorageClass): Promise<void>;
}

/**
 * The S3 adapter's cold tier: an object changes class by a copy onto itself
 * (CopyObject with StorageClass). The copy replaces the object's metadata with the same values
 * (MetadataDirective REPLACE), because some S3 implementations refuse a self-copy with COPY even
 * when the class changes. An archived class (GLACIER, DEEP_ARCHIVE) is read again after a
 * RestoreObject, whose progress HeadObject reports in its `Restore` header; then a copy to
 * STANDARD makes the object hot for good. Classes that need no restore are read as they are.
 */
export class S3ColdTier implements ColdTier {
  constructor(private readonly opts: S3ColdTierOptions) {}

  async moveToCold(key: string): Promise<void> {
    const head = await this.head(key);
    if (classOf(head) === this.opts.storageClass) return;
    if (classOf(head) !== 'STANDARD') return; // already in some colder class: leave it there
    await this.changeClass(key, head, this.opts.storageClass);
  }

  async restore(key: string): Promise<'hot' | 'restoring'> {
    const head = await this.head(key);
    const storageClass = classOf(head);
    if (storageClass === 'STANDARD') return 'hot';
    if (ARCHIVAL_CLASSES.has(storageClass)) {
      const restore = restoreState(head.Restore);
      if (restore === 'ongoing') return 'restoring';
      if (restore === 'none') {
        await this.startRestore(key);
        return 'restoring';
      }
    }
    await this.changeClass(key, head, 'STANDARD');
    return 'hot';
  }

  async tierOf(key: string): Promise<TierState | null> {
    const head = await this.head(key).catch((error: unknown) => {
      if (error instanceof StorageNotFoundError) return null;
      throw error;
    });
    if (head === null) return null;
    const storageClass = classOf(head);
    if (storageClass === 'STANDARD') return { tier: 'hot', readable: true };
    if (!ARCHIVAL_CLASSES.has(storageClass)) return { tier: 'cold', readable: true };
    const restore = restoreState(head.Restore);
    if (restore === 'ongoing') return { tier: 'restoring', readable: false };
    return { tier: 'cold', readable: restore === 'done' };
  }

  private async head(key: string): Promise<HeadObjectCommandOutput> {
    assertValidKey(key);
    try {
      return await this.opts.client.send(new HeadObjectCommand({ Bucket: this.opts.bucket, Key: key }));
    } catch (error) {
      if (error instanceof S3ServiceException && (error.name === 'NotFound' || error.name === 'NoSuchKey')) {
        throw new StorageNotFoundError(key);
      }
      throw error;
    }
  }

  private async startRestore(key: string): Promise<void> {
    try {
      await this.opts.client.send(
        new RestoreObjectCommand({
          Bucket: this.opts.bucket,
          Key: key,
          RestoreRequest: {
            Days: this.opts.restoreDays,
            GlacierJobParameters: { Tier: this.opts.restoreTier },
          },
        }),
      );
    } catch (error) {
      // Another process asked first: the restore runs either way.
      if (error instanceof S3ServiceException && error.name === 'RestoreAlreadyInProgress') return;
      throw error;
    }
  }

  private async changeClass(key: string, head: HeadObjectCommandOutput, storageClass: StorageClass) {
    if ((head.ContentLength ?? 0) > this.opts.maxCopyObjectSize) {
      await this.opts.rewrite(key, storageClass);
      return;
    }
    const copySource = [this.opts.bucket, ...key.split('/')].map(encodeURIComponent).join('/');
    await this.opts.client.send(
      new CopyObjectCommand({
        Bucket: this.opts.bucket,
        Key: key,
        CopySource: copySource,
        // Only while the object is still the one looked at, so a concurrent put is never undone.
        ...(head.ETag !== undefined && { CopySourceIfMatch: head.ETag }),
        StorageClass: storageClass,
        MetadataDirective: 'REPLACE',
        ContentType: head.ContentType,
        ContentEncoding: head.ContentEncoding,
        ContentDisposition: head.ContentDisposition,
        ContentLanguage: head.ContentLanguage,
        CacheControl: head.CacheControl,
        Metadata: head.Metadata,
      }),
    );
  }
}

function classOf(head: HeadObjectCommandOutput): string {
  // S3 leaves the header out for STANDARD.
  return head.StorageClass ?? 'STANDARD';
}

/** HeadObject's `Restore` header: `ongoing-request="true"` while it runs, `"false"` with an expiry once done. */
export function restoreState(header: string | undefined): 'none' | 'ongoing' | 'done' {
  if (header === undefined) return 'none';
  if (/ongoing-request\s*=\s*"true"/i.test(header)) return 'ongoing';
  if (/ongoing-request\s*=\s*"false"/i.test(header)) return 'done';
  return 'none';
}
