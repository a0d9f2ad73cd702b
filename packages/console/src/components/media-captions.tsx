import { useState } from 'preact/hooks';
import { del, get } from '../api/client.ts';
import type { CaptionTrack } from '../api/types.ts';
import { formatAge } from '../lib/format.ts';
import { useAction, useResource } from '../lib/use-resource.ts';
import { CaptionTrackEdit } from './caption-track-edit.tsx';
import { CaptionUploadForm } from './caption-upload-form.tsx';
import { ConfirmButton } from './confirm-button.tsx';
import { ErrorNote } from './error-note.tsx';

function TrackItem(props: {
  track: CaptionTrack;
  canWrite: boolean;
  editing: boolean;
  busy: boolean;
  onEdit: () => void;
  onDelete: () => void;
  onSaved: () => void;
}) {
  const { track } = props;
  return (
    <li class="list-item">
      <div class="list-row">
        <div class="list-main">
          <span class="track-title">
            <strong>{track.label}</strong> <code class="muted">{track.language}</code>
            {track.default ? <span class="badge badge-ready">Default</span> : null}
          </span>
          <span class="muted">
            {track.kind === 'captions' ? 'Captions' : 'Subtitles'} ·{' '}
            {track.source === 'extracted' ? 'From the source' : 'Uploaded'} · {track.cueCount}{' '}
            {track.cueCount === 1 ? 'cue' : 'cues'} · updated {formatAge(track.updatedAt)}
          </span>
        </div>
        <div class="list-actions">
          <a
            class="btn btn-small"
            href={`/v1/media/${track.mediaId}/captions/${track.id}.vtt`}
            download={`${track.mediaId}.${track.language}.vtt`}
            aria-label={`Download ${track.label} as WebVTT`}
          >
            Download
          </a>
          {props.canWrite ? (
            <>
              <button
                type="button"
                class="btn btn-small"
                aria-expanded={props.editing}
                aria-label={`Edit or replace ${track.label}`}
                onClick={props.onEdit}
              >
                Edit
              </button>
              <ConfirmButton
                label="Delete"
                question={`Delete the track “${track.label}”? Players stop showing it.`}
                confirmLabel="Delete"
                danger
                class="btn btn-small btn-danger"
                disabled={props.busy}
                onConfirm={props.onDelete}
              />
            </>
          ) : null}
        </div>
      </div>
      {props.editing ? (
        <CaptionTrackEdit track={track} onSaved={props.onSaved} onCancel={props.onEdit} />
      ) : null}
    </li>
  );
}

/**
 * A media's caption tracks: the list (language, kind, default, source, cues), download, and for
 * editors adding, replacing and deleting. `onChanged` runs after every change, for the player to
 * load the tracks again.
 */
export function MediaCaptions(props: { mediaId: string; canWrite: boolean; onChanged: () => void }) {
  const path = `/v1/media/${props.mediaId}/captions`;
  const tracks = useResource(() => get<{ items: CaptionTrack[] }>(path), path);
  const [editing, setEditing] = useState<string | null>(null);
  const remove = useAction();

  const changed = () => {
    tracks.reload();
    props.onChanged();
  };
  const deleteTrack = async (track: CaptionTrack) => {
    const done = await remove.run(async () => {
      await del(`${path}/${track.id}`);
      return true;
    });
    if (done) changed();
  };

  const items = tracks.data?.items ?? [];
  return (
    <>
      <ErrorNote error={tracks.error} />
      <ErrorNote error={remove.error} prefix="Not deleted" />
      {tracks.data && items.length === 0 ? (
        <p class="muted">
          No caption tracks yet.
          {props.canWrite ? ' Add one below: viewers can turn it on, and search finds what is said.' : ''}
        </p>
      ) : null}
      {items.length > 0 ? (
        <ul class="list" aria-label="Caption tracks">
          {items.map((track) => (
            <TrackItem
              key={track.id}
              track={track}
              canWrite={props.canWrite}
              editing={editing === track.id}
              busy={remove.busy}
              onEdit={() => {
                setEditing(editing === track.id ? null : track.id);
              }}
              onDelete={() => void deleteTrack(track)}
              onSaved={() => {
                setEditing(null);
                changed();
              }}
            />
          ))}
        </ul>
      ) : null}
      {props.canWrite ? <CaptionUploadForm mediaId={props.mediaId} onAdded={changed} /> : null}
    </>
  );
}
