import { CreateBucketCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startS3Server, type S3Server } from '@kino/testkit/s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restoreState, S3ColdTier } from './s3-cold-tier.ts';

let server: S3Server;

beforeAll(async () => {
  server = await startS3Server();
});
afterAll(async () => {
  await server.stop();
});

/**
 * s3rver records an object's storage class but has no archive: it answers no RestoreObject and
 * never sends the `Restore` header. The client here runs against s3rver for every other call and
 * plays the archive's part in a middleware: it takes RestoreObject requests and reports the
 * restore in HeadObject's `Restore` header as S3 does, while `restore` is what the test sets.
 */
function archiveClient(s3: S3Server) {
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
  const archive = { restore: undefined as string | undefined, requests: [] as unknown[] };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'RestoreObjectCommand') {
        archive.requests.push(args.input);
        archive.restore = 'ongoing-request="true"';
        return { output: { $metadata: { httpStatusCode: 202 } }, response: {} };
      }
      const result = await next(args);
      if (context.commandName === 'HeadObjectCommand' && archive.restore !== undefined) {
        (result.output as { Restore?: string }).Restore = archive.restore;
      }
      return result;
    },
    { step: 'initialize', name: 'archiveStandIn' },
  );
  return { client, archive };
}

describe('S3ColdTier with an archival class', () => {
  it('moves by a copy to GLACIER, restores with RestoreObject, waits on the Restore header, then copies back to STANDARD', async () => {
    const { client, archive } = archiveClient(server);
    const bucket = `archive-${process.pid}`;
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'upl_a', Body: 'original', ContentType: 'video/mp4' }),
    );
    const cold = new S3ColdTier({
      client,
      bucket,
      storageClass: 'GLACIER',
      restoreDays: 3,
      restoreTier: 'Bulk',
      maxCopyObjectSize: 5 * 1024 ** 3,
      rewrite: () => Promise.reject(new Error('not expected')),
    });
    const classOf = async () =>
      (await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'upl_a' }))).StorageClass ?? 'STANDARD';

    await cold.moveToCold('upl_a');
    expect(await classOf()).toBe('GLACIER');
    expect(await cold.tierOf('upl_a')).toEqual({ tier: 'cold', readable: false });

    expect(await cold.restore('upl_a')).toBe('restoring');
    expect(archive.requests).toEqual([
      { Bucket: bucket, Key: 'upl_a', RestoreRequest: { Days: 3, GlacierJobParameters: { Tier: 'Bulk' } } },
    ]);
    expect(await cold.tierOf('upl_a')).toEqual({ tier: 'restoring', readable: false });
    // Asked again while the archive works: no second request.
    expect(await cold.restore('upl_a')).toBe('restoring');
    expect(archive.requests).toHaveLength(1);

    archive.restore = 'ongoing-request="false", expiry-date="Fri, 21 Dec 2012 00:00:00 GMT"';
    expect(await cold.tierOf('upl_a')).toEqual({ tier: 'cold', readable: true });
    expect(await cold.restore('upl_a')).toBe('hot');
    archive.restore = undefined;
    expect(await classOf()).toBe('STANDARD');
    expect(await cold.tierOf('upl_a')).toEqual({ tier: 'hot', readable: true });
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'upl_a' }));
    expect(head.ContentType).toBe('video/mp4');
    client.destroy();
  });
});

describe('restoreState', () => {
  it.each([
    [undefined, 'none'],
    ['ongoing-request="true"', 'ongoing'],
    ['ongoing-request="false", expiry-date="Fri, 21 Dec 2012 00:00:00 GMT"', 'done'],
  ] as const)('reads %s as %s', (header, state) => {
    expect(restoreState(header)).toBe(state);
  });
});
