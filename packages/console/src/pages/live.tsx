import { useState } from 'preact/hooks';
import { Link, useLocation } from 'wouter-preact';
import { get, post } from '../api/client.ts';
import { useSession } from '../api/session.tsx';
import { ErrorNote } from '../components/error-note.tsx';
import { LiveBadge } from '../components/live-badge.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { LIVE_POLL_MS, rememberStreamKey, type LiveStream } from '../lib/live-streams.ts';
import { can } from '../lib/roles.ts';
import { useAction, useResource } from '../lib/use-resource.ts';

function CreateLiveStream() {
  const [, navigate] = useLocation();
  const [title, setTitle] = useState('');
  const [visibility, setVisibility] = useState<'public' | 'private'>('public');
  const [latency, setLatency] = useState<'standard' | 'low'>('standard');
  const [reconnect, setReconnect] = useState('60');
  const action = useAction();
  const create = async (event: Event) => {
    event.preventDefault();
    const made = await action.run(() =>
      post<LiveStream>('/v1/live-streams', {
        ...(title.trim() ? { title: title.trim() } : {}),
        visibility,
        latency,
        reconnectWindowSeconds: Number(reconnect),
      }),
    );
    if (made) {
      rememberStreamKey(made.id, made.streamKey);
      navigate(`/live/${made.id}`);
    }
  };
  return (
    <section class="panel" aria-labelledby="new-live">
      <h2 id="new-live">New live stream</h2>
      <form class="form" onSubmit={(e) => void create(e)}>
        <label for="live-title">Title</label>
        <input
          id="live-title"
          value={title}
          maxLength={200}
          placeholder="Weekly all-hands"
          onInput={(e) => {
            setTitle(e.currentTarget.value);
          }}
        />
        <label for="live-visibility">Visibility</label>
        <select
          id="live-visibility"
          value={visibility}
          onChange={(e) => {
            setVisibility(e.currentTarget.value as 'public' | 'private');
          }}
        >
          <option value="public">Public</option>
          <option value="private">Private (plays only with a token)</option>
        </select>
        <label for="live-latency">Latency</label>
        <select
          id="live-latency"
          value={latency}
          onChange={(e) => {
            setLatency(e.currentTarget.value as 'standard' | 'low');
          }}
        >
          <option value="standard">Standard (steadiest)</option>
          <option value="low">Low (a few seconds behind)</option>
        </select>
        <label for="live-reconnect">Reconnect window (seconds)</label>
        <input
          id="live-reconnect"
          type="number"
          min={0}
          max={1800}
          required
          value={reconnect}
          aria-describedby="live-reconnect-hint"
          onInput={(e) => {
            setReconnect(e.currentTarget.value);
          }}
        />
        <p id="live-reconnect-hint" class="hint">
          An encoder that comes back within this time continues the same broadcast.
        </p>
        <ErrorNote error={action.error} />
        <div class="form-actions">
          <button type="submit" class="btn btn-primary" disabled={action.busy}>
            Create live stream
          </button>
        </div>
      </form>
    </section>
  );
}

/** Live streams: the list (statuses follow by themselves) and a form to make one. */
export function LivePage() {
  const { user } = useSession();
  const streams = useResource(
    () => get<{ items: LiveStream[] }>('/v1/live-streams'),
    'live-streams',
    () => LIVE_POLL_MS,
  );
  return (
    <>
      <PageHeader title="Live" />
      <section class="panel" aria-labelledby="live-list">
        <h2 id="live-list">Live streams</h2>
        <ErrorNote error={streams.error} />
        {streams.data?.items.length === 0 ? <p class="muted">No live streams yet.</p> : null}
        <ul class="list">
          {streams.data?.items.map((stream) => (
            <li key={stream.id} class="list-item">
              <div class="list-row">
                <div class="list-main">
                  <Link href={`/live/${stream.id}`}>{stream.title || 'Untitled live stream'}</Link>
                  <span class="muted">
                    {stream.visibility === 'private' ? 'Private' : 'Public'} ·{' '}
                    {stream.latency === 'low' ? 'low latency' : 'standard latency'}
                  </span>
                </div>
                <div class="list-actions">
                  <LiveBadge status={stream.status} />
                </div>
              </div>
            </li>
          ))}
        </ul>
      </section>
      {can(user.role, 'media:write') ? <CreateLiveStream /> : null}
    </>
  );
}
