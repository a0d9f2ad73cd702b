import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';

/** Writes `size` random bytes to `file` and returns their sha256 (hex). */
export async function writeRandomFile(file: string, size: number): Promise<string> {
  const bytes = randomBytes(size);
  await fs.writeFile(file, bytes);
  return createHash('sha256').update(bytes).digest('hex');
}
