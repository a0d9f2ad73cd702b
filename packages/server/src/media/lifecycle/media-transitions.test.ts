import { describe, expect, it } from 'vitest';
import type { MediaStatus } from '../../db/schema.ts';
import {
  nextStatus,
  TransitionRefusedError,
  type MediaState,
  type MediaTransition,
} from './media-transitions.ts';

const STATUSES: MediaStatus[] = ['waiting', 'processing', 'ready', 'errored'];
const TRANSITIONS: MediaTransition[] = [
  'source-stored',
  'import-restarted',
  'version-published',
  'version-completed',
  'attempt-failed',
  'stuck-reconciled',
  'reprocess-started',
  'recording-completed',
  'recording-failed',
  'deleted',
];

/**
 * Every allowed move as [from status, has source, fully published, transition, to]. Any
 * combination not listed here must be refused.
 */
const ALLOWED: [MediaStatus, boolean, boolean, MediaTransition, MediaStatus | 'deleted'][] = [
  ['waiting', false, false, 'source-stored', 'processing'],
  // An import stores its download into a media born processing.
  ['processing', false, false, 'source-stored', 'processing'],
  ['errored', false, false, 'import-restarted', 'processing'],
  ['processing', true, false, 'version-published', 'processing'],
  ['processing', true, true, 'version-published', 'processing'],
  ['errored', true, false, 'version-published', 'processing'],
  ['errored', true, true, 'version-published', 'processing'],
  ['processing', true, false, 'version-completed', 'ready'],
  ['processing', true, true, 'version-completed', 'ready'],
  ['errored', true, false, 'version-completed', 'ready'],
  ['errored', true, true, 'version-completed', 'ready'],
  ['processing', false, false, 'attempt-failed', 'errored'],
  ['processing', true, false, 'attempt-failed', 'errored'],
  ['processing', true, true, 'attempt-failed', 'ready'],
  ['processing', false, false, 'stuck-reconciled', 'errored'],
  ['processing', true, false, 'stuck-reconciled', 'errored'],
  ['processing', true, true, 'stuck-reconciled', 'ready'],
  ['processing', true, false, 'reprocess-started', 'processing'],
  ['processing', true, true, 'reprocess-started', 'processing'],
  ['ready', true, false, 'reprocess-started', 'processing'],
  ['ready', true, true, 'reprocess-started', 'processing'],
  ['errored', true, false, 'reprocess-started', 'processing'],
  ['errored', true, true, 'reprocess-started', 'processing'],
  ['waiting', false, false, 'recording-completed', 'waiting'],
  ['waiting', false, false, 'recording-failed', 'errored'],
];

const key = (s: MediaState, t: MediaTransition) => `${s.status}/${s.hasSource}/${s.fullyPublished}/${t}`;
const allowed = new Map(
  ALLOWED.map(([status, hasSource, fullyPublished, t, to]) => [
    key({ status, hasSource, fullyPublished }, t),
    to,
  ]),
);

const states: MediaState[] = STATUSES.flatMap((status) =>
  [false, true].flatMap((hasSource) =>
    // A complete version needs a source.
    (hasSource ? [false, true] : [false]).map((fullyPublished) => ({ status, hasSource, fullyPublished })),
  ),
);
const cases = states.flatMap((state) =>
  TRANSITIONS.filter((t) => t !== 'deleted').map((t) => ({
    state,
    transition: t,
    to: allowed.get(key(state, t)),
  })),
);

describe('media transitions', () => {
  it.each(cases.filter((c) => c.to !== undefined))(
    'allows $state.status (source $state.hasSource, complete $state.fullyPublished) --$transition--> $to',
    ({ state, transition, to }) => {
      expect(nextStatus(state, transition)).toBe(to);
    },
  );

  it.each(cases.filter((c) => c.to === undefined))(
    'refuses $transition from $state.status (source $state.hasSource, complete $state.fullyPublished)',
    ({ state, transition }) => {
      expect(() => nextStatus(state, transition)).toThrow(TransitionRefusedError);
    },
  );

  it.each(states)('deletes a $status media at any stage', (state) => {
    expect(nextStatus(state, 'deleted')).toBe('deleted');
  });

  it('lists only transitions that exist', () => {
    for (const [, , , t] of ALLOWED) expect(TRANSITIONS).toContain(t);
    expect(cases.filter((c) => c.to !== undefined)).toHaveLength(ALLOWED.length);
  });
});
