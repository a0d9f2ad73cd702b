import { useState } from 'preact/hooks';
import { post } from '../api/client.ts';
import type { Media, PlaybackToken } from '../api/types.ts';
import { useAction } from '../lib/use-resource.ts';
import { CopyField } from './copy-field.tsx';
import { ErrorNote } from './error-note.tsx';

const iframe = (src: string, title: string) =>
  `<iframe src="${src}" title="${title.replace(/"/g, '&quot;')}" width="640" height="360" ` +
  'style="border:0;aspect-ratio:16/9;width:100%;height:auto" allow="fullscreen; picture-in-picture" allowfullscreen></iframe>';

const EXPIRIES = [
  { seconds: 3600, label: '1 hour' },
  { seconds: 86_400, label: '1 day' },
  { seconds: 7 * 86_400, label: '7 days' },
];

/** Embed snippet and links; private media get a share link that carries a token. */
export function MediaShare(props: { media: Media }) {
  const { media } = props;
  const [expires, setExpires] = useState(86_400);
  const [token, setToken] = useState<PlaybackToken | null>(null);
  const action = useAction();
  if (!media.playback) return <p class="muted">Links appear once the video is playable.</p>;

  if (media.visibility === 'public') {
    return (
      <div class="stack">
        <CopyField label="Embed code" value={iframe(media.playback.embed, media.title)} multiline />
        <CopyField label="Player link" value={media.playback.embed} />
        <CopyField label="HLS" value={media.playback.hls} />
        {media.playback.mp4 ? (
          <a class="btn" href={media.playback.mp4} download>
            Download MP4
          </a>
        ) : null}
      </div>
    );
  }

  const create = async () => {
    const made = await action.run(() =>
      post<PlaybackToken>(`/v1/media/${media.id}/playback-tokens`, { expiresInSeconds: expires }),
    );
    if (made) setToken(made);
  };
  return (
    <div class="stack">
      <p class="muted">
        This video is private: it plays only from links that carry a token, until the token expires.
      </p>
      <div class="form-row form-row-end">
        <div>
          <label for="share-expiry">Link works for</label>
          <select
            id="share-expiry"
            value={expires}
            onChange={(e) => {
              setExpires(Number(e.currentTarget.value));
            }}
          >
            {EXPIRIES.map((x) => (
              <option key={x.seconds} value={x.seconds}>
                {x.label}
              </option>
            ))}
          </select>
        </div>
        <button type="button" class="btn btn-primary" disabled={action.busy} onClick={() => void create()}>
          Create share link
        </button>
      </div>
      <ErrorNote error={action.error} />
      {token ? (
        <>
          <CopyField
            label="Share link"
            value={token.playback.embed}
            hint={`Works until ${new Date(token.expiresAt).toLocaleString()}.`}
          />
          <CopyField label="Embed code" value={iframe(token.playback.embed, media.title)} multiline />
          {token.playback.mp4 ? (
            <a class="btn" href={token.playback.mp4} download>
              Download MP4
            </a>
          ) : null}
        </>
      ) : null}
    </div>
  );
}
