import type { HTMLAttributes } from 'preact';

/** <kino-player> (packages/player) in JSX. */
declare module 'preact' {
  namespace JSX {
    interface IntrinsicElements {
      'kino-player': HTMLAttributes<HTMLElement> & {
        src?: string;
        poster?: string;
        storyboard?: string;
        label?: string;
        'media-id'?: string;
        token?: string;
      };
    }
  }
}
