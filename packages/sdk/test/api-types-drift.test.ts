import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const execFileAsync = promisify(execFile);
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DRIFT = fileURLToPath(new URL('fixtures/api-types-drift.mjs', import.meta.url));

describe("the SDK's generated types", () => {
  it('match the server, and the check fails once a route schema changes without regenerating', async () => {
    const { stdout } = await execFileAsync(process.execPath, ['--import', 'tsx', DRIFT], { cwd: REPO_ROOT });
    expect(JSON.parse(stdout)).toEqual({ asIs: [], changed: ['packages/sdk/src/openapi.gen.ts'] });
    // It builds the document and formats every generated file twice: slow on a busy machine.
  }, 180_000);
});
