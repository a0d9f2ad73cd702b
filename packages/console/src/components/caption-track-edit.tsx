import { useState } from 'preact/hooks';
import { put } from '../api/client.ts';
import type { CaptionTrack } from '../api/types.ts';
import { CAPTION_FILE_TYPES } from '../lib/captions.ts';
import { useAction } from '../lib/use-resource.ts';
import { CaptionFields, type CaptionFieldValues } from './caption-fields.tsx';
import { captionForm } from './caption-upload-form.tsx';
import { ErrorNote } from './error-note.tsx';

const valuesOf = (track: CaptionTrack): CaptionFieldValues => ({
  language: track.language,
  label: track.label,
  kind: track.kind,
  isDefault: track.default,
});

/** The fields that differ from the track's. */
function changesOf(track: CaptionTrack, values: CaptionFieldValues): Partial<CaptionFieldValues> {
  const before = valuesOf(track);
  return Object.fromEntries(
    Object.entries(values).filter(([key, value]) => before[key as keyof CaptionFieldValues] !== value),
  );
}

/** Replaces a track's file and changes its fields; sends only what changed. */
export function CaptionTrackEdit(props: {
  track: CaptionTrack;
  onSaved: (track: CaptionTrack) => void;
  onCancel: () => void;
}) {
  const { track } = props;
  const [values, setValues] = useState(valuesOf(track));
  const [file, setFile] = useState<File | null>(null);
  const action = useAction();
  const changes = changesOf(track, values);
  const changed = file !== null || Object.keys(changes).length > 0;
  const id = `caption-${track.id}`;

  const submit = async (event: Event) => {
    event.preventDefault();
    if (!changed) return;
    const saved = await action.run(() =>
      put<CaptionTrack>(`/v1/media/${track.mediaId}/captions/${track.id}`, captionForm(file, changes)),
    );
    if (saved) props.onSaved(saved);
  };

  return (
    <form class="form caption-form" onSubmit={(e) => void submit(e)} aria-label={`Edit ${track.label}`}>
      <label for={`${id}-file`}>Replace the file (optional)</label>
      <input
        id={`${id}-file`}
        type="file"
        accept={CAPTION_FILE_TYPES}
        onChange={(e) => {
          setFile(e.currentTarget.files?.[0] ?? null);
          action.clearError();
        }}
      />
      <CaptionFields idPrefix={id} values={values} onChange={setValues} languageRequired />
      <ErrorNote error={action.error} prefix="Not saved" />
      <div class="form-actions">
        <button type="submit" class="btn btn-primary" disabled={action.busy || !changed}>
          {action.busy ? 'Saving…' : 'Save'}
        </button>
        <button type="button" class="btn" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
