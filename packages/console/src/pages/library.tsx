import { useEffect, useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { del, get, query } from '../api/client.ts';
import { useSession } from '../api/session.tsx';
import type { CaptionSearch, Media, MediaStatus, Page, SearchHit } from '../api/types.ts';
import { ConfirmButton } from '../components/confirm-button.tsx';
import { ErrorNote } from '../components/error-note.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { Pager } from '../components/pager.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { useCursorPages } from '../components/use-cursor-pages.ts';
import { momentsOf } from '../lib/captions.ts';
import { formatAge, formatDuration, formatTimestamp } from '../lib/format.ts';
import { can } from '../lib/roles.ts';
import { useAction, useResource } from '../lib/use-resource.ts';

const PAGE_SIZE = 24;
/** Most media the captions search adds (the API's limit). */
const SEARCH_LIMIT = 50;
const STATUSES: MediaStatus[] = ['ready', 'processing', 'waiting', 'errored'];

/** Media still changing: the page asks again until they settle. */
const changing = (page: Page<Media> | undefined) =>
  page?.items.some((m) => m.status === 'processing' || m.status === 'waiting') ? 3000 : null;

const LockIcon = () => (
  <svg viewBox="0 0 24 24" width="30" height="30" fill="currentColor">
    <path d="M17 9h-1V7a4 4 0 0 0-8 0v2H7a2 2 0 0 0-2 2v8a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2v-8a2 2 0 0 0-2-2Zm-7-2a2 2 0 0 1 4 0v2h-4V7Z" />
  </svg>
);
const PlayIcon = () => (
  <svg viewBox="0 0 24 24" width="30" height="30" fill="currentColor">
    <path d="M8 5v14l11-7z" />
  </svg>
);

/** Where a search word is said in a media: the first moment, and how many more there are. */
function CaptionsHint(props: { hits: SearchHit[] }) {
  const moments = momentsOf(props.hits, navigator.languages);
  const [first] = moments;
  if (!first) return null;
  const more = moments.length - 1;
  return (
    <span class="card-hint">
      <span class="card-hint-where">
        Found in captions at {formatTimestamp(first.startSeconds)}
        {more > 0 ? ` (+${more} more)` : ''}
      </span>
      <span class="card-hint-text">“{first.text}”</span>
    </span>
  );
}

function MediaCard(props: {
  media: Media;
  /** The person may resume and remove unfinished uploads. */
  canWrite: boolean;
  onRemoved: () => void;
  selectable: boolean;
  selected: boolean;
  onSelect: (on: boolean) => void;
  /** Cues of the media that match the search, when some do: the card opens at the first. */
  hits?: SearchHit[] | undefined;
}) {
  const { media } = props;
  const first = props.hits?.[0];
  const href = first ? `/media/${media.id}?t=${first.startSeconds}` : `/media/${media.id}`;
  return (
    <li class={`card ${props.selected ? 'card-selected' : ''}`}>
      <Link href={href} class="card-link">
        <div class="thumb">
          {media.playback?.poster && media.visibility === 'public' ? (
            <img src={media.playback.poster} alt="" loading="lazy" />
          ) : (
            <div class="thumb-empty" aria-hidden="true">
              {media.visibility === 'private' ? <LockIcon /> : <PlayIcon />}
            </div>
          )}
          {media.durationSeconds !== null ? (
            <span class="thumb-duration">{formatDuration(media.durationSeconds)}</span>
          ) : null}
        </div>
        <div class="card-body">
          <span class="card-title">{media.title || 'Untitled'}</span>
          <span class="card-meta">
            <StatusBadge status={media.status} playable={media.playable} />
            {media.visibility === 'private' ? <span class="tag">Private</span> : null}
            <span class="muted">{formatAge(media.createdAt)}</span>
          </span>
          {props.hits ? <CaptionsHint hits={props.hits} /> : null}
          {media.status === 'waiting' ? (
            <span class="card-hint card-waiting">
              The upload did not finish: Kino has no file for this video yet.
            </span>
          ) : null}
        </div>
      </Link>
      {media.status === 'waiting' && props.canWrite ? (
        <WaitingActions media={media} onRemoved={props.onRemoved} />
      ) : null}
      {props.selectable ? (
        <label class="card-check">
          <input
            type="checkbox"
            checked={props.selected}
            onChange={(e) => {
              props.onSelect(e.currentTarget.checked);
            }}
            aria-label={`Select ${media.title || media.id}`}
          />
        </label>
      ) : null}
    </li>
  );
}

/** Resume (the upload page, with the same file) or remove an upload that did not finish. */
function WaitingActions(props: { media: Media; onRemoved: () => void }) {
  const action = useAction();
  const remove = async () => {
    const done = await action.run(async () => {
      await del(`/v1/media/${props.media.id}`);
      return true;
    });
    if (done) props.onRemoved();
  };
  return (
    <div class="card-actions">
      <Link href={`/upload?resume=${props.media.id}`} class="btn btn-small">
        Resume upload
      </Link>
      <ConfirmButton
        label="Remove"
        question={`Remove the unfinished upload “${props.media.title || props.media.id}”?`}
        confirmLabel="Remove"
        danger
        class="btn btn-small btn-danger"
        disabled={action.busy}
        onConfirm={() => void remove()}
      />
      <ErrorNote error={action.error} />
    </div>
  );
}

/**
 * Uploads that did not finish (media waiting for their file): how many, what that means, and one
 * button that removes them all.
 */
function UnfinishedUploads(props: { reloadKey: number; onRemoved: () => void }) {
  const path = `/v1/media${query({ status: 'waiting', limit: 100 })}`;
  const waiting = useResource(() => get<Page<Media>>(path), `${path}#${props.reloadKey}`);
  const action = useAction();
  const items = waiting.data?.items ?? [];
  if (items.length === 0) return null;
  const removeAll = async () => {
    await action.run(async () => {
      for (const media of items) await del(`/v1/media/${media.id}`);
      return true;
    });
    waiting.reload();
    props.onRemoved();
  };
  const n = items.length;
  return (
    <div class="note note-warn unfinished" role="status">
      <p>
        <strong>
          {n === 1 ? '1 upload' : `${n}${waiting.data?.nextCursor ? '+' : ''} uploads`} did not finish.
        </strong>{' '}
        The page was closed or the connection dropped before the whole file arrived. Resume one with the same
        file from its card, or remove {n === 1 ? 'it' : 'them'}.
      </p>
      <ConfirmButton
        label={n === 1 ? 'Remove unfinished upload' : `Remove ${n} unfinished uploads`}
        question={`Remove ${n === 1 ? 'the unfinished upload' : `${n} unfinished uploads`}? Files already uploaded completely are not touched.`}
        confirmLabel="Remove"
        danger
        class="btn btn-small btn-danger"
        disabled={action.busy}
        onConfirm={() => void removeAll()}
      />
      <ErrorNote error={action.error} />
    </div>
  );
}

/**
 * Media whose captions say `q` (`GET /v1/search`), with their matching cues; the status filter
 * applies to them too.
 */
function useSaid(q: string, status: MediaStatus | '') {
  const path = `/v1/search${query({ q, limit: SEARCH_LIMIT })}`;
  const search = useResource(
    () => (q ? get<CaptionSearch>(path) : Promise.resolve<CaptionSearch>({ results: [] })),
    path,
  );
  const results = (search.data?.results ?? []).filter((r) => !status || r.media.status === status);
  return {
    results,
    hits: new Map(results.map((r) => [r.media.id, r.hits])),
    error: search.error,
    loading: search.loading,
  };
}

/**
 * The tenant's media: search (titles, tags, and what is said in their captions), filter by
 * status, pages, and (for editors) bulk delete.
 */
export function LibraryPage() {
  const { user } = useSession();
  const canWrite = can(user.role, 'media:write');
  const [search, setSearch] = useState('');
  const [q, setQ] = useState('');
  const [status, setStatus] = useState<MediaStatus | ''>('');
  const pages = useCursorPages();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const remove = useAction();
  const [removeFailures, setRemoveFailures] = useState<string[]>([]);

  // Typing settles for a moment before the search runs.
  useEffect(() => {
    const timer = setTimeout(() => {
      setQ(search.trim());
    }, 300);
    return () => {
      clearTimeout(timer);
    };
  }, [search]);
  useEffect(() => {
    pages.reset();
    setSelected(new Set());
  }, [q, status]);

  const path = `/v1/media${query({ limit: PAGE_SIZE, q, status, cursor: pages.cursor })}`;
  const list = useResource(() => get<Page<Media>>(path), path, changing);
  const said = useSaid(q, status);
  const listed = new Set(list.data?.items.map((m) => m.id));
  // Media found only by what is said in them come after the title matches, on the first page.
  const saidOnly = pages.page === 0 ? said.results.filter((r) => !listed.has(r.media.id)) : [];
  const nothing = list.data?.items.length === 0 && saidOnly.length === 0 && !said.loading;

  const deleteSelected = async () => {
    const ids = [...selected];
    const failures: string[] = [];
    await remove.run(async () => {
      for (const id of ids) {
        try {
          await del(`/v1/media/${id}`);
        } catch (err) {
          failures.push(`${id}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    });
    setRemoveFailures(failures);
    setSelected(new Set());
    list.reload();
  };

  const [removals, setRemovals] = useState(0);
  const refresh = () => {
    setRemovals((n) => n + 1);
    list.reload();
  };

  const toggle = (id: string, on: boolean) => {
    const next = new Set(selected);
    if (on) next.add(id);
    else next.delete(id);
    setSelected(next);
  };

  return (
    <>
      <PageHeader title="Library">
        {canWrite ? (
          <Link href="/upload" class="btn btn-primary">
            Upload
          </Link>
        ) : null}
      </PageHeader>
      <div class="toolbar" role="search">
        <label class="visually-hidden" for="library-search">
          Search
        </label>
        <input
          id="library-search"
          type="search"
          placeholder="Search titles, tags and what is said"
          value={search}
          onInput={(e) => {
            setSearch(e.currentTarget.value);
          }}
        />
        <label class="visually-hidden" for="library-status">
          Status
        </label>
        <select
          id="library-status"
          value={status}
          onChange={(e) => {
            setStatus(e.currentTarget.value as MediaStatus | '');
          }}
        >
          <option value="">All statuses</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s[0]?.toUpperCase()}
              {s.slice(1)}
            </option>
          ))}
        </select>
        {canWrite && selected.size > 0 ? (
          <ConfirmButton
            label={`Delete ${selected.size}`}
            question={`Delete ${selected.size} media and all their files? This cannot be undone.`}
            confirmLabel="Delete"
            danger
            disabled={remove.busy}
            onConfirm={() => void deleteSelected()}
          />
        ) : null}
      </div>
      {canWrite ? <UnfinishedUploads reloadKey={removals} onRemoved={refresh} /> : null}
      <ErrorNote error={list.error} />
      <ErrorNote error={said.error} prefix="Search in captions failed" />
      <ErrorNote error={remove.error} />
      {removeFailures.length > 0 ? (
        <p class="note note-error" role="alert">
          Some could not be deleted: {removeFailures.join('; ')}
        </p>
      ) : null}
      {list.data && nothing ? (
        <div class="empty">
          <p>{q || status ? 'Nothing matches.' : 'No videos yet.'}</p>
          {canWrite && !q && !status ? (
            <Link href="/upload" class="btn btn-primary">
              Upload the first one
            </Link>
          ) : null}
        </div>
      ) : null}
      {list.data && list.data.items.length > 0 ? (
        <ul class="grid" aria-label="Media" aria-busy={list.loading}>
          {list.data.items.map((media) => (
            <MediaCard
              key={media.id}
              media={media}
              canWrite={canWrite}
              onRemoved={refresh}
              selectable={canWrite}
              selected={selected.has(media.id)}
              onSelect={(on) => {
                toggle(media.id, on);
              }}
              hits={said.hits.get(media.id)}
            />
          ))}
        </ul>
      ) : list.loading ? (
        <p class="muted">Loading…</p>
      ) : null}
      {saidOnly.length > 0 ? (
        <section aria-labelledby="said-heading" class="said">
          <h2 id="said-heading">Said in {saidOnly.length === 1 ? 'this video' : 'these videos'}</h2>
          <ul class="grid" aria-label="Found in captions">
            {saidOnly.map(({ media, hits }) => (
              <MediaCard
                key={media.id}
                media={media}
                canWrite={canWrite}
                onRemoved={refresh}
                selectable={canWrite}
                selected={selected.has(media.id)}
                onSelect={(on) => {
                  toggle(media.id, on);
                }}
                hits={hits}
              />
            ))}
          </ul>
        </section>
      ) : null}
      <Pager
        page={pages.page}
        hasNext={Boolean(list.data?.nextCursor)}
        onPrev={pages.prev}
        onNext={() => {
          pages.next(list.data?.nextCursor ?? null);
        }}
      />
    </>
  );
}
