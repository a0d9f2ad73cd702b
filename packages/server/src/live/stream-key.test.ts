import { describe, expect, it } from 'vitest';
import { newId } from '../lib/ids.ts';
import { newStreamKey, parseStreamKey, streamKeyMatches } from './stream-key.ts';

describe('stream keys', () => {
  it('names their stream and match only their own hash', () => {
    const id = newId('ls');
    const a = newStreamKey(id);
    const b = newStreamKey(id);
    const parsed = parseStreamKey(a.key);
    expect(parsed?.liveStreamId).toBe(id);
    expect(streamKeyMatches(parsed?.secret ?? '', a.hash)).toBe(true);
    expect(streamKeyMatches(parsed?.secret ?? '', b.hash)).toBe(false);
    expect(a.key).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('refuses anything not shaped like a key', () => {
    expect(parseStreamKey('')).toBeNull();
    expect(parseStreamKey('ls_abc-def')).toBeNull();
    expect(parseStreamKey(`${newId('ls')}-short`)).toBeNull();
    expect(parseStreamKey(`../${newId('ls')}-${'a'.repeat(43)}`)).toBeNull();
  });
});
