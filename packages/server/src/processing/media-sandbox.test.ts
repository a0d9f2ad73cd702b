import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sample } from '@kino/testkit/media';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lookupUser, mediaSandbox, sourceInWorkdir } from './media-sandbox.ts';
import { MediaToolError, runMediaTool } from './media-tools.ts';
import { DEFAULT_LIMITS } from './tool-limits.ts';

describe('lookupUser', () => {
  it('reads an account from passwd lines, never root', () => {
    const passwd = 'root:x:0:0::/root:/bin/bash\nkino-media:x:998:997::/nonexistent:/usr/sbin/nologin\n';
    expect(lookupUser('kino-media', passwd)).toEqual({ name: 'kino-media', uid: 998, gid: 997 });
    expect(lookupUser('root', passwd)).toBeNull();
    expect(lookupUser('nobody', passwd)).toBeNull();
  });
});

describe('media tools in the sandbox', () => {
  const sandbox = mediaSandbox();
  let root: string;

  beforeAll(async () => {
    // A data folder as tests and careful operators make it: nobody else may walk into it.
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'kino-sandbox-'));
    await fs.chmod(root, 0o700);
  });
  afterAll(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  it.skipIf(!sandbox.user)(
    'run as the media user inside a work folder under a private data folder, reading a linked source',
    async () => {
      const storage = path.join(root, 'storage');
      const workdir = path.join(root, 'work', 'job-1');
      await fs.mkdir(storage, { recursive: true });
      await fs.mkdir(path.join(workdir, 'sub'), { recursive: true });
      const original = path.join(storage, 'upl_source');
      await fs.copyFile(await sample('h264-aac-720p'), original);

      const source = await sourceInWorkdir(original, workdir);
      expect(source).toBe(path.join(workdir, 'source'));
      const output = path.join(workdir, 'sub', 'first.jpg');
      await runMediaTool(
        'ffmpeg',
        ['-v', 'error', '-f', 'mov', '-i', source, '-frames:v', '1', '-f', 'image2', '-update', '1', output],
        { workdir, limits: DEFAULT_LIMITS },
      );
      const written = await fs.stat(output);
      expect(written.uid).toBe(sandbox.user?.uid);
      // The media user cannot reach anything by the absolute path of the private folder.
      const err = await runMediaTool('ffprobe', ['-v', 'error', original], { workdir }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(MediaToolError);
      expect((err as MediaToolError).stderrTail).toMatch(/Permission denied/);
    },
  );

  it('stops a tool at its CPU limit', async () => {
    const started = Date.now();
    const err = await runMediaTool(
      'ffmpeg',
      ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30:duration=600', '-f', 'null', '-'],
      { limits: { ...DEFAULT_LIMITS, cpuSeconds: 1 } },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MediaToolError);
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 40_000);
});
