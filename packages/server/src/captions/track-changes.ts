/**
 * Counts the changes to caption tracks made by this process, so that /play's short-lived memo of a
 * media's tracks (caption-playback.ts) never serves a list older than a change made here; other
 * processes see a change once that memo expires (0.1 s).
 */
let generation = 0;

export const trackChanges = {
  record(): void {
    generation += 1;
  },
  current(): number {
    return generation;
  },
};
