import { describe, expect, it } from 'vitest';
import { CaptionsError } from './caption-cue.ts';
import { formatTimestamp, parseTimestamp } from './caption-time.ts';
import { detectEncoding } from './decode-text.ts';
import { normalizeCaptions } from './normalize-captions.ts';
import { parseVtt } from './parse-vtt.ts';

const utf8 = (text: string) => new TextEncoder().encode(text);
const bom = (text: string) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);

function errorOf(fn: () => unknown): CaptionsError {
  try {
    fn();
  } catch (err) {
    if (err instanceof CaptionsError) return err;
    throw err;
  }
  throw new Error('expected a CaptionsError');
}

describe('SubRip', () => {
  it('reads a file with a BOM, CRLF line ends, comma decimals and no blank line at the end', () => {
    const srt = [
      '1',
      '00:00:01,000 --> 00:00:02,500',
      'Hallo, Welt!',
      '',
      '2',
      '00:01:23,000 --> 00:01:25,250',
      'Ärger im <i>Büro</i>',
      'zweite Zeile',
    ].join('\r\n');
    const result = normalizeCaptions(bom(srt));
    expect(result.format).toBe('srt');
    expect(result.encoding).toBe('utf-8');
    expect(result.cues).toEqual([
      { id: '', startMs: 1000, endMs: 2500, settings: '', text: 'Hallo, Welt!' },
      { id: '', startMs: 83_000, endMs: 85_250, settings: '', text: 'Ärger im <i>Büro</i>\nzweite Zeile' },
    ]);
    expect(result.vtt).toBe(
      'WEBVTT\n\n00:00:01.000 --> 00:00:02.500\nHallo, Welt!\n\n00:01:23.000 --> 00:01:25.250\nÄrger im <i>Büro</i>\nzweite Zeile\n',
    );
  });

  it('reads blocks without numbers or blank lines between them, and old Mac line ends', () => {
    const srt = '00:00:01,000 --> 00:00:02,000\rone\r2\r00:00:03,000 --> 00:00:04,000 X1:10 X2:20\rtwo\r';
    expect(normalizeCaptions(utf8(srt)).cues.map((c) => [c.startMs, c.text])).toEqual([
      [1000, 'one'],
      [3000, 'two'],
    ]);
  });

  it('drops HTML other than the WebVTT tags, and override codes, and escapes the rest', () => {
    const srt =
      '1\n00:00:01,000 --> 00:00:02,000\n{\\an8}<font color="#ff0000">red</font> <B>bold</B> <script>alert(1)</script> a < b & c\n';
    expect(normalizeCaptions(utf8(srt)).cues[0]?.text).toBe('red <b>bold</b> alert(1) a &lt; b &amp; c');
  });

  it('names the line of a malformed block', () => {
    const srt = '1\n00:00:01,000 --> 00:00:02,000\nfine\n\n2\n00:00:03,000 -> 00:00:04,000\nbroken\n';
    const error = errorOf(() => normalizeCaptions(utf8(srt), 'srt'));
    expect(error.line).toBe(6);
    expect(error.message).toBe(
      "line 6: expected a timing line like '00:00:01,000 --> 00:00:02,500', found '00:00:03,000 -> 00:00:04,000'",
    );
    const stray = '1\n00:00:01,000 --> 00:00:02,000\nfine\n\nstray text\n';
    expect(errorOf(() => normalizeCaptions(utf8(stray), 'srt')).message).toMatch(
      /^line 5: expected a cue number or a timing line .* found 'stray text'$/,
    );
  });

  it('names the line of a bad time and of a cue that ends before it starts', () => {
    expect(
      errorOf(() => normalizeCaptions(utf8('1\n00:00:01,000 --> 00:61:00,000\nx\n'), 'srt')).message,
    ).toBe("line 2: '00:61:00,000' is not a time");
    expect(
      errorOf(() => normalizeCaptions(utf8('1\n00:00:05,000 --> 00:00:04,000\nx\n'), 'srt')).message,
    ).toBe('line 2: the cue ends before it starts');
  });

  it('keeps overlapping cues, in order of start time', () => {
    const srt = '1\n00:00:05,000 --> 00:00:08,000\nlater\n\n2\n00:00:01,000 --> 00:00:06,000\nfirst\n';
    const { vtt } = normalizeCaptions(utf8(srt));
    expect(vtt.indexOf('first')).toBeLessThan(vtt.indexOf('later'));
  });
});

