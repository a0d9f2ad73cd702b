import { useState } from 'preact/hooks';

let fieldCount = 0;

/** A read-only value with a Copy button (an API key, a secret, an embed snippet). */
export function CopyField(props: { label: string; value: string; multiline?: boolean; hint?: string }) {
  const [id] = useState(() => `copy-${++fieldCount}`);
  const [copied, setCopied] = useState(false);
  const copy = async (event: Event) => {
    const field = (event.currentTarget as HTMLElement).parentElement?.querySelector<
      HTMLInputElement | HTMLTextAreaElement
    >('input, textarea');
    try {
      await navigator.clipboard.writeText(props.value);
    } catch {
      // Clipboard refused (an insecure origin): leave the text selected for Ctrl+C.
      field?.select();
    }
    setCopied(true);
    setTimeout(() => {
      setCopied(false);
    }, 1500);
  };
  return (
    <div class="copy-field">
      <label for={id}>{props.label}</label>
      <div class="copy-row">
        {props.multiline ? (
          <textarea
            id={id}
            readOnly
            rows={3}
            value={props.value}
            onFocus={(e) => {
              e.currentTarget.select();
            }}
          />
        ) : (
          <input
            id={id}
            readOnly
            value={props.value}
            onFocus={(e) => {
              e.currentTarget.select();
            }}
          />
        )}
        <button type="button" class="btn" onClick={(e) => void copy(e)}>
          {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
      {props.hint ? <p class="hint">{props.hint}</p> : null}
    </div>
  );
}
