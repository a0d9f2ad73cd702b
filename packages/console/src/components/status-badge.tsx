const LABELS: Record<string, string> = {
  waiting: 'Waiting',
  processing: 'Processing',
  ready: 'Ready',
  errored: 'Error',
  available: 'Waiting',
  running: 'Running',
  retrying: 'Retrying',
  succeeded: 'Succeeded',
  dead: 'Failed',
  cancelled: 'Cancelled',
  pending: 'Pending',
  delivered: 'Delivered',
};

/** A media's, job's or delivery's state (MediaStatus, JobState, delivery state) as a coloured label (with its word, never colour alone). */
export function StatusBadge(props: { status: string; playable?: boolean }) {
  const label = LABELS[props.status] ?? props.status;
  const playableNow = props.status === 'processing' && props.playable;
  return (
    <span class={`badge badge-${props.status}`}>
      {label}
      {playableNow ? ' · playable' : ''}
    </span>
  );
}