describe('WebVTT', () => {
  const styled = [
    'WEBVTT - with styling',
    'X-TIMESTAMP-MAP=MPEGTS:900000,LOCAL:00:00:00.000',
    '',
    'STYLE',
    '::cue(.yellow) { color: yellow; background: url(https://tracker.example/x.png) }',
    '',
    'REGION',
    'id:fred width:40% lines:3',
    '',
    'NOTE a comment',
    'over two lines',
    '',
    'intro',
    '00:01.000 --> 00:02.000 align:start line:10% position:20%,line-left size:50% region:fred vertical:xx',
    '<v.loud Esme>Hello</v> <c.yellow.big>there</c> <lang de-de>Guten Tag</lang> <00:00:01.500><ruby>漢<rt>kan</rt></ruby>',
    '',
    '00:00:03.000 --> 00:00:04.000',
    '<b><i>unclosed <u>tags',
    '00:00:05.000 --> 00:00:06.000',
    '<img src=x onerror=alert(1)>&lt;script&gt; &amp; &nbsp;ok',
    '',
  ].join('\n');

  it('keeps valid cue settings and the WebVTT tags, drops styles, regions, classes and HTML', () => {
    const { cues, vtt } = normalizeCaptions(utf8(styled));
    expect(cues).toEqual([
      {
        id: 'intro',
        startMs: 1000,
        endMs: 2000,
        settings: 'align:start line:10% position:20%,line-left size:50%',
        text: '<v Esme>Hello</v> <c>there</c> <lang de-DE>Guten Tag</lang> <ruby>漢<rt>kan</rt></ruby>',
      },
      { id: '', startMs: 3000, endMs: 4000, settings: '', text: '<b><i>unclosed <u>tags</u></i></b>' },
      { id: '', startMs: 5000, endMs: 6000, settings: '', text: '&lt;script&gt; &amp; \u00a0ok' },
    ]);
    expect(vtt).not.toMatch(/STYLE|REGION|NOTE|tracker|X-TIMESTAMP-MAP|img|yellow/);
    expect(vtt.startsWith('WEBVTT\n\nintro\n00:00:01.000 --> 00:00:02.000 align:start')).toBe(true);
    // What Kino writes reads back the same.
    expect(parseVtt(vtt)).toEqual(cues);
  });

  it('names the line of a block that is not a cue, and of a bad timing', () => {
    expect(
      errorOf(() => parseVtt('WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nok\n\njust text\nmore\n')).line,
    ).toBe(7);
    expect(errorOf(() => parseVtt('WEBVTT\n\nid\n00:00:01.000 --> 00:00:0x.000\nok\n')).message).toBe(
      "line 4: '00:00:0x.000' is not a time",
    );
    expect(errorOf(() => parseVtt('WEBVTX\n')).line).toBe(1);
  });
});

