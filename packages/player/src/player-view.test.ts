import { describe, expect, it } from 'vitest';
import type { EmbedStatus } from './embed-status.ts';
import { playbackFailureView, prefersNativeHls, viewOf } from './player-view.ts';

const status = (over: Partial<EmbedStatus>): EmbedStatus => ({
  id: 'med_1',
  title: 'Talk',
  state: 'processing',
  percent: null,
  message: null,
  playback: null,
  ...over,
});

describe('viewOf', () => {
  it('plays a playable media from its playback URLs', () => {
    const playback = { hls: '/play/med_1/master.m3u8', poster: null, storyboard: null };
    expect(viewOf(status({ state: 'playable', playback }))).toEqual({ kind: 'player', playback });
  });

  it('shows processing with a whole percentage, clamped, and the step', () => {
    expect(viewOf(status({ percent: 42.7, message: 'encoding' }))).toMatchObject({
      heading: 'Processing… 42%',
      detail: 'encoding',
      percent: 42,
    });
    expect(viewOf(status({ percent: 140 }))).toMatchObject({ heading: 'Processing… 100%', percent: 100 });
    expect(viewOf(status({}))).toMatchObject({ heading: 'Processing…', percent: null, tone: 'busy' });
  });

  it('names the private, refused, errored and missing states', () => {
    expect(viewOf(status({ state: 'private' }))).toMatchObject({ heading: 'This video is private' });
    expect(viewOf(status({ state: 'refused', message: 'this page may not play this media' }))).toMatchObject({
      heading: 'This video cannot be played here',
      detail: 'this page may not play this media',
    });
    expect(viewOf(status({ state: 'errored', message: 'no video stream' }))).toMatchObject({
      tone: 'error',
      detail: 'no video stream',
    });
    expect(viewOf(status({ state: 'not_found' }))).toMatchObject({ heading: 'This video does not exist' });
  });

  it('does not pretend to play without a playback URL', () => {
    expect(viewOf(status({ state: 'playable' }))).toMatchObject({ kind: 'message', tone: 'error' });
  });
});

describe('playbackFailureView', () => {
  it('tells a missing token (401) from a refused one (403) and other failures', () => {
    expect(playbackFailureView(401, 'x')).toMatchObject({ heading: 'This video is private' });
    expect(playbackFailureView(403, 'x')).toMatchObject({ heading: 'This video cannot be played here' });
    expect(playbackFailureView(null, 'bufferAppendError')).toMatchObject({
      heading: 'Playback failed',
      detail: 'bufferAppendError',
    });
  });
});

describe('prefersNativeHls', () => {
  const safari =
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';
  const iosChrome =
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/126.0 Mobile/15E148 Safari/604.1';
  const chrome =
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
  const androidChrome =
    'Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36';

  it('uses native HLS on Safari and iOS, and where there is no MSE', () => {
    expect(prefersNativeHls({ canPlayNative: true, mseSupported: true, userAgent: safari })).toBe(true);
    expect(prefersNativeHls({ canPlayNative: true, mseSupported: true, userAgent: iosChrome })).toBe(true);
    expect(prefersNativeHls({ canPlayNative: true, mseSupported: false, userAgent: '' })).toBe(true);
  });

  it('uses hls.js in Chrome and Android, even where they play HLS natively', () => {
    expect(prefersNativeHls({ canPlayNative: true, mseSupported: true, userAgent: chrome })).toBe(false);
    expect(prefersNativeHls({ canPlayNative: true, mseSupported: true, userAgent: androidChrome })).toBe(
      false,
    );
    expect(prefersNativeHls({ canPlayNative: false, mseSupported: true, userAgent: safari })).toBe(false);
  });
});
