import { useEffect, useState } from 'preact/hooks';
import { post } from '../api/client.ts';
import type { Media, Playback, PlaybackToken } from '../api/types.ts';
import { seekPlayer, type PlayerRef } from '../lib/player-control.ts';
import { useAction } from '../lib/use-resource.ts';
import { ErrorNote } from './error-note.tsx';

/** Tokens for the console's own playback of private media live this long. */
const TOKEN_SECONDS = 4 * 3600;

/**
 * The playback URLs the console plays a media from: its own for public media, a fresh token's for
 * private ones (the session cookie does not open /play).
 */
function usePlayback(media: Media): {
  playback: Playback | null;
  error: ReturnType<typeof useAction>['error'];
} {
  const [token, setToken] = useState<PlaybackToken | null>(null);
  const action = useAction();
  const needsToken = media.playable && media.visibility === 'private';
  useEffect(() => {
    if (!needsToken) return;
    void action
      .run(() =>
        post<PlaybackToken>(`/v1/media/${media.id}/playback-tokens`, { expiresInSeconds: TOKEN_SECONDS }),
      )
      .then((t) => {
        if (t) setToken(t);
      });
  }, [media.id, needsToken]);
  if (!media.playable) return { playback: null, error: null };
  return { playback: needsToken ? (token?.playback ?? null) : media.playback, error: action.error };
}

/** Loads the player module once (hls.js and media-chrome come with it, on this page only). */
let playerModule: Promise<unknown> | null = null;
const loadPlayer = () => (playerModule ??= import('@kino/player'));

/**
 * <kino-player> for a media. Its URLs are taken once, when the media first plays: changing them
 * would restart playback. A poster and storyboard that arrive later (when processing finishes) are
 * added while the video has not started. `playerRef` gets the element (to seek, to reload);
 * `startAt` is where it starts, in seconds (a search hit linked from the library).
 */
export function MediaPlayer(props: { media: Media; playerRef?: PlayerRef; startAt?: number | null }) {
  const { playback, error } = usePlayback(props.media);
  const [shown, setShown] = useState<Playback | null>(null);
  const [element, setElement] = useState<HTMLElement | null>(null);
  useEffect(() => {
    void loadPlayer();
  }, []);
  useEffect(() => {
    if (props.playerRef) props.playerRef.current = element;
    const startAt = props.startAt ?? null;
    if (element && startAt !== null) void seekPlayer({ current: element }, startAt);
  }, [element, props.startAt]);
  useEffect(() => {
    if (!playback) return;
    const video = element?.querySelector('video');
    const untouched = !video || (video.paused && video.currentTime === 0);
    const better = !shown || (shown.hls !== playback.hls ? false : !shown.poster && Boolean(playback.poster));
    if (!shown || (better && untouched)) setShown(playback);
  }, [playback?.hls, playback?.poster]);
  if (error) return <ErrorNote error={error} prefix="The player could not get a playback token" />;
  if (!shown) return null;
  return (
    <kino-player
      ref={setElement}
      class="player"
      src={shown.hls}
      poster={shown.poster ?? undefined}
      storyboard={shown.storyboard ?? undefined}
      label={props.media.title}
    />
  );
}
