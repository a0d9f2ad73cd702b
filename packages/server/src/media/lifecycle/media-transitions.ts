import type { MediaStatus } from '../../db/schema.ts';

/**
 * Every way a media's state may change. The lifecycle (media-lifecycle.ts) performs them; this
 * table only decides, so every allowed and refused move is testable without a database.
 */
export type MediaTransition =
  /** The original is complete in storage (an upload's last byte, a form upload, an import). */
  | 'source-stored'
  /** An import that failed is retried by hand: the media is importing again. */
  | 'import-restarted'
  /** A first or intermediate version became what players get. */
  | 'version-published'
  /** The complete version became what players get: the media is ready. */
  | 'version-completed'
  /** Processing or an import failed for good (a refusal, or the last attempt). */
  | 'attempt-failed'
  /** Left processing with no job to finish it (its worker died on the last attempt, a cancel). */
  | 'stuck-reconciled'
  /** The original is processed again; the published version keeps playing meanwhile. */
  | 'reprocess-started'
  /** A recording's client finished it (or it was abandoned): it waits for its parts to be joined. */
  | 'recording-completed'
  /** A recording's parts could not be joined (none arrived, none readable): no source will come. */
  | 'recording-failed'
  /** A broadcast's publisher is gone for good: it plays as VOD from its live segments, and its
   *  recording is assembled into an original (then 'source-stored'). */
  | 'broadcast-ended'
  | 'deleted';

/** What a transition depends on besides the status. */
export interface MediaState {
  status: MediaStatus;
  /** The original is stored (source_key set). */
  hasSource: boolean;
  /** A complete version is published (the full index), so a failure keeps it playing. */
  fullyPublished: boolean;
}

export class TransitionRefusedError extends Error {
  constructor(
    readonly from: MediaStatus,
    readonly transition: MediaTransition,
  ) {
    super(`a ${from} media cannot take the transition ${transition}`);
  }
}

/** The status a transition leads to, or 'deleted'; throws TransitionRefusedError when it is not allowed. */
export function nextStatus(state: MediaState, transition: MediaTransition): MediaStatus | 'deleted' {
  const { status, hasSource, fullyPublished } = state;
  const refuse = () => {
    throw new TransitionRefusedError(status, transition);
  };
  switch (transition) {
    case 'source-stored':
      // A waiting media gets its upload; an importing one (processing, no source) its download.
      if ((status === 'waiting' || status === 'processing') && !hasSource) return 'processing';
      return refuse();
    case 'import-restarted':
      return status === 'errored' && !hasSource ? 'processing' : refuse();
    case 'version-published':
      // An errored media whose processing job was retried by hand recovers with it.
      return hasSource && (status === 'processing' || status === 'errored') ? 'processing' : refuse();
    case 'version-completed':
      return hasSource && (status === 'processing' || status === 'errored') ? 'ready' : refuse();
    case 'attempt-failed':
    case 'stuck-reconciled':
      if (status !== 'processing') return refuse();
      // A reprocess that failed: the complete version keeps playing and the media stays ready.
      return fullyPublished ? 'ready' : 'errored';
    case 'reprocess-started':
      return hasSource && status !== 'waiting' ? 'processing' : refuse();
    case 'recording-completed':
      return status === 'waiting' && !hasSource ? 'waiting' : refuse();
    case 'recording-failed':
      return status === 'waiting' && !hasSource ? 'errored' : refuse();
    case 'broadcast-ended':
      return status === 'processing' && !hasSource ? 'processing' : refuse();
    case 'deleted':
      return 'deleted';
  }
}
