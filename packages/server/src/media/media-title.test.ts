import { describe, expect, it } from 'vitest';
import { givenTitle, titleFromFilename, titleFromUrl } from './media-title.ts';

describe('default titles', () => {
  it.each([
    ['https://bucket.example/talks/My%20Talk.mp4?X-Amz-Signature=abc', 'My Talk'],
    ['https://user:secret@cdn.example/a/b/clip.webm#t=3', 'clip'],
    ['https://cdn.example/', ''],
    ['https://cdn.example/bad%E0%A4%A.mov', 'bad%E0%A4%A'],
    ['not a url', ''],
  ])('from the URL %s', (url, title) => {
    expect(titleFromUrl(url)).toBe(title);
  });

  it.each([
    ['C:\\videos\\holiday.MP4', 'holiday'],
    ['archive.tar.gz', 'archive.tar'],
    [null, ''],
  ])('from the file name %s', (name, title) => {
    expect(titleFromFilename(name)).toBe(title);
  });

  it.each([undefined, '', '  ', 'undefined', 'null'])('takes %j for no title', (title) => {
    expect(givenTitle(title)).toBeUndefined();
  });

  it('keeps a title with words in it', () => {
    expect(givenTitle('Undefined behaviour, explained')).toBe('Undefined behaviour, explained');
    expect(givenTitle('Null')).toBe('Null');
  });
});
