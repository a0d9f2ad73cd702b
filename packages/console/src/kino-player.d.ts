import type { HTMLAttributes as ElementAttributes } from 'preact';

/** <kino-player> (packages/player) in JSX. */
declare module 'preact' {
  namespace JSX {
    interface IntrinsicElements {
      'kino-player': ElementAttributes<HTMLElement> & {
        src?: string;
        poster?: string;
        storyboard?: string;
        label?: string;
        'media-id'?: string;
        'live-stream-id'?: string;
        token?: string;
      };
    }
  }
}
