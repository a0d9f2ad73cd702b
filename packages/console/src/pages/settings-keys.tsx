import { useState } from 'preact/hooks';
import { del, get, post } from '../api/client.ts';
import type { ApiKey, CreatedApiKey } from '../api/types.ts';
import { ConfirmButton } from '../components/confirm-button.tsx';
import { CopyField } from '../components/copy-field.tsx';
import { ErrorNote } from '../components/error-note.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { SETTINGS_TABS, Tabs } from '../components/tabs.tsx';
import { formatAge } from '../lib/format.ts';
import { useAction, useResource } from '../lib/use-resource.ts';

const SCOPES: { value: ApiKey['scope']; label: string }[] = [
  { value: 'full', label: 'Full: everything in this tenant' },
  { value: 'read', label: 'Read: read media' },
  { value: 'upload', label: 'Upload: create media and upload' },
];

/** The tenant's API keys: create (the key is shown once) and revoke. */
export function SettingsKeysPage() {
  const keys = useResource(() => get<{ items: ApiKey[] }>('/v1/keys'), 'keys');
  const [name, setName] = useState('');
  const [scope, setScope] = useState<ApiKey['scope']>('full');
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const action = useAction();

  const create = async (event: Event) => {
    event.preventDefault();
    const key = await action.run(() =>
      post<CreatedApiKey>('/v1/keys', { name: name.trim() || 'API key', scope }),
    );
    if (key) {
      setCreated(key);
      setName('');
      keys.reload();
    }
  };
  const revoke = async (id: string) => {
    await action.run(() => del(`/v1/keys/${id}`));
    keys.reload();
  };

  return (
    <>
      <PageHeader title="Settings" tabTitle="API keys" />
      <Tabs label="Settings" items={SETTINGS_TABS} />
      <section class="panel" aria-labelledby="new-key">
        <h2 id="new-key">New API key</h2>
        <form class="form form-inline" onSubmit={(e) => void create(e)}>
          <div>
            <label for="key-name">Name</label>
            <input
              id="key-name"
              value={name}
              placeholder="CI uploader"
              onInput={(e) => {
                setName(e.currentTarget.value);
              }}
            />
          </div>
          <div>
            <label for="key-scope">Scope</label>
            <select
              id="key-scope"
              value={scope}
              onChange={(e) => {
                setScope(e.currentTarget.value as ApiKey['scope']);
              }}
            >
              {SCOPES.map((s) => (
                <option key={s.value} value={s.value}>
                  {s.label}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" class="btn btn-primary" disabled={action.busy}>
            Create key
          </button>
        </form>
        {created ? (
          <div class="once" role="status">
            <CopyField
              label={`Key “${created.name}”`}
              value={created.apiKey}
              hint="Shown only now: store it somewhere safe. Kino keeps only a hash."
            />
          </div>
        ) : null}
        <ErrorNote error={action.error} />
      </section>
      <section class="panel" aria-labelledby="key-list">
        <h2 id="key-list">Keys</h2>
        <ErrorNote error={keys.error} />
        <div class="table-wrap">
          <table class="table table-stack">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Scope</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.data?.items.map((key) => (
                <tr key={key.id} class={key.revokedAt ? 'row-muted' : ''}>
                  <td data-label="Name">
                    {key.name} <code class="muted">{key.id}</code>
                  </td>
                  <td data-label="Scope">{key.scope}</td>
                  <td data-label="Created">{formatAge(key.createdAt)}</td>
                  <td data-label="Last used">{key.lastUsedAt ? formatAge(key.lastUsedAt) : 'never'}</td>
                  <td class="cell-actions">
                    {key.revokedAt ? (
                      <span class="muted">revoked {formatAge(key.revokedAt)}</span>
                    ) : (
                      <ConfirmButton
                        label="Revoke"
                        question={`Revoke “${key.name}”? Programs using it stop working at once.`}
                        confirmLabel="Revoke"
                        danger
                        class="btn btn-small btn-danger"
                        onConfirm={() => void revoke(key.id)}
                      />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}
