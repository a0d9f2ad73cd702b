/** Previous / next over cursor pages. */
export function Pager(props: { page: number; hasNext: boolean; onPrev: () => void; onNext: () => void }) {
  if (props.page === 0 && !props.hasNext) return null;
  return (
    <nav class="pager" aria-label="Pages">
      <button type="button" class="btn" disabled={props.page === 0} onClick={props.onPrev}>
        ← Newer
      </button>
      <span class="pager-page">Page {props.page + 1}</span>
      <button type="button" class="btn" disabled={!props.hasNext} onClick={props.onNext}>
        Older →
      </button>
    </nav>
  );
}
