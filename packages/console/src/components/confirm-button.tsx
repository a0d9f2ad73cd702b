import type { ComponentChildren } from 'preact';
import { useRef } from 'preact/hooks';

/**
 * A button that asks first, in a modal <dialog> (focus moves into it, Escape cancels).
 */
export function ConfirmButton(props: {
  label: ComponentChildren;
  question: string;
  confirmLabel: string;
  onConfirm: () => void;
  danger?: boolean;
  disabled?: boolean;
  class?: string;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const close = () => dialog.current?.close();
  return (
    <>
      <button
        type="button"
        class={props.class ?? (props.danger ? 'btn btn-danger' : 'btn')}
        disabled={props.disabled}
        onClick={() => dialog.current?.showModal()}
      >
        {props.label}
      </button>
      <dialog ref={dialog} class="dialog" aria-label={props.question}>
        <p class="dialog-question">{props.question}</p>
        <div class="dialog-actions">
          <button type="button" class="btn" onClick={close} autofocus>
            Cancel
          </button>
          <button
            type="button"
            class={props.danger ? 'btn btn-danger' : 'btn btn-primary'}
            onClick={() => {
              close();
              props.onConfirm();
            }}
          >
            {props.confirmLabel}
          </button>
        </div>
      </dialog>
    </>
  );
}
