import { describe, expect, it } from 'vitest';
import type { BackupManifest, BackupObject } from './backup-manifest.ts';
import { backupId, parseManifest } from './backup-manifest.ts';
import { newestFirst, planObjects, planPrune, unreferencedObjects } from './backup-plan.ts';

const sha = (c: string) => c.repeat(64);
const obj = (key: string, c: string, extra: Partial<BackupObject> = {}): BackupObject => ({
  key,
  sha256: sha(c),
  size: 10,
  modifiedMs: 1000,
  ...extra,
});
const manifest = (id: string, objects: BackupObject[]): BackupManifest => ({
  format: 'kino-backup',
  version: 1,
  id,
  createdAt: '2026-12-07T20:00:00.000Z',
  database: { dialect: 'sqlite', schema: '0021', sha256: sha('d'), size: 5 },
  secrets: null,
  objects,
  vanished: [],
});

describe('planObjects', () => {
  it('reuses the hash of an object the previous backup holds unchanged, and reads every other', () => {
    const previous = [obj('a', 'a'), obj('b', 'b'), obj('c', 'c'), obj('e', 'e', { etag: 'x' })];
    const live = [
      { key: 'a', size: 10, modifiedMs: 1000 }, // unchanged
      { key: 'b', size: 11, modifiedMs: 1000 }, // other size
      { key: 'c', size: 10, modifiedMs: 2000 }, // other date
      { key: 'd', size: 10, modifiedMs: 1000 }, // new
      { key: 'e', size: 10, modifiedMs: 1000, etag: 'y' }, // other version tag
    ];
    const plan = planObjects(live, previous, new Set([sha('a'), sha('b'), sha('c'), sha('e')]));
    expect(plan.unchanged.map((o) => o.key)).toEqual(['a']);
    expect(plan.toRead.map((o) => o.key)).toEqual(['b', 'c', 'd', 'e']);
  });

  it('reads an unchanged object again when its bytes are no longer in the store', () => {
    const plan = planObjects([{ key: 'a', size: 10, modifiedMs: 1000 }], [obj('a', 'a')], new Set());
    expect(plan.toRead.map((o) => o.key)).toEqual(['a']);
  });
});

describe('planPrune and unreferencedObjects', () => {
  it('keeps the newest backups by id', () => {
    const ids = ['20261201T000000Z-aaaaaa', '20261203T000000Z-aaaaaa', '20261202T000000Z-aaaaaa'];
    expect(planPrune(ids, 2)).toEqual({ keep: [ids[1], ids[2]], remove: [ids[0]] });
    expect(() => planPrune(ids, 0)).toThrow(RangeError);
  });

  it('removes only objects no kept backup names, and not recent ones (a backup may be writing them)', () => {
    const kept = [manifest('20261203T000000Z-aaaaaa', [obj('a', 'a'), obj('b', 'b')])];
    const stored = [
      { sha256: sha('a'), modifiedMs: 0 },
      { sha256: sha('c'), modifiedMs: 0 },
      { sha256: sha('e'), modifiedMs: 5000 },
    ];
    expect(unreferencedObjects(stored, kept, 1000)).toEqual([sha('c')]);
  });

  it('orders manifests newest first', () => {
    const ms = [manifest('20261201T000000Z-aaaaaa', []), manifest('20261203T000000Z-aaaaaa', [])];
    expect(newestFirst(ms).map((m) => m.id)).toEqual(['20261203T000000Z-aaaaaa', '20261201T000000Z-aaaaaa']);
  });
});

describe('manifests', () => {
  it('makes ids that sort by time and parses what it writes', () => {
    const id = backupId(new Date('2026-12-07T20:30:05.123Z'), 'k3x9qa');
    expect(id).toBe('20261207T203005Z-k3x9qa');
    const m = manifest(id, [obj('media/t/m/v/a.mp4', 'a')]);
    expect(parseManifest(id, JSON.stringify(m))).toEqual(m);
  });

  it('refuses a manifest that is not one, or names another backup', () => {
    const id = '20261207T203005Z-k3x9qa';
    expect(() => parseManifest(id, '{')).toThrow(/not JSON/);
    expect(() => parseManifest(id, JSON.stringify({ format: 'x' }))).toThrow(/not valid/);
    expect(() => parseManifest(id, JSON.stringify(manifest('20261207T203005Z-zzzzzz', [])))).toThrow(/names/);
  });
});
