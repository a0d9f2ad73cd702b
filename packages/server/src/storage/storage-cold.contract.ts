import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, type TestContext } from 'vitest';
import { StorageNotFoundError, type ColdTier, type Storage } from './storage.ts';

/** An empty storage for one test (as storage.contract.ts's StorageFixture). */
interface StorageFixture {
  storage: Storage;
  cleanup(): Promise<void>;
}

/**
 * The cold tier's promises (Storage.coldTier), for adapters that have one; part of
 * storageContract. Restores that the provider runs in the background (S3 archival classes) are
 * polled until done, so the cases hold for every class.
 */
export function coldTierContract(name: string, makeStorage: () => Promise<StorageFixture>): void {
  describe(`${name} cold tier contract`, () => {
    let fixture: StorageFixture;
    let storage: Storage;

    beforeEach(async () => {
      fixture = await makeStorage();
      storage = fixture.storage;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    const coldOf = (ctx: TestContext): ColdTier | undefined => {
      if (!storage.coldTier) ctx.skip();
      return storage.coldTier;
    };

    it('moves an object cold and restores it hot, bytes unchanged, each step repeatable', async (ctx) => {
      const cold = coldOf(ctx);
      if (!cold) return;
      const data = randomBytes(50_000);
      await storage.put('upl_cold1', data, { contentType: 'video/mp4' });
      expect(await cold.tierOf('upl_cold1')).toEqual({ tier: 'hot', readable: true });

      await cold.moveToCold('upl_cold1');
      await cold.moveToCold('upl_cold1');
      const moved = await cold.tierOf('upl_cold1');
      expect(moved?.tier).toBe('cold');
      expect((await storage.head('upl_cold1'))?.size).toBe(50_000);
      if (moved?.readable) expect(await readAll((await storage.get('upl_cold1')).body)).toEqual(data);

      await restoreFully(cold, 'upl_cold1');
      expect(await cold.restore('upl_cold1')).toBe('hot');
      expect(await cold.tierOf('upl_cold1')).toEqual({ tier: 'hot', readable: true });
      const got = await storage.get('upl_cold1');
      expect(await readAll(got.body)).toEqual(data);
      expect([undefined, 'video/mp4']).toContain(got.contentType);
    });

    it('lists, copies and deletes a cold object under its key', async (ctx) => {
      const cold = coldOf(ctx);
      if (!cold) return;
      await storage.put('c/one', Buffer.from('cold bytes'));
      await storage.put('c/two', Buffer.from('hot'));
      await cold.moveToCold('c/one');
      expect(sortByKey(await collect(storage.list('c/')))).toEqual([
        { key: 'c/one', size: 10 },
        { key: 'c/two', size: 3 },
      ]);
      if ((await cold.tierOf('c/one'))?.readable) {
        await storage.copy('c/one', 'c/copy');
        expect((await readAll((await storage.get('c/copy')).body)).toString()).toBe('cold bytes');
      }
      await storage.delete('c/one');
      expect(await storage.head('c/one')).toBeNull();
      expect(await cold.tierOf('c/one')).toBeNull();
    });

    it('answers a missing object with StorageNotFoundError, and tierOf with null', async (ctx) => {
      const cold = coldOf(ctx);
      if (!cold) return;
      await expect(cold.moveToCold('no/such')).rejects.toBeInstanceOf(StorageNotFoundError);
      await expect(cold.restore('no/such')).rejects.toBeInstanceOf(StorageNotFoundError);
      expect(await cold.tierOf('no/such')).toBeNull();
    });
  });
}

/** Restores until the object is hot; a provider's background restore is polled (generously). */
async function restoreFully(cold: ColdTier, key: string): Promise<void> {
  const deadline = Date.now() + 10 * 60_000;
  while ((await cold.restore(key)) !== 'hot') {
    if (Date.now() > deadline) throw new Error(`the restore of '${key}' did not finish`);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
}

async function readAll(body: Readable): Promise<Buffer> {
  return Buffer.concat((await body.toArray()) as Buffer[]);
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

function sortByKey<T extends { key: string }>(items: T[]): T[] {
  return [...items].sort((a, b) => (a.key < b.key ? -1 : 1));
}
