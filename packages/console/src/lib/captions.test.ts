import { describe, expect, it } from 'vitest';
import { captionFormatOf, languageOf, markWords, momentsOf } from './captions.ts';

describe('captionFormatOf', () => {
  it('reads the four caption extensions, in any case', () => {
    expect(captionFormatOf('talk.de.srt')).toBe('srt');
    expect(captionFormatOf('TALK.VTT')).toBe('vtt');
    expect(captionFormatOf('a.ttml')).toBe('ttml');
    expect(captionFormatOf('a.dfxp')).toBe('dfxp');
    expect(captionFormatOf('a.xml')).toBeNull();
    expect(captionFormatOf('subtitles')).toBeNull();
  });
});

describe('languageOf', () => {
  it('finds a language tag before the extension', () => {
    expect(languageOf('talk.de.srt')).toBe('de');
    expect(languageOf('lecture.pt-br.vtt')).toBe('pt-BR');
    expect(languageOf('lecture.en_GB.vtt')).toBe('en-GB');
  });

  it('finds none in a plain name', () => {
    expect(languageOf('talk.srt')).toBeNull();
    expect(languageOf('my talk final.srt')).toBeNull();
    expect(languageOf('x.123.srt')).toBeNull();
    expect(languageOf('the.end.srt')).toBeNull();
  });
});

describe('markWords', () => {
  it('marks the words that start with a searched word', () => {
    expect(markWords('The quick brown fox', 'QUI fox')).toEqual([
      { text: 'The ', mark: false },
      { text: 'quick', mark: true },
      { text: ' brown ', mark: false },
      { text: 'fox', mark: true },
    ]);
  });

  it('leaves text without a match whole, and does not mark inside words', () => {
    expect(markWords('Über Ärger', 'rger')).toEqual([{ text: 'Über Ärger', mark: false }]);
    expect(markWords('Über Ärger', 'är')).toEqual([
      { text: 'Über ', mark: false },
      { text: 'Ärger', mark: true },
    ]);
  });
});

describe('momentsOf', () => {
  const hit = (startSeconds: number, language: string) => ({ startSeconds, language });

  it('keeps one hit per moment, in the first preferred language that has it', () => {
    const hits = [hit(0.5, 'de'), hit(0.5, 'en'), hit(4, 'de'), hit(2, 'fr')];
    expect(momentsOf(hits, ['en-GB', 'en'])).toEqual([hit(0.5, 'en'), hit(2, 'fr'), hit(4, 'de')]);
    expect(momentsOf(hits, ['de'])).toEqual([hit(0.5, 'de'), hit(2, 'fr'), hit(4, 'de')]);
    expect(momentsOf(hits, [])).toEqual([hit(0.5, 'de'), hit(2, 'fr'), hit(4, 'de')]);
  });
});
