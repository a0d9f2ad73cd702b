import { useRef } from 'preact/hooks';
import { Link, useLocation, useSearch } from 'wouter-preact';
import { del, get, post } from '../api/client.ts';
import { useSession } from '../api/session.tsx';
import type { Media, MediaProgress } from '../api/types.ts';
import { ConfirmButton } from '../components/confirm-button.tsx';
import { ErrorNote } from '../components/error-note.tsx';
import { MediaCaptions } from '../components/media-captions.tsx';
import { MediaEditForm } from '../components/media-edit-form.tsx';
import { MediaPlayer } from '../components/media-player.tsx';
import { MediaShare } from '../components/media-share.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { RenditionsTable } from '../components/renditions-table.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { TranscriptSearch } from '../components/transcript-search.tsx';
import { formatAge, formatDuration, formatSize } from '../lib/format.ts';
import { reloadPlayer, seekPlayer, type PlayerRef } from '../lib/player-control.ts';
import { can } from '../lib/roles.ts';
import { useAction, useResource } from '../lib/use-resource.ts';

const settling = (status: Media['status'] | undefined) => status === 'processing' || status === 'waiting';

/**
 * The one progress display of a media: "Processing… 42%" with a bar, of the whole way to ready.
 * Before the media plays it stands where the player will be; once it plays, it is a slim line
 * under the player (the player is the big thing then).
 */
function ProcessingBox(props: { media: Media; compact: boolean }) {
  const path = `/v1/media/${props.media.id}/progress`;
  const progress = useResource(
    () => get<MediaProgress>(path),
    path,
    (p) => (settling(p?.status) ? 2000 : null),
  );
  const percent = progress.data?.percent ?? null;
  const waiting = props.media.status === 'waiting';
  const label = props.compact ? 'Preparing the other qualities…' : 'Processing…';
  return (
    <div class={`processing ${props.compact ? 'processing-compact' : ''}`} role="status" aria-live="polite">
      <p class="processing-title">
        {waiting ? (
          <>
            The upload did not finish: Kino has no file for this video yet.{' '}
            <Link href={`/upload?resume=${props.media.id}`}>Resume the upload</Link> with the same file.
          </>
        ) : (
          <>
            {label}{' '}
            <span class="processing-percent">{percent === null ? '' : `${Math.floor(percent)}%`}</span>
          </>
        )}
      </p>
      {!waiting ? (
        <div
          class="progress"
          role="progressbar"
          aria-label="Processing progress"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={percent ?? undefined}
        >
          <div
            class={`progress-fill ${percent === null ? 'progress-unknown' : ''}`}
            ref={(el) => el?.style.setProperty('width', `${percent ?? 30}%`)}
          />
        </div>
      ) : null}
      {progress.data?.message && !props.compact ? <p class="muted">{progress.data.message}</p> : null}
    </div>
  );
}

/** Where the original is stored (KINO_COLD_AFTER_DAYS moves old ones to cold storage). */
const ORIGINAL_TIERS: Record<NonNullable<Media['original']>['tier'], string> = {
  hot: 'In storage',
  cooling: 'Moving to cold storage',
  cold: 'In cold storage',
  restoring: 'Restoring from cold storage',
};

/** `?t=83` (a search hit linked from the library): where the player starts, in seconds. */
function startAtOf(search: string): number | null {
  const t = Number(new URLSearchParams(search).get('t') ?? NaN);
  return Number.isFinite(t) && t >= 0 ? t : null;
}

/**
 * One media: live status, the player, search in its captions, caption tracks, details,
 * renditions, editing, sharing.
 */
