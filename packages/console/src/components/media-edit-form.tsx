import { useState } from 'preact/hooks';
import { patch } from '../api/client.ts';
import type { Media, Visibility } from '../api/types.ts';
import { parseTags } from '../lib/format.ts';
import { useAction } from '../lib/use-resource.ts';
import { ErrorNote } from './error-note.tsx';

/** Title, description, tags and visibility. */
export function MediaEditForm(props: { media: Media; onSaved: (media: Media) => void }) {
  const { media } = props;
  const [title, setTitle] = useState(media.title);
  const [description, setDescription] = useState(media.description);
  const [tags, setTags] = useState(media.tags.join(', '));
  const [visibility, setVisibility] = useState<Visibility>(media.visibility);
  const [saved, setSaved] = useState(false);
  const action = useAction();
  const submit = async (event: Event) => {
    event.preventDefault();
    setSaved(false);
    const updated = await action.run(() =>
      patch<Media>(`/v1/media/${media.id}`, { title, description, tags: parseTags(tags), visibility }),
    );
    if (updated) {
      setSaved(true);
      props.onSaved(updated);
    }
  };
  return (
    <form class="form" onSubmit={(e) => void submit(e)}>
      <label for="edit-title">Title</label>
      <input
        id="edit-title"
        value={title}
        maxLength={500}
        onInput={(e) => {
          setTitle(e.currentTarget.value);
        }}
      />
      <label for="edit-description">Description</label>
      <textarea
        id="edit-description"
        rows={3}
        value={description}
        onInput={(e) => {
          setDescription(e.currentTarget.value);
        }}
      />
      <div class="form-row">
        <div>
          <label for="edit-tags">Tags</label>
          <input
            id="edit-tags"
            value={tags}
            placeholder="comma, separated"
            onInput={(e) => {
              setTags(e.currentTarget.value);
            }}
          />
        </div>
        <div>
          <label for="edit-visibility">Visibility</label>
          <select
            id="edit-visibility"
            value={visibility}
            onChange={(e) => {
              setVisibility(e.currentTarget.value as Visibility);
            }}
          >
            <option value="public">Public: anyone with the link</option>
            <option value="private">Private: token links only</option>
          </select>
        </div>
      </div>
      <ErrorNote error={action.error} />
      <div class="form-actions">
        <button type="submit" class="btn btn-primary" disabled={action.busy}>
          {action.busy ? 'Saving…' : 'Save'}
        </button>
        {saved ? (
          <span class="muted" role="status">
            Saved
          </span>
        ) : null}
      </div>
    </form>
  );
}
