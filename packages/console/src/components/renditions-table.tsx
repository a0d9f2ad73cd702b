import type { Rendition } from '../api/types.ts';
import { formatBitrate, formatSize } from '../lib/format.ts';

export function RenditionsTable(props: { renditions: Rendition[] }) {
  if (props.renditions.length === 0) return <p class="muted">No renditions yet.</p>;
  return (
    <div class="table-wrap">
      <table class="table">
        <caption class="visually-hidden">Renditions</caption>
        <thead>
          <tr>
            <th scope="col">Kind</th>
            <th scope="col">Size</th>
            <th scope="col">Bitrate</th>
            <th scope="col">Codec</th>
          </tr>
        </thead>
        <tbody>
          {props.renditions.map((r, i) => (
            <tr key={i}>
              <td>{r.kind === 'video' ? 'Video' : 'Audio'}</td>
              <td>{r.kind === 'video' ? formatSize(r.width, r.height) : '–'}</td>
              <td>{formatBitrate(r.bitrate)}</td>
              <td>
                <code>{r.codec}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