describe('TTML', () => {
  it('reads clock times, offset times in ticks and frames, line breaks and spans', () => {
    const ttml = `<?xml version="1.0" encoding="UTF-8"?>
<tt xmlns="http://www.w3.org/ns/ttml" xmlns:ttp="http://www.w3.org/ns/ttml#parameter"
    xmlns:tts="http://www.w3.org/ns/ttml#styling" ttp:tickRate="10000000" ttp:frameRate="25" xml:lang="de">
  <head><styling><style xml:id="s1" tts:color="white"/></styling></head>
  <body>
    <div>
      <p begin="00:00:01.500" end="00:00:03.000">Erste <span tts:fontStyle="italic">Zeile</span><br/>
         und   zweite</p>
      <p begin="40000000t" dur="20000000t">Ticks &amp; <span>mehr</span></p>
    </div>
    <div begin="10s">
      <p begin="00:00:01:05" end="00:00:02:00">Frames, relative to the div</p>
      <p begin="1m" end="61.5s">&lt;b&gt;not a tag&lt;/b&gt;</p>
    </div>
  </body>
</tt>`;
    const { cues } = normalizeCaptions(utf8(ttml));
    expect(cues.map((c) => [c.startMs, c.endMs, c.text])).toEqual([
      [1500, 3000, 'Erste <i>Zeile</i>\nund zweite'],
      [4000, 6000, 'Ticks &amp; mehr'],
      [11_200, 12_000, 'Frames, relative to the div'],
      [70_000, 71_500, '&lt;b&gt;not a tag&lt;/b&gt;'],
    ]);
  });

  it('reads old DFXP with frame rate multipliers', () => {
    const dfxp = `<tt xmlns="http://www.w3.org/2006/10/ttaf1" xmlns:ttp="http://www.w3.org/2006/10/ttaf1#parameter"
      ttp:frameRate="30" ttp:frameRateMultiplier="1000 1001"><body><div>
      <p begin="00:00:01:00" end="30f">30 NTSC frames</p></div></body></tt>`;
    expect(normalizeCaptions(utf8(dfxp)).cues[0]).toMatchObject({ startMs: 1000, endMs: 1001 });
  });

  it('names the line of a bad time and of broken XML', () => {
    const bad =
      '<tt xmlns="http://www.w3.org/ns/ttml">\n<body>\n<div>\n<p begin="soon" end="2s">x</p>\n</div></body></tt>';
    expect(errorOf(() => normalizeCaptions(utf8(bad))).message).toBe(
      'line 4: begin="soon" is not a TTML time',
    );
    const broken = '<tt xmlns="http://www.w3.org/ns/ttml">\n<body>\n<p begin="1s" end="2s">x</div>\n</tt>';
    const error = errorOf(() => normalizeCaptions(utf8(broken)));
    expect(error.line).toBe(3);
    expect(error.message).toMatch(/not well-formed XML/);
  });

  it('refuses a paragraph without an end', () => {
    const open = '<tt xmlns="http://www.w3.org/ns/ttml"><body><div><p begin="1s">x</p></div></body></tt>';
    expect(errorOf(() => normalizeCaptions(utf8(open))).message).toBe(
      'line 1: the paragraph has no end (set end or dur)',
    );
  });
});

describe('encodings', () => {
  const srt = '1\n00:00:01,000 --> 00:00:02,000\nÄrger über Öl, 5 €\n';

  it('reads UTF-16 by its byte order mark', () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(srt, 'utf16le')]);
    const be = Buffer.from(le);
    be.swap16();
    expect(detectEncoding(le)).toBe('utf-16le');
    expect(detectEncoding(be)).toBe('utf-16be');
    expect(normalizeCaptions(le).cues[0]?.text).toBe('Ärger über Öl, 5 €');
    expect(normalizeCaptions(be).cues[0]?.text).toBe('Ärger über Öl, 5 €');
  });

  it('reads UTF-16 without a byte order mark', () => {
    expect(normalizeCaptions(Buffer.from(srt, 'utf16le')).cues[0]?.text).toBe('Ärger über Öl, 5 €');
  });

  it('falls back to Windows-1252 when the bytes are not UTF-8', () => {
    const latin = Buffer.from([
      ...Buffer.from('1\n00:00:01,000 --> 00:00:02,000\n', 'ascii'),
      0xc4,
      0x72,
      0x67,
      0x65,
      0x72,
      0x20,
      0x80,
      0x93,
      0x0a,
    ]);
    expect(detectEncoding(latin)).toBe('windows-1252');
    expect(normalizeCaptions(latin).cues[0]?.text).toBe('Ärger €“');
  });

  it('refuses what is no caption file, and a file without cues', () => {
    expect(errorOf(() => normalizeCaptions(utf8('hello'))).message).toMatch(
      /^line 1: not a WebVTT, SubRip or TTML/,
    );
    expect(errorOf(() => normalizeCaptions(utf8('WEBVTT\n\nNOTE nothing\n'))).message).toBe(
      'the file holds no cue with text',
    );
  });
});

describe('timestamps', () => {
  it('read hours, minutes, seconds and fractions, and write them back', () => {
    expect(parseTimestamp('01:23.5')).toBe(83_500);
    expect(parseTimestamp('100:00:00.000')).toBe(360_000_000);
    expect(parseTimestamp('00:00:01,0005')).toBe(1001);
    expect(parseTimestamp('1:2:3')).toBeNull();
    expect(formatTimestamp(83_500)).toBe('00:01:23.500');
    expect(formatTimestamp(360_000_001)).toBe('100:00:00.001');
  });
});
