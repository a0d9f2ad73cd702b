import { useRef, useState } from 'preact/hooks';
import { post } from '../api/client.ts';
import type { CaptionTrack } from '../api/types.ts';
import { CAPTION_FILE_TYPES, captionFormatOf, languageOf } from '../lib/captions.ts';
import { useAction } from '../lib/use-resource.ts';
import { CaptionFields, type CaptionFieldValues } from './caption-fields.tsx';
import { ErrorNote } from './error-note.tsx';

const EMPTY: CaptionFieldValues = { language: '', label: '', kind: 'subtitles', isDefault: false };

/**
 * The form data of a caption change: the file (with its format when the name says it) and the
 * fields that have a value. Kino checks and normalises the file; an unreadable one gets 400
 * `invalid_captions` naming its line.
 */
export function captionForm(file: File | null, values: Partial<CaptionFieldValues>): FormData {
  const form = new FormData();
  if (values.language?.trim()) form.set('language', values.language.trim());
  if (values.label?.trim()) form.set('label', values.label.trim());
  if (values.kind) form.set('kind', values.kind);
  if (values.isDefault !== undefined) form.set('default', String(values.isDefault));
  if (file) {
    const format = captionFormatOf(file.name);
    if (format) form.set('format', format);
    form.set('file', file, file.name);
  }
  return form;
}

/** Adds a caption track: a WebVTT, SRT or TTML/DFXP file with its language, label and kind. */
export function CaptionUploadForm(props: { mediaId: string; onAdded: (track: CaptionTrack) => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [values, setValues] = useState<CaptionFieldValues>(EMPTY);
  const [added, setAdded] = useState<CaptionTrack | null>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const action = useAction();

  const choose = (chosen: File | null) => {
    setFile(chosen);
    setAdded(null);
    action.clearError();
    const language = chosen ? languageOf(chosen.name) : null;
    if (language && !values.language) setValues({ ...values, language });
  };
  const submit = async (event: Event) => {
    event.preventDefault();
    if (!file) return;
    const track = await action.run(() =>
      post<CaptionTrack>(`/v1/media/${props.mediaId}/captions`, captionForm(file, values)),
    );
    if (!track) return;
    formRef.current?.reset();
    setFile(null);
    setValues(EMPTY);
    setAdded(track);
    props.onAdded(track);
  };

  return (
    <form ref={formRef} class="form caption-form" onSubmit={(e) => void submit(e)}>
      <h3 class="form-title">Add a track</h3>
      <label for="caption-file">Caption file</label>
      <input
        id="caption-file"
        type="file"
        accept={CAPTION_FILE_TYPES}
        required
        aria-describedby="caption-file-hint"
        onChange={(e) => {
          choose(e.currentTarget.files?.[0] ?? null);
        }}
      />
      <p class="hint" id="caption-file-hint">
        WebVTT (.vtt), SubRip (.srt) or TTML/DFXP, up to 5 MB. Kino checks the timing and stores it as WebVTT.
      </p>
      <CaptionFields idPrefix="caption-new" values={values} onChange={setValues} languageRequired />
      <ErrorNote error={action.error} prefix="Not added" />
      <div class="form-actions">
        <button type="submit" class="btn btn-primary" disabled={action.busy || !file}>
          {action.busy ? 'Adding…' : 'Add track'}
        </button>
        {added ? (
          <span class="muted" role="status">
            Added “{added.label}” ({added.cueCount} cues)
          </span>
        ) : null}
      </div>
    </form>
  );
}