export function MediaPage(props: { id: string }) {
  const { user } = useSession();
  const canWrite = can(user.role, 'media:write');
  const path = `/v1/media/${props.id}`;
  const media = useResource(
    () => get<Media>(path),
    path,
    // A restore from an archive takes minutes to hours: checked far less often than processing.
    (m) => (settling(m?.status) ? 2000 : m?.original?.tier === 'restoring' ? 30_000 : null),
  );
  const action = useAction();
  const [, navigate] = useLocation();
  const startAt = startAtOf(useSearch());
  const player: PlayerRef = useRef<HTMLElement | null>(null);

  if (media.error && !media.data) {
    return (
      <>
        <PageHeader title="Media" />
        <ErrorNote error={media.error} />
      </>
    );
  }
  const m = media.data;
  if (!m) return <p class="muted">Loading…</p>;

  const reprocess = async () => {
    const updated = await action.run(() => post<Media>(`${path}/reprocess`));
    if (updated) media.setData(updated);
    media.reload();
  };
  const remove = async () => {
    const done = await action.run(async () => {
      await del(path);
      return true;
    });
    if (done) navigate('/library');
  };

  return (
    <>
      <PageHeader
        title={m.title || 'Untitled'}
        subtitle={
          <>
            <StatusBadge status={m.status} playable={m.playable} />{' '}
            <span class="tag">{m.visibility === 'private' ? 'Private' : 'Public'}</span>
          </>
        }
      >
        <Link class="btn" href={`/analytics?media=${encodeURIComponent(m.id)}`}>
          Analytics
        </Link>
        {canWrite ? (
          <>
            <ConfirmButton
              label="Reprocess"
              question={
                m.original && m.original.tier !== 'hot'
                  ? 'The original is in cold storage: it is restored first (minutes to hours, by the storage class), then processed again. The current version keeps playing meanwhile.'
                  : 'Process the original again? The current version keeps playing until the new one is ready.'
              }
              confirmLabel="Reprocess"
              disabled={action.busy || m.status === 'waiting'}
              onConfirm={() => void reprocess()}
            />
            <ConfirmButton
              label="Delete"
              question={`Delete “${m.title || m.id}” and all its files? This cannot be undone.`}
              confirmLabel="Delete"
              danger
              disabled={action.busy}
              onConfirm={() => void remove()}
            />
          </>
        ) : null}
      </PageHeader>
      <ErrorNote error={action.error} />
      <div class="media-layout">
        <div class="media-main">
          {m.playable ? <MediaPlayer media={m} playerRef={player} startAt={startAt} /> : null}
          {settling(m.status) ? <ProcessingBox media={m} compact={m.playable} /> : null}
          {m.original?.tier === 'restoring' ? (
            <div class="note" role="status">
              <strong>Restoring the original from cold storage.</strong> Processing starts again once it is
              back; the current version keeps playing.
            </div>
          ) : null}
          {m.error ? (
            <div class="note note-error" role="alert">
              <strong>
                {m.status === 'errored'
                  ? 'This video could not be processed.'
                  : 'The last processing failed.'}
              </strong>{' '}
              {m.error.message} <code>{m.error.code}</code>
            </div>
          ) : null}
          {m.playable ? (
            <section class="panel panel-search">
              <TranscriptSearch
                mediaId={m.id}
                onSeek={(seconds) => {
                  void seekPlayer(player, seconds);
                }}
              />
            </section>
          ) : null}
          {m.description ? <p class="description">{m.description}</p> : null}
          {m.tags.length > 0 ? (
            <p class="tags">
              {m.tags.map((t) => (
                <span key={t} class="tag">
                  {t}
                </span>
              ))}
            </p>
          ) : null}
          <section class="panel" aria-labelledby="captions-heading">
            <h2 id="captions-heading">Captions</h2>
            <MediaCaptions
              mediaId={m.id}
              canWrite={canWrite}
              onChanged={() => {
                void reloadPlayer(player);
              }}
            />
          </section>
          {canWrite ? (
            <section class="panel" aria-labelledby="edit-heading">
              <h2 id="edit-heading">Details</h2>
              <MediaEditForm
                key={m.updatedAt}
                media={m}
                onSaved={(updated) => {
                  media.setData(updated);
                }}
              />
            </section>
          ) : null}
        </div>
        <aside class="media-side">
          <section class="panel" aria-labelledby="share-heading">
            <h2 id="share-heading">Share</h2>
            <MediaShare media={m} />
          </section>
          <section class="panel" aria-labelledby="facts-heading">
            <h2 id="facts-heading">About</h2>
            <dl class="facts">
              <dt>Duration</dt>
              <dd>{formatDuration(m.durationSeconds)}</dd>
              <dt>Size</dt>
              <dd>{formatSize(m.width, m.height)}</dd>
              <dt>Created</dt>
              <dd>{formatAge(m.createdAt)}</dd>
              <dt>Updated</dt>
              <dd>{formatAge(m.updatedAt)}</dd>
              {m.original ? (
                <>
                  <dt>Original</dt>
                  <dd>
                    {ORIGINAL_TIERS[m.original.tier]}, {formatAge(m.original.since)}
                  </dd>
                </>
              ) : null}
              <dt>ID</dt>
              <dd>
                <code>{m.id}</code>
              </dd>
            </dl>
          </section>
          <section class="panel" aria-labelledby="renditions-heading">
            <h2 id="renditions-heading">Renditions</h2>
            <RenditionsTable renditions={m.renditions} />
          </section>
        </aside>
      </div>
    </>
  );
}
