import type { CaptionKind } from '../api/types.ts';

/** The fields of a caption track a person sets, as the forms hold them. */
export interface CaptionFieldValues {
  language: string;
  label: string;
  kind: CaptionKind;
  isDefault: boolean;
}

/**
 * Language, label, kind and the default flag: the same inputs in the upload form and in a
 * track's edit form (`idPrefix` keeps their ids apart).
 */
export function CaptionFields(props: {
  idPrefix: string;
  values: CaptionFieldValues;
  onChange: (values: CaptionFieldValues) => void;
  languageRequired: boolean;
}) {
  const { idPrefix: id, values } = props;
  const set = (change: Partial<CaptionFieldValues>) => {
    props.onChange({ ...values, ...change });
  };
  return (
    <>
      <div class="form-row">
        <div>
          <label for={`${id}-language`}>Language</label>
          <input
            id={`${id}-language`}
            value={values.language}
            placeholder="en, de, pt-BR"
            required={props.languageRequired}
            maxLength={35}
            aria-describedby={`${id}-language-hint`}
            onInput={(e) => {
              set({ language: e.currentTarget.value });
            }}
          />
          <p class="hint" id={`${id}-language-hint`}>
            A language tag (BCP 47).
          </p>
        </div>
        <div>
          <label for={`${id}-label`}>Label</label>
          <input
            id={`${id}-label`}
            value={values.label}
            placeholder="The language's own name"
            maxLength={100}
            aria-describedby={`${id}-label-hint`}
            onInput={(e) => {
              set({ label: e.currentTarget.value });
            }}
          />
          <p class="hint" id={`${id}-label-hint`}>
            Shown in the player's captions menu.
          </p>
        </div>
      </div>
      <div class="form-row">
        <div>
          <label for={`${id}-kind`}>Kind</label>
          <select
            id={`${id}-kind`}
            value={values.kind}
            aria-describedby={`${id}-kind-hint`}
            onChange={(e) => {
              set({ kind: e.currentTarget.value as CaptionKind });
            }}
          >
            <option value="subtitles">Subtitles</option>
            <option value="captions">Captions</option>
          </select>
          <p class="hint" id={`${id}-kind-hint`}>
            Captions also describe sounds, for viewers who cannot hear.
          </p>
        </div>
        <div class="check-cell">
          <label class="check">
            <input
              type="checkbox"
              checked={values.isDefault}
              aria-describedby={`${id}-default-hint`}
              onChange={(e) => {
                set({ isDefault: e.currentTarget.checked });
              }}
            />
            On by default
          </label>
          <p class="hint" id={`${id}-default-hint`}>
            Players show it from the start; one track per video.
          </p>
        </div>
      </div>
    </>
  );
}
