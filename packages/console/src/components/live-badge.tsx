import { liveStatusLabel, type LiveStatus } from '../lib/live-streams.ts';

/** A live stream's status as a coloured label, with its word. */
export function LiveBadge(props: { status: LiveStatus }) {
  return <span class={`badge badge-live-${props.status}`}>{liveStatusLabel(props.status)}</span>;
}
