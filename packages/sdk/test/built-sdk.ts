import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const SDK_DIR = fileURLToPath(new URL('..', import.meta.url));
const REPO_ROOT = path.resolve(SDK_DIR, '../..');

/**
 * A fresh project folder with `@kino/sdk` installed as a user gets it: tsc's build of the package
 * and its package.json, in the project's node_modules (its own dependencies resolve from the
 * repository's node_modules, the folder being inside the repository). Each caller gets its own
 * build, so test files running at once never share a half-written dist.
 */
export async function projectWithBuiltSdk(): Promise<{ dir: string; bin: string; remove: () => void }> {
  fs.mkdirSync(path.join(REPO_ROOT, '.tmp'), { recursive: true });
  const dir = fs.mkdtempSync(path.join(REPO_ROOT, '.tmp', 'sdk-project-'));
  const installed = path.join(dir, 'node_modules/@kino/sdk');
  fs.mkdirSync(installed, { recursive: true });
  fs.copyFileSync(path.join(SDK_DIR, 'package.json'), path.join(installed, 'package.json'));
  const tsc = path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
  await execFileAsync(process.execPath, [
    tsc,
    '-p',
    path.join(SDK_DIR, 'tsconfig.build.json'),
    '--outDir',
    path.join(installed, 'dist'),
  ]);
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  return {
    dir,
    bin: path.join(installed, 'dist/cli/kino-upload.js'),
    remove: () => {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
