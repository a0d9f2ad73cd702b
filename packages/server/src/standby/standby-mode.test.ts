import { describe, expect, it } from 'vitest';
import { readOnlyWhileStandby } from './read-only.hook.ts';
import { StandbyMode } from './standby-mode.ts';

const settle = () => new Promise((resolve) => setTimeout(resolve, 30));

describe('StandbyMode', () => {
  it('runs work at once on a primary', async () => {
    const ran: string[] = [];
    const mode = new StandbyMode({ inRecovery: () => Promise.resolve(false) }, false);
    mode.whenPrimary(() => void ran.push('jobs'));
    await settle();
    expect(ran).toEqual(['jobs']);
    expect(mode.active).toBe(false);
  });

  it('holds work while the database is a standby, then runs it in order once promoted', async () => {
    let inRecovery = true;
    const ran: string[] = [];
    const errors: unknown[] = [];
    const mode = new StandbyMode({ inRecovery: () => Promise.resolve(inRecovery) }, true, {
      pollMs: 5,
      onError: (err) => errors.push(err),
    });
    mode.whenPrimary(() => void ran.push('migrate'));
    mode.whenPrimary(() => void ran.push('jobs'));
    await settle();
    expect(ran).toEqual([]);
    expect(mode.active).toBe(true);
    inRecovery = false;
    await settle();
    expect(ran).toEqual(['migrate', 'jobs']);
    expect(mode.active).toBe(false);
    expect(errors).toEqual([]);
    mode.stop();
  });

  it('keeps asking while the database does not answer, and runs nothing after stop', async () => {
    let calls = 0;
    const ran: string[] = [];
    const mode = new StandbyMode(
      {
        inRecovery: () => {
          calls++;
          return calls < 3 ? Promise.reject(new Error('connection refused')) : Promise.resolve(true);
        },
      },
      true,
      { pollMs: 5 },
    );
    mode.whenPrimary(() => void ran.push('jobs'));
    await settle();
    expect(calls).toBeGreaterThanOrEqual(3);
    mode.stop();
    const seen = calls;
    await settle();
    expect(calls).toBe(seen);
    expect(ran).toEqual([]);
  });
});

describe('readOnlyWhileStandby', () => {
  const request = (method: string) => ({ method }) as Parameters<ReturnType<typeof readOnlyWhileStandby>>[0];

  it('refuses writes on a standby with read_only_standby, and lets reads through', async () => {
    const hook = readOnlyWhileStandby({ active: true });
    for (const method of ['POST', 'PATCH', 'PUT', 'DELETE']) {
      await expect(hook(request(method))).rejects.toMatchObject({ code: 'read_only_standby', status: 503 });
    }
    for (const method of ['GET', 'HEAD', 'OPTIONS'])
      await expect(hook(request(method))).resolves.toBeUndefined();
  });

  it('lets everything through on a primary', async () => {
    await expect(readOnlyWhileStandby({ active: false })(request('POST'))).resolves.toBeUndefined();
  });
});
