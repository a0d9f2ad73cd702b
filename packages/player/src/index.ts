// Order matters: media-tracks gives <video> its renditions API before hls-source uses it.
import 'media-tracks/polyfill';
import 'media-chrome';
import 'media-chrome/menu';
import { KinoPlayer } from './kino-player.ts';

export { KinoPlayer };
export type { EmbedPlayback, EmbedState, EmbedStatus } from './embed-status.ts';

if (!customElements.get('kino-player')) customElements.define('kino-player', KinoPlayer);
