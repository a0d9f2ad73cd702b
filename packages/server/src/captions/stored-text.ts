import type { Storage } from '../storage/storage.ts';

/** A stored text file (a track's WebVTT), whole. */
export async function readText(storage: Storage, key: string): Promise<string> {
  const { body } = await storage.get(key);
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
