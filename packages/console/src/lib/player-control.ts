import type { KinoPlayer } from '@kino/player';

/** The media page's <kino-player>, once it is on the page. */
export interface PlayerRef {
  current: HTMLElement | null;
}

/** The element as a KinoPlayer, once the player module (loaded on demand) has defined it. */
async function upgraded(ref: PlayerRef): Promise<KinoPlayer | null> {
  if (!ref.current) return null;
  await customElements.whenDefined('kino-player');
  return ref.current as KinoPlayer | null;
}

/** Jumps the player to a moment (a search hit) and brings it into view. */
export async function seekPlayer(ref: PlayerRef, seconds: number): Promise<void> {
  const player = await upgraded(ref);
  if (!player) return;
  player.seek(seconds);
  player.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
}

/** Loads the player's playlists again, so changed caption tracks show. */
export async function reloadPlayer(ref: PlayerRef): Promise<void> {
  await (await upgraded(ref))?.reload();
}
