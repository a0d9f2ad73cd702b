import { useState } from 'preact/hooks';
import { del, get, patch, post } from '../api/client.ts';
import { WEBHOOK_EVENTS, type Webhook, type WebhookEvent, type WebhookWithSecret } from '../api/types.ts';
import { ConfirmButton } from '../components/confirm-button.tsx';
import { CopyField } from '../components/copy-field.tsx';
import { ErrorNote } from '../components/error-note.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { SETTINGS_TABS, Tabs } from '../components/tabs.tsx';
import { WebhookDeliveries } from '../components/webhook-deliveries.tsx';
import { useAction, useResource } from '../lib/use-resource.ts';

function WebhookItem(props: { webhook: Webhook; onChanged: () => void }) {
  const { webhook } = props;
  const [open, setOpen] = useState(false);
  const action = useAction();
  const remove = async () => {
    await action.run(() => del(`/v1/webhooks/${webhook.id}`));
    props.onChanged();
  };
  const resume = async () => {
    await action.run(() => patch(`/v1/webhooks/${webhook.id}`, { paused: false }));
    props.onChanged();
  };
  return (
    <li class="list-item">
      <div class="list-row">
        <div class="list-main">
          <code class="break">{webhook.url}</code>
          <span class="muted">
            {webhook.events.length === 0 ? 'every event' : webhook.events.join(', ')}
            {webhook.description ? ` · ${webhook.description}` : ''}
          </span>
          {webhook.paused ? (
            <span class="note note-warn">Paused: {webhook.pausedReason ?? 'deliveries kept failing'}</span>
          ) : null}
        </div>
        <div class="list-actions">
          {webhook.paused ? (
            <button type="button" class="btn btn-small" onClick={() => void resume()}>
              Resume
            </button>
          ) : null}
          <button
            type="button"
            class="btn btn-small"
            aria-expanded={open}
            onClick={() => {
              setOpen(!open);
            }}
          >
            {open ? 'Hide deliveries' : 'Deliveries'}
          </button>
          <ConfirmButton
            label="Delete"
            question={`Delete the endpoint ${webhook.url} and its delivery log?`}
            confirmLabel="Delete"
            danger
            class="btn btn-small btn-danger"
            onConfirm={() => void remove()}
          />
        </div>
      </div>
      <ErrorNote error={action.error} />
      {open ? <WebhookDeliveries webhookId={webhook.id} /> : null}
    </li>
  );
}

/** Webhook endpoints: create (the signing secret is shown once), deliveries, resend. */
export function SettingsWebhooksPage() {
  const hooks = useResource(() => get<{ items: Webhook[] }>('/v1/webhooks'), 'webhooks');
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [events, setEvents] = useState<Set<WebhookEvent>>(new Set());
  const [secret, setSecret] = useState<string | null>(null);
  const action = useAction();

  const create = async (event: Event) => {
    event.preventDefault();
    const made = await action.run(() =>
      post<WebhookWithSecret>('/v1/webhooks', {
        url,
        ...(events.size > 0 ? { events: [...events] } : {}),
        ...(description.trim() ? { description: description.trim() } : {}),
      }),
    );
    if (made) {
      setSecret(made.secret);
      setUrl('');
      setDescription('');
      hooks.reload();
    }
  };
  const toggle = (type: WebhookEvent, on: boolean) => {
    const next = new Set(events);
    if (on) next.add(type);
    else next.delete(type);
    setEvents(next);
  };

  return (
    <>
      <PageHeader title="Settings" tabTitle="Webhooks" />
      <Tabs label="Settings" items={SETTINGS_TABS} />
      <section class="panel" aria-labelledby="new-hook">
        <h2 id="new-hook">New endpoint</h2>
        <form class="form" onSubmit={(e) => void create(e)}>
          <label for="hook-url">URL</label>
          <input
            id="hook-url"
            type="url"
            required
            placeholder="https://example.com/kino-hooks"
            value={url}
            onInput={(e) => {
              setUrl(e.currentTarget.value);
            }}
          />
          <label for="hook-description">Description</label>
          <input
            id="hook-description"
            value={description}
            onInput={(e) => {
              setDescription(e.currentTarget.value);
            }}
          />
          <fieldset class="checks">
            <legend>Events (none checked: every event)</legend>
            {WEBHOOK_EVENTS.map((type) => (
              <label key={type} class="check">
                <input
                  type="checkbox"
                  checked={events.has(type)}
                  onChange={(e) => {
                    toggle(type, e.currentTarget.checked);
                  }}
                />
                <code>{type}</code>
              </label>
            ))}
          </fieldset>
          <ErrorNote error={action.error} />
          <div class="form-actions">
            <button type="submit" class="btn btn-primary" disabled={action.busy}>
              Create endpoint
            </button>
          </div>
        </form>
        {secret ? (
          <div class="once" role="status">
            <CopyField
              label="Signing secret"
              value={secret}
              hint="Shown only now. Verify each delivery's Kino-Signature with it."
            />
          </div>
        ) : null}
      </section>
      <section class="panel" aria-labelledby="hook-list">
        <h2 id="hook-list">Endpoints</h2>
        <ErrorNote error={hooks.error} />
        {hooks.data?.items.length === 0 ? <p class="muted">No endpoints yet.</p> : null}
        <ul class="list">
          {hooks.data?.items.map((webhook) => (
            <WebhookItem key={webhook.id} webhook={webhook} onChanged={hooks.reload} />
          ))}
        </ul>
      </section>
    </>
  );
}
