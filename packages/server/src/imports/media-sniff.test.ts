import { describe, expect, it } from 'vitest';
import { sniffMedia, type MediaFormat } from './media-sniff.ts';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s/g, ''), 'hex');
const withTail = (head: Buffer, size = 512): Buffer =>
  Buffer.concat([head, Buffer.alloc(Math.max(0, size - head.length), 0x00)]);

function tsPackets(packetSize: number, offset: number): Buffer {
  const data = Buffer.alloc(packetSize * 3, 0xff);
  for (let i = 0; i < 3; i++) data[offset + i * packetSize] = 0x47;
  return data;
}

describe('sniffMedia', () => {
  it.each<[string, Buffer, MediaFormat]>([
    ['MP4', withTail(hex('00000020 66747970 69736f6d')), 'mp4'],
    ['QuickTime MOV', withTail(hex('00000014 66747970 71742020')), 'mp4'],
    ['QuickTime without ftyp', withTail(hex('00000008 77696465')), 'mp4'],
    ['a fragment', withTail(hex('00000018 73747970 6d736468')), 'mp4'],
    ['Matroska/WebM', withTail(hex('1a45dfa3 9f4286 81')), 'matroska'],
    ['MPEG-TS', tsPackets(188, 0), 'mpegts'],
    ['M2TS', tsPackets(192, 4), 'mpegts'],
    ['MP3 with ID3', withTail(Buffer.from('ID3\x04\x00')), 'mp3'],
    ['MP3 frame', withTail(hex('fffb9064')), 'mp3'],
    ['AAC ADTS', withTail(hex('fff15080')), 'aac'],
    ['WAV', withTail(Buffer.from('RIFF\x24\x00\x00\x00WAVEfmt ', 'latin1')), 'wav'],
    ['AVI', withTail(Buffer.from('RIFF\x24\x00\x00\x00AVI LIST', 'latin1')), 'avi'],
    ['Ogg', withTail(Buffer.from('OggS\x00\x02')), 'ogg'],
    ['FLV', withTail(hex('464c5601 05000000 09')), 'flv'],
    ['MPEG-PS', withTail(hex('000001ba 44000400')), 'mpeg-ps'],
    ['MPEG video', withTail(hex('000001b3 16000f')), 'mpeg-video'],
    ['FLAC', withTail(Buffer.from('fLaC\x00\x00\x00\x22')), 'flac'],
    ['AIFF', withTail(Buffer.from('FORM\x00\x00\x00\x00AIFFCOMM', 'latin1')), 'aiff'],
    ['ASF/WMV', withTail(hex('3026b2758e66cf11a6d900aa0062ce6c')), 'asf'],
    ['MXF', withTail(hex('060e2b34 02050101 0d010201')), 'mxf'],
    ['Y4M', Buffer.from('YUV4MPEG2 W320 H240 F30:1 Ip A1:1\nFRAME\n'), 'y4m'],
    ['AMR', Buffer.from('#!AMR\n<binary>'), 'amr'],
    ['a short MP4', hex('00000020 66747970 69736f6d'), 'mp4'],
    ['other binary', withTail(hex('00000001 67640028')), 'unknown'],
    ['a RIFF of another kind', withTail(Buffer.from('RIFF\x24\x00\x00\x00CDXAfmt ', 'latin1')), 'unknown'],
  ])('recognises %s', (_name, head, format) => {
    expect(sniffMedia(head)).toEqual({ media: true, format });
  });

  it.each<[string, Buffer | string, string]>([
    ['an HTML page', '<!DOCTYPE html>\n<html><head><title>Sign in</title>', 'HTML'],
    ['HTML with a BOM and blank lines', '\ufeff\n\n  <html lang="en">', 'HTML'],
    ['HTML without a doctype', '<!-- page -->\n<head>\n<meta charset="utf-8">', 'HTML'],
    ['HTML with a stray control byte', '<!doctype html>\x00', 'HTML'],
    [
      'an S3 error',
      '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code></Error>',
      'XML',
    ],
    ['a JSON error', '{"error":"not found"}', 'JSON'],
    ['a JSON list', '  [1, 2, 3]', 'JSON'],
    ['plain text', 'Not Found\n', 'text'],
    ['UTF-8 text', 'Vidéo introuvable — réessayez', 'text'],
    ['UTF-16 text', Buffer.from('\ufeffhello', 'utf16le'), 'text'],
    ['UTF-16BE text', Buffer.from('\ufeffhello', 'utf16le').swap16(), 'text'],
    ['an HLS playlist', '#EXTM3U\n#EXT-X-VERSION:3\n', 'an HLS playlist'],
    ['a JPEG', hex('ffd8ffe000104a464946'), 'an image (JPEG)'],
    ['a PNG', hex('89504e470d0a1a0a'), 'an image (PNG)'],
    ['a GIF', 'GIF89a\x01\x00', 'an image (GIF)'],
    ['a WebP', Buffer.from('RIFF\x24\x00\x00\x00WEBPVP8 ', 'latin1'), 'an image (WebP)'],
    ['a PDF', '%PDF-1.7\n%\xe2\xe3', 'a PDF document'],
    ['a ZIP', hex('504b0304140000000800'), 'a ZIP archive'],
    ['gzip', hex('1f8b0800000000000003'), 'a gzip-compressed file'],
  ])('refuses %s', (_name, head, looksLike) => {
    const result = sniffMedia(typeof head === 'string' ? Buffer.from(head) : head);
    expect(result).toEqual({ media: false, looksLike, message: `not a media file: looks like ${looksLike}` });
  });

  it('refuses an empty file', () => {
    expect(sniffMedia(Buffer.alloc(0))).toEqual({
      media: false,
      looksLike: 'nothing',
      message: 'not a media file: the file is empty',
    });
  });

  it('does not take text starting with G for MPEG-TS', () => {
    expect(sniffMedia(Buffer.from('Gateway Timeout'))).toMatchObject({ media: false, looksLike: 'text' });
    expect(sniffMedia(Buffer.from(`G${'x'.repeat(300)}`))).toMatchObject({ media: false, looksLike: 'text' });
  });

  it('takes no notice of a frame sync with impossible fields', () => {
    expect(sniffMedia(withTail(hex('ffe9f0')))).toEqual({ media: true, format: 'unknown' });
  });
});
