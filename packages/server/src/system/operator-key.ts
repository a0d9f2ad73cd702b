import fs from 'node:fs';
import path from 'node:path';
import { randomToken } from '../lib/ids.ts';

export const OPERATOR_KEY_FILE = 'operator-key';

/**
 * The operator key: KINO_ADMIN_KEY when set, else the one saved in the data folder, else a new one
 * saved there with mode 0600. `created` tells the caller to print it (once, at first start).
 */
export function resolveOperatorKey(
  configured: string | undefined,
  dataDir: string,
): { key: string; created: boolean } {
  if (configured) return { key: configured, created: false };
  const file = path.join(dataDir, OPERATOR_KEY_FILE);
  try {
    const saved = fs.readFileSync(file, 'utf8').trim();
    if (saved) return { key: saved, created: false };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const key = `kino_op_${randomToken(32)}`;
  try {
    // 'wx' fails if another process created it first; then that process's key wins.
    fs.writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
    return { key, created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return { key: fs.readFileSync(file, 'utf8').trim(), created: false };
  }
}
