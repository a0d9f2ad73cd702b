import { useEffect, useState } from 'preact/hooks';
import { get, query } from '../api/client.ts';
import type { CaptionSearch, SearchHit } from '../api/types.ts';
import { markWords, momentsOf } from '../lib/captions.ts';
import { formatTimestamp } from '../lib/format.ts';
import { useResource } from '../lib/use-resource.ts';
import { ErrorNote } from './error-note.tsx';

/**
 * The most media one search answers with (the API's limit). The API searches the whole tenant;
 * this media's hits are picked from its answer.
 */
const SEARCH_LIMIT = 50;

/** A cue's text with the searched words marked. */
export function MarkedText(props: { text: string; query: string }) {
  return (
    <>
      {markWords(props.text, props.query).map((part, i) =>
        part.mark ? <mark key={i}>{part.text}</mark> : part.text,
      )}
    </>
  );
}

/** Typing settles for a moment before a search runs. */
export function useSettled(value: string, ms = 300): string {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => {
      setSettled(value.trim());
    }, ms);
    return () => {
      clearTimeout(timer);
    };
  }, [value]);
  return settled;
}

/** The matching cues of one media for `q` (none while `q` is empty). */
function useMediaHits(mediaId: string, q: string) {
  const path = `/v1/search${query({ q, limit: SEARCH_LIMIT })}`;
  const search = useResource(() => (q ? get<CaptionSearch>(path) : Promise.resolve({ results: [] })), path);
  const found = search.data?.results.find((r) => r.media.id === mediaId)?.hits ?? [];
  const hits: SearchHit[] | undefined = search.data ? momentsOf(found, navigator.languages) : undefined;
  return { hits, error: search.error, loading: search.loading };
}

/** "Search in this video": finds what is said in the media's captions; a hit seeks the player. */
export function TranscriptSearch(props: { mediaId: string; onSeek: (seconds: number) => void }) {
  const [text, setText] = useState('');
  const q = useSettled(text);
  const { hits, error, loading } = useMediaHits(props.mediaId, q);
  const count = hits?.length ?? 0;
  const languages = new Set(hits?.map((h) => h.language));

  return (
    <div class="transcript-search">
      <form
        role="search"
        class="transcript-form"
        onSubmit={(e) => {
          e.preventDefault();
        }}
      >
        <label for="transcript-q">Search in this video</label>
        <input
          id="transcript-q"
          type="search"
          value={text}
          placeholder="A word that is said"
          maxLength={200}
          onInput={(e) => {
            setText(e.currentTarget.value);
          }}
        />
      </form>
      <ErrorNote error={error} />
      <p class="hint" role="status" aria-live="polite">
        {q && hits && !loading
          ? count === 0
            ? `Nothing said in this video matches “${q}”.`
            : `${count} ${count === 1 ? 'moment' : 'moments'} in the captions`
          : ''}
      </p>
      {q && hits && count > 0 ? (
        <ol class="hits" aria-label={`Moments that match “${q}”`}>
          {hits.map((hit) => (
            <li key={`${hit.trackId}-${hit.startSeconds}`}>
              <button
                type="button"
                class="hit"
                onClick={() => {
                  props.onSeek(hit.startSeconds);
                }}
              >
                <span class="hit-time">{formatTimestamp(hit.startSeconds)}</span>
                {languages.size > 1 ? <code class="hit-lang">{hit.language}</code> : null}
                <span class="hit-text">
                  <MarkedText text={hit.text} query={q} />
                </span>
              </button>
            </li>
          ))}
        </ol>
      ) : null}
    </div>
  );
}
