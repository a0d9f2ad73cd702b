import { describe, expect, it } from 'vitest';
import { filledMetaFields } from './upload-meta.ts';

describe('filledMetaFields', () => {
  const FIELDS = ['name', 'type', 'title', 'visibility'];

  it('leaves out a title never typed, or typed and cleared', () => {
    const meta = { name: 'talk.mp4', type: 'video/mp4', visibility: 'public' };
    expect(filledMetaFields(meta, FIELDS)).toEqual(['name', 'type', 'visibility']);
    expect(filledMetaFields({ ...meta, title: '  ' }, FIELDS)).toEqual(['name', 'type', 'visibility']);
    expect(filledMetaFields({ ...meta, type: '', title: null }, FIELDS)).toEqual(['name', 'visibility']);
  });

  it('keeps a title that was typed', () => {
    expect(filledMetaFields({ name: 'talk.mp4', title: 'Keynote' }, FIELDS)).toEqual(['name', 'title']);
  });
});
