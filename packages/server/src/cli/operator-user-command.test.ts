import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.ts';
import { createKino } from '../system/kino.ts';
import { readOperatorPassword } from './operator-user-command.ts';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kino-operator-user-'));
afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const kinoCli = (args: string[], input: string, env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    env: { ...process.env, KINO_DATA_DIR: dataDir, KINO_OPERATOR_PASSWORD: '', ...env },
    input,
    encoding: 'utf8',
    // Each run starts Node with tsx and opens the database: seconds when idle, far more on a busy machine.
    timeout: 100_000,
  });

describe('kino create-operator-user', () => {
  it('reads the password from KINO_OPERATOR_PASSWORD, else the first line of stdin', async () => {
    expect(await readOperatorPassword({ KINO_OPERATOR_PASSWORD: 'from the env' }, Readable.from(['x']))).toBe(
      'from the env',
    );
    expect(await readOperatorPassword({}, Readable.from(['from st', 'din\r\nnext line']))).toBe('from stdin');
    expect(await readOperatorPassword({}, Readable.from([]))).toBe('');
  });

  it('creates an operator user who logs in to the console; running it again changes the password', async () => {
    const short = kinoCli(['create-operator-user', '--email', 'ops@example.com'], 'short\n');
    expect(short.status).toBe(1);
    expect(short.stderr).toContain('the password needs 10 to 1024 characters');

    const created = kinoCli(['create-operator-user', '--email', 'Ops@Example.com'], 'first password 1\n');
    expect(created.stderr).toBe('');
    expect(created.stdout).toMatch(/^operator user usr_\w+ \(ops@example\.com\) created/);
    const changed = kinoCli(['create-operator-user', '--email', 'ops@example.com'], '', {
      KINO_OPERATOR_PASSWORD: 'second password 2',
    });
    expect(changed.stdout).toContain('its password was changed');
    expect(created.stdout + changed.stdout).not.toContain('password 1');

    const kino = await createKino(loadConfig({ KINO_DATA_DIR: dataDir }), { operatorKey: 'o'.repeat(32) });
    try {
      const login = (password: string) =>
        kino.app.inject({
          method: 'POST',
          url: '/v1/auth/login',
          payload: { email: 'ops@example.com', password },
        });
      expect((await login('first password 1')).statusCode).toBe(401);
      const ok = await login('second password 2');
      expect(ok.json()).toMatchObject({ user: { role: 'operator', tenantId: null } });
    } finally {
      await kino.close();
    }
  }, 240_000);
});
