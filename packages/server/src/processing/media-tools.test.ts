import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { childrenOf, isAlive } from '../../test/process-tree.ts';
import { mediaToolCommand, runMediaTool } from './media-tools.ts';

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** An ffmpeg run that takes a minute unless killed; `marker` makes its command line unique. */
const slowFfmpeg = (marker: string) => [
  '-nostdin',
  '-hide_banner',
  '-re',
  '-f',
  'lavfi',
  '-i',
  `testsrc=size=64x64:rate=5:duration=${marker}`,
  '-f',
  'null',
  '-',
];

describe('mediaToolCommand', () => {
  it('runs the tool through setpriv, which has the kernel kill it when its parent dies', () => {
    expect(mediaToolCommand('ffmpeg', ['-i', 'in.mp4'], '/usr/bin/setpriv')).toEqual({
      file: '/usr/bin/setpriv',
      args: ['--pdeathsig', 'KILL', '--', 'ffmpeg', '-i', 'in.mp4'],
    });
  });

  it('runs the tool directly where setpriv is missing', () => {
    expect(mediaToolCommand('ffprobe', ['-version'], null)).toEqual({
      file: 'ffprobe',
      args: ['-version'],
    });
  });
});

describe('runMediaTool', () => {
  it('resolves with the tool’s output', async () => {
    expect(await runMediaTool('ffprobe', ['-hide_banner', '-version'])).toMatch(/^ffprobe version/);
  });

  it('kills the tool’s process group when aborted', async () => {
    const marker = '61.101';
    const abort = new AbortController();
    const run = runMediaTool('ffmpeg', slowFfmpeg(marker), { signal: abort.signal });
    const ffmpeg = await waitFor('ffmpeg to start', () =>
      childrenOf(process.pid).find((c) => c.cmdline.includes(`duration=${marker}`)),
    );
    abort.abort(new Error('stop'));
    await expect(run).rejects.toThrow('stop');
    expect(isAlive(ffmpeg.pid)).toBe(false);
  });

  it('leaves no tool running when the process that spawned it is killed with SIGKILL', async () => {
    const marker = '61.202';
    const script = [
      `import { runMediaTool } from ${JSON.stringify(fileURLToPath(new URL('./media-tools.ts', import.meta.url)))};`,
      `await runMediaTool('ffmpeg', ${JSON.stringify(slowFfmpeg(marker))});`,
    ].join('\n');
    const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => parent.once('exit', resolve));
    try {
      const parentPid = parent.pid ?? 0;
      const ffmpeg = await waitFor(
        'ffmpeg to start',
        () => childrenOf(parentPid).find((c) => c.cmdline.includes(`duration=${marker}`)),
        30_000,
      );
      parent.kill('SIGKILL');
      await exited;
      // The kernel kills it at once; the wait only allows for a machine too busy to schedule the check.
      await waitFor('ffmpeg to die', () => (isAlive(ffmpeg.pid) ? undefined : true), 20_000);
    } finally {
      parent.kill('SIGKILL');
    }
  }, 90_000);
});
