import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LivePackager, type FinishedSegment } from './live-packager.ts';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => fs.rm(d, { recursive: true, force: true })));
});

// ffmpeg idles on stdin; the test writes the "finished" files itself, as ffmpeg's hls muxer would.
const idle = { args: ['-hide_banner', '-loglevel', 'error', '-f', 'flv', '-i', 'pipe:0', '-f', 'null', '-'] };

async function writeTrack(dir: string, count: number) {
  await fs.mkdir(path.join(dir, 'video'), { recursive: true });
  await fs.writeFile(path.join(dir, 'video', 'init.mp4'), 'INIT');
  const lines = ['#EXTM3U', '#EXT-X-MAP:URI="init.mp4"'];
  for (let i = 0; i < count; i++) {
    await fs.writeFile(path.join(dir, 'video', `${i}.m4s`), `SEG${i}`);
    lines.push('#EXTINF:4.000,', `${i}.m4s`);
  }
  await fs.writeFile(path.join(dir, 'video', 'index.m3u8'), lines.join('\n') + '\n');
}

describe('LivePackager', () => {
  it("hands the track's init segment over again when storing its first segment failed", async () => {
    const workdir = await fs.mkdtemp(path.join(os.tmpdir(), 'livereview-packager-'));
    dirs.push(workdir);
    await writeTrack(workdir, 2);
    const stored: FinishedSegment[] = [];
    let failures = 1;
    const packager = new LivePackager(
      { ...idle, tracks: [{ id: 'video', kind: 'video' }] },
      workdir,
      (segment) => {
        if (failures > 0) {
          failures--;
          return Promise.reject(new Error('storage unavailable'));
        }
        stored.push(segment);
        return Promise.resolve();
      },
    );
    try {
      await expect.poll(() => stored.length, { timeout: 5000 }).toBe(2);
    } finally {
      await packager.abort();
    }
    expect(stored[0]?.index).toBe(0);
    expect(stored[0]?.init?.toString()).toBe('INIT');
    expect(stored[1]?.init).toBeUndefined();
  });
});

describe('LivePackager when ffmpeg dies', () => {
  it('says so, so the publisher is not left sending into nothing', async () => {
    const workdir = await fs.mkdtemp(path.join(os.tmpdir(), 'livereview-packager-'));
    dirs.push(workdir);
    const exits: { code: number | null; error: string }[] = [];
    // ffmpeg refuses these arguments and exits at once, as a crashed or killed packager would.
    const packager = new LivePackager(
      { args: ['-hide_banner', '-f', 'flv', '-i', 'pipe:0', '-no-such-option', '-'], tracks: [] },
      workdir,
      () => Promise.resolve(),
      (code, error) => exits.push({ code, error }),
    );
    try {
      await expect.poll(() => exits.length, { timeout: 5000 }).toBe(1);
    } finally {
      await packager.finish();
    }
    expect(exits[0]?.code).not.toBe(0);
    expect(exits).toHaveLength(1);
  });

  it('does not call a finished or aborted packager dead', async () => {
    const workdir = await fs.mkdtemp(path.join(os.tmpdir(), 'livereview-packager-'));
    dirs.push(workdir);
    let exits = 0;
    const onExit = () => {
      exits++;
    };
    const finished = new LivePackager({ ...idle, tracks: [] }, workdir, () => Promise.resolve(), onExit);
    await finished.finish();
    const aborted = new LivePackager({ ...idle, tracks: [] }, workdir, () => Promise.resolve(), onExit);
    await aborted.abort();
    expect(exits).toBe(0);
  });
});
