import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));
const dirs: string[] = [];
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'backup-cli-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function kino(args: string[], env: Record<string, string>) {
  const res = spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    env: { ...process.env, KINO_BACKUP_PASSPHRASE: '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

describe('kino backup and kino restore', () => {
  it('back up, list, verify and restore; a damaged backup fails verify (exit 1, naming the object) and a non-empty target is refused', () => {
    const live = { KINO_DATA_DIR: tempDir() };
    const to = `file://${tempDir()}`;
    expect(kino(['tenants', 'create', 'acme'], live).code).toBe(0);
    const object = path.join(live.KINO_DATA_DIR, 'storage', 'media', 'ten_x', 'med_x', 'v1', 'video.mp4');
    fs.mkdirSync(path.dirname(object), { recursive: true });
    fs.writeFileSync(object, 'the bytes of a video');

    const created = kino(['backup', 'create', '--to', to], live);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^backup \d{8}T\d{6}Z-[a-z0-9]{6} written to file:\/\//);
    // Not a terminal: one quiet line per step, no bar.
    expect(created.stderr).not.toContain('\r');
    expect(created.stderr).toContain('database snapshot');

    expect(kino(['backup', 'list', '--from', to], live).stdout.trim().split('\n')).toHaveLength(1);
    const verified = kino(['backup', 'verify', '--from', to], live);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toContain('is sound');

    const elsewhere = kino(['restore', '--from', to], {
      KINO_DATA_DIR: tempDir(),
      KINO_DATABASE_URL: 'postgres://kino@127.0.0.1:1/kino',
    });
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr).toContain('holds a sqlite database; the configured one is postgres');

    const target = { KINO_DATA_DIR: tempDir() };
    const restored = kino(['restore', '--from', to], target);
    expect(restored.code, restored.stderr).toBe(0);
    expect(kino(['tenants', 'list'], target).stdout).toContain('acme');
    expect(
      fs.readFileSync(path.join(target.KINO_DATA_DIR, 'storage', 'media/ten_x/med_x/v1/video.mp4'), 'utf8'),
    ).toBe('the bytes of a video');
    const again = kino(['restore', '--from', to], target);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^kino: restore refused: the target is not empty/);

    const objects = path.join(to.slice('file://'.length), 'objects');
    const [shard] = fs.readdirSync(objects);
    const [file] = fs.readdirSync(path.join(objects, shard!));
    fs.writeFileSync(path.join(objects, shard!, file!), 'THE BYTES OF A VIDEO');
    const damaged = kino(['backup', 'verify', '--from', to], live);
    expect(damaged.code).toBe(1);
    expect(damaged.stderr).toContain('checksum mismatch: media/ten_x/med_x/v1/video.mp4');

    const secrets = kino(['backup', 'create', '--to', to, '--include-secrets'], live);
    expect(secrets.code).toBe(1);
    expect(secrets.stderr).toContain('KINO_BACKUP_PASSPHRASE');
  }, 120_000);
});
