import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sweepWorkFolders } from './work-folders.ts';

describe('sweepWorkFolders', () => {
  let root: string;
  const HOUR = 3600_000;

  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'kino-work-'));
  });
  afterEach(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  const folder = async (name: string, ageMs: number) => {
    const dir = path.join(root, name);
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, 'video-720p.mp4'), 'partial');
    const at = new Date(Date.now() - ageMs);
    await fs.utimes(dir, at, at);
  };

  it('removes quiet folders of attempts that no longer run and keeps the rest', async () => {
    await folder('job_running-2', HOUR); // its job runs this attempt
    await folder('job_running-1', HOUR); // an earlier attempt of that job, killed
    await folder('job_gone-1', HOUR); // the job finished or died
    await folder('job_fresh-1', 1_000); // written to a second ago: maybe a worker finishing
    await folder('imports', HOUR); // not an attempt's folder
    await fs.writeFile(path.join(root, 'job_file-1'), 'a file, not a folder');
    const asked: string[][] = [];

    const removed = await sweepWorkFolders({
      workRoot: root,
      quietForMs: 60_000,
      runningAttempts: (ids) => {
        asked.push([...ids].sort());
        return Promise.resolve([{ id: 'job_running', attempt: 2 }]);
      },
    });

    expect(removed.sort()).toEqual(['job_gone-1', 'job_running-1']);
    expect((await fs.readdir(root)).sort()).toEqual([
      'imports',
      'job_file-1',
      'job_fresh-1',
      'job_running-2',
    ]);
    expect(asked).toEqual([['job_fresh', 'job_gone', 'job_running']]);
  });

  it('does nothing when the work folder is missing or holds no attempts', async () => {
    const lookups: unknown[] = [];
    const runningAttempts = (ids: readonly string[]) => {
      lookups.push(ids);
      return Promise.resolve([]);
    };
    expect(
      await sweepWorkFolders({ workRoot: path.join(root, 'nope'), quietForMs: 0, runningAttempts }),
    ).toEqual([]);
    expect(await sweepWorkFolders({ workRoot: root, quietForMs: 0, runningAttempts })).toEqual([]);
    expect(lookups).toEqual([]);
  });
});
