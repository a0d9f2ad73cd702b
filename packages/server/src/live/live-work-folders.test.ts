import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sessionWorkdir } from './live-session.ts';
import { sweepLiveWorkFolders } from './live-work-folders.ts';

const roots: string[] = [];
afterEach(async () => {
  await Promise.all(roots.splice(0).map((d) => fs.rm(d, { recursive: true, force: true })));
});

const HOUR = 3600_000;

async function age(target: string, ms: number) {
  const at = new Date(Date.now() - ms);
  await fs.utimes(target, at, at);
}

describe('sweepLiveWorkFolders', () => {
  it('removes the folders of sessions a killed live process left, and keeps those still written', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'livereview-work-'));
    roots.push(root);
    const left = await sessionWorkdir(root, 'med_01left', 0);
    await fs.mkdir(path.join(left, 'video'));
    await fs.writeFile(path.join(left, 'video', '7.m4s.tmp'), 'partial');
    await age(path.join(left, 'video'), HOUR);
    await age(left, HOUR);
    const running = await sessionWorkdir(root, 'med_01running', 2);
    await fs.mkdir(path.join(running, 'video'));
    await age(running, HOUR);
    // Its track folder changed a moment ago: a segment was written.
    // An SRT remuxer's folder stays empty: an old one is removed too.
    const srt = await fs.mkdtemp(path.join(root, 'srt-'));
    await age(srt, HOUR);
    const other = path.join(root, 'not-a-session');
    await fs.mkdir(other);
    await age(other, HOUR);

    const removed = await sweepLiveWorkFolders(root, 5 * 60_000, Date.now());

    expect(removed.sort()).toEqual([path.basename(left), path.basename(srt)].sort());
    await expect(fs.stat(left)).rejects.toThrow();
    await expect(fs.stat(running)).resolves.toBeTruthy();
    await expect(fs.stat(other)).resolves.toBeTruthy();
  });
});
