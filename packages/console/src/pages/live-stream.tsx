import { useEffect, useState } from 'preact/hooks';
import { Link, useLocation } from 'wouter-preact';
import { del, get, post } from '../api/client.ts';
import { useSession } from '../api/session.tsx';
import type { Media } from '../api/types.ts';
import { ConfirmButton } from '../components/confirm-button.tsx';
import { CopyField } from '../components/copy-field.tsx';
import { ErrorNote } from '../components/error-note.tsx';
import { LiveBadge } from '../components/live-badge.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { LIVE_POLL_MS, secondsUntil, takeStreamKey, type LiveStream } from '../lib/live-streams.ts';
import { can } from '../lib/roles.ts';
import { useAction, useResource } from '../lib/use-resource.ts';

/** Tokens for the console's own playback of private streams live this long. */
const TOKEN_SECONDS = 4 * 3600;

let playerModule: Promise<unknown> | null = null;
const loadPlayer = () => (playerModule ??= import('@kino/player'));

/**
 * <kino-player> following the stream: "Offline" until a broadcast starts, then playing it with
 * its live badge; private streams get a token first (the session cookie does not open /play).
 */
function LivePlayer(props: { stream: LiveStream }) {
  const { id, visibility } = props.stream;
  const [token, setToken] = useState<string | null>(null);
  const action = useAction();
  useEffect(() => {
    void loadPlayer();
    if (visibility !== 'private') return;
    void action
      .run(() =>
        post<{ token: string }>(`/v1/live-streams/${id}/playback-tokens`, {
          expiresInSeconds: TOKEN_SECONDS,
        }),
      )
      .then((t) => {
        if (t) setToken(t.token);
      });
  }, [id, visibility]);
  if (action.error)
    return <ErrorNote error={action.error} prefix="The player could not get a playback token" />;
  if (visibility === 'private' && !token) return null;
  return (
    <kino-player class="player" live-stream-id={id} token={token ?? undefined} label={props.stream.title} />
  );
}

/** The broadcasts of the stream, newest first: each is a media, its recording. */
function Broadcasts(props: { ids: string[] }) {
  const key = props.ids.join(',');
  const media = useResource(
    () => Promise.all(props.ids.map((id) => get<Media>(`/v1/media/${id}`).catch(() => null))),
    `broadcasts:${key}`,
  );
  if (props.ids.length === 0) return <p class="muted">No broadcasts yet.</p>;
  return (
    <ul class="list">
      {props.ids.map((id, i) => {
        const item = media.data?.[i] ?? null;
        return (
          <li key={id} class="list-item">
            <div class="list-row">
              <div class="list-main">
                <Link href={`/media/${id}`}>{item?.title || `Broadcast ${id}`}</Link>
                <span class="muted">{item ? new Date(item.createdAt).toLocaleString() : ''}</span>
              </div>
              <div class="list-actions">
                {item?.live?.status === 'active' ? (
                  <span class="badge badge-live-active">On air</span>
                ) : item ? (
                  <StatusBadge status={item.status} playable={item.playable} />
                ) : null}
              </div>
            </div>
          </li>
        );
      })}
    </ul>
  );
}

function StreamKeyOnce(props: { streamKey: string }) {
  return (
    <div class="once" role="status">
      <CopyField
        label="Stream key"
        value={props.streamKey}
        hint="Copy it now: Kino shows the stream key only this once. If it is lost, reset it."
      />
    </div>
  );
}

