import { describe, expect, it } from 'vitest';
import { parseUploadLength, parseUploadMetadata } from './upload-metadata.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('parseUploadMetadata', () => {
  it('decodes the keys Kino reads and ignores the rest', () => {
    const header = `filename ${b64('talk.mp4')},title ${b64('Keynote – 2026')},visibility ${b64('private')},filetype ${b64('video/mp4')},empty`;
    expect(parseUploadMetadata(header)).toEqual({
      filename: 'talk.mp4',
      title: 'Keynote – 2026',
      visibility: 'private',
    });
  });

  it.each(['', '   ', 'undefined', 'null'])(
    'leaves the title out when a client sends %j for an empty field, so the file name names the media',
    (title) => {
      const header = `filename ${b64('talk.mp4')},title ${b64(title)}`;
      expect(parseUploadMetadata(header)).toEqual({ filename: 'talk.mp4' });
    },
  );

  it('accepts no metadata', () => {
    expect(parseUploadMetadata(undefined)).toEqual({});
  });

  it.each([`visibility ${b64('secret')}`, 'title not*base64', `a ${b64('x')} extra`])(
    'refuses %j',
    (header) => {
      expect(() => parseUploadMetadata(header)).toThrow(/Upload-Metadata/);
    },
  );
});

describe('parseUploadMetadata and U+0000', () => {
  it.each(['title', 'filename', 'mediaId'])('refuses a NUL character in %s', (key) => {
    expect(() => parseUploadMetadata(`${key} ${b64('a\u0000b')}`)).toThrow(
      expect.objectContaining({ code: 'invalid_request', message: expect.stringMatching(/Upload-Metadata/) }),
    );
  });

  it('ignores one in a key Kino does not read', () => {
    expect(parseUploadMetadata(`filetype ${b64('a\u0000b')}`)).toEqual({});
  });
});

describe('parseUploadLength', () => {
  it.each([undefined, '-1', '1.5', 'abc', '99999999999999999'])('refuses %j', (v) => {
    expect(() => parseUploadLength(v)).toThrow(/Upload-Length/);
  });
  it('reads a length', () => {
    expect(parseUploadLength('209715200')).toBe(209715200);
  });
});
