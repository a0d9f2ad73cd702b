import { get, post } from '../api/client.ts';
import type { WebhookDelivery } from '../api/types.ts';
import { formatAge } from '../lib/format.ts';
import { useAction, useResource } from '../lib/use-resource.ts';
import { ErrorNote } from './error-note.tsx';
import { StatusBadge } from './status-badge.tsx';

/** An endpoint's recent deliveries with their response codes; any can be sent again. */
export function WebhookDeliveries(props: { webhookId: string }) {
  const path = `/v1/webhooks/${props.webhookId}/deliveries?limit=20`;
  const deliveries = useResource(
    () => get<{ items: WebhookDelivery[] }>(path),
    path,
    (d) => (d?.items.some((x) => x.state === 'pending' || x.state === 'retrying') ? 5000 : null),
  );
  const action = useAction();
  const resend = async (id: string) => {
    await action.run(() => post(`/v1/webhooks/${props.webhookId}/deliveries/${id}/resend`));
    deliveries.reload();
  };
  if (deliveries.error) return <ErrorNote error={deliveries.error} />;
  if (!deliveries.data) return <p class="muted">Loading deliveries…</p>;
  if (deliveries.data.items.length === 0) return <p class="muted">No deliveries yet.</p>;
  return (
    <div class="table-wrap">
      <ErrorNote error={action.error} />
      <table class="table table-compact table-stack">
        <caption class="visually-hidden">Recent deliveries</caption>
        <thead>
          <tr>
            <th scope="col">Event</th>
            <th scope="col">State</th>
            <th scope="col">Response</th>
            <th scope="col">Attempts</th>
            <th scope="col">When</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {deliveries.data.items.map((d) => (
            <tr key={d.id}>
              <td data-label="Event">
                <code>{d.type}</code>
              </td>
              <td data-label="State">
                <StatusBadge status={d.state} />
              </td>
              <td data-label="Response" title={d.error ?? d.responseBody ?? ''}>
                {d.responseStatus !== null ? (
                  <span class={d.responseStatus < 300 ? 'http-ok' : 'http-bad'}>{d.responseStatus}</span>
                ) : (
                  <span class="muted">{d.error ?? '–'}</span>
                )}
                {d.durationMs !== null ? <span class="muted"> · {d.durationMs} ms</span> : null}
              </td>
              <td data-label="Attempts">{d.attempts}</td>
              <td data-label="When">{formatAge(d.createdAt)}</td>
              <td class="cell-actions">
                <button
                  type="button"
                  class="btn btn-small"
                  disabled={action.busy}
                  onClick={() => void resend(d.id)}
                >
                  Resend
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