/** One live stream: the settings for OBS, its state (following by itself), the player, the broadcasts. */
export function LiveStreamPage(props: { id: string }) {
  const { user } = useSession();
  const [, navigate] = useLocation();
  const [streamKey, setStreamKey] = useState<string | null>(() => takeStreamKey(props.id));
  const [, tick] = useState(0);
  const stream = useResource(
    () => get<LiveStream>(`/v1/live-streams/${props.id}`),
    `live-stream:${props.id}`,
    () => LIVE_POLL_MS,
  );
  const action = useAction();
  const s = stream.data;
  // The reconnect countdown moves every second, between the polls.
  useEffect(() => {
    if (s?.status !== 'reconnecting') return;
    const timer = setInterval(() => {
      tick((n) => n + 1);
    }, 1000);
    return () => {
      clearInterval(timer);
    };
  }, [s?.status]);
  const editable = can(user.role, 'media:write');
  const act = async (path: string) => {
    const next = await action.run(() => post<LiveStream>(`/v1/live-streams/${props.id}/${path}`));
    if (next) {
      stream.setData(next);
      if (next.streamKey) setStreamKey(next.streamKey);
    }
  };
  const remove = async () => {
    const done = await action.run(async () => {
      await del(`/v1/live-streams/${props.id}`);
      return true;
    });
    if (done) navigate('/live');
  };

  if (!s) {
    return (
      <>
        <PageHeader title="Live stream" />
        <ErrorNote error={stream.error} />
      </>
    );
  }
  const broadcasting = s.status === 'active' || s.status === 'reconnecting';
  const left = secondsUntil(s.reconnectDeadline);
  return (
    <>
      <PageHeader title={s.title || 'Untitled live stream'} subtitle={<LiveBadge status={s.status} />}>
        <Link href="/live" class="btn">
          All live streams
        </Link>
      </PageHeader>
      <ErrorNote error={action.error} />
      {streamKey ? <StreamKeyOnce streamKey={streamKey} /> : null}
      <div class="live-grid">
        <section class="panel" aria-labelledby="live-player">
          <h2 id="live-player">Player</h2>
          {s.status === 'disabled' ? (
            <p class="muted">This stream is disabled: encoders are refused.</p>
          ) : (
            <LivePlayer stream={s} />
          )}
          <div role="status" aria-live="polite" class="live-state">
            {s.status === 'reconnecting' ? (
              <p class="note note-warn">
                The encoder dropped. The broadcast ends {left === null ? 'soon' : `in ${left} s`} unless it
                reconnects.
              </p>
            ) : null}
            {s.error ? <p class="note note-error">Last encoder refused: {s.error.message}</p> : null}
          </div>
          {editable ? (
            <div class="form-actions">
              {broadcasting ? (
                <ConfirmButton
                  label="End broadcast"
                  question="End the broadcast now? The encoder is disconnected and the recording is kept."
                  confirmLabel="End broadcast"
                  onConfirm={() => void act('complete')}
                />
              ) : null}
              {s.status === 'disabled' ? (
                <button type="button" class="btn" onClick={() => void act('enable')}>
                  Enable
                </button>
              ) : (
                <ConfirmButton
                  label="Disable"
                  question="Disable this stream? Encoders are refused until it is enabled again."
                  confirmLabel="Disable"
                  onConfirm={() => void act('disable')}
                />
              )}
              <ConfirmButton
                label="Delete"
                question="Delete this live stream? Its recordings stay in the library."
                confirmLabel="Delete"
                danger
                class="btn btn-danger"
                onConfirm={() => void remove()}
              />
            </div>
          ) : null}
        </section>
        <section class="panel" aria-labelledby="live-obs">
          <h2 id="live-obs">Encoder settings (OBS)</h2>
          <p class="hint">In OBS: Settings → Stream → Service "Custom…", then these two values.</p>
          {s.ingest.rtmpServer ? (
            <CopyField label="Server" value={s.ingest.rtmpServer} />
          ) : (
            <p class="note note-warn">This Kino takes no RTMP encoders (its RTMP port is off).</p>
          )}
          <p class="field-label">Stream key</p>
          <p class="muted">
            {streamKey
              ? 'Shown above.'
              : 'Hidden: Kino shows it only when the stream is made or its key reset.'}
          </p>
          {editable ? (
            <ConfirmButton
              label="Reset stream key"
              question="Reset the stream key? A running encoder is disconnected and needs the new key."
              confirmLabel="Reset stream key"
              onConfirm={() => void act('reset-stream-key')}
            />
          ) : null}
          <dl class="facts">
            <dt>Latency</dt>
            <dd>{s.latency === 'low' ? 'Low' : 'Standard'}</dd>
            <dt>Reconnect window</dt>
            <dd>{s.reconnectWindowSeconds} s</dd>
            <dt>Visibility</dt>
            <dd>{s.visibility === 'private' ? 'Private' : 'Public'}</dd>
          </dl>
          <CopyField label="Live HLS URL" value={s.playback.hls} />
          <CopyField label="Embed page" value={s.playback.embed} />
        </section>
      </div>
      <section class="panel" aria-labelledby="live-broadcasts">
        <h2 id="live-broadcasts">Broadcasts</h2>
        <Broadcasts ids={s.recentMediaIds} />
      </section>
    </>
  );
}
