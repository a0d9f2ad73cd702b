import { useState } from 'preact/hooks';
import { get, post, query } from '../api/client.ts';
import type { CreatedTenant, Page, Tenant } from '../api/types.ts';
import { CopyField } from '../components/copy-field.tsx';
import { ErrorNote } from '../components/error-note.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { Pager } from '../components/pager.tsx';
import { useCursorPages } from '../components/use-cursor-pages.ts';
import { formatAge } from '../lib/format.ts';
import { useAction, useResource } from '../lib/use-resource.ts';

/** Every tenant; a new one comes with its first API key, shown once. */
export function OperatorTenantsPage() {
  const pages = useCursorPages();
  const path = `/v1/tenants${query({ limit: 50, cursor: pages.cursor })}`;
  const tenants = useResource(() => get<Page<Tenant>>(path), path);
  const [name, setName] = useState('');
  const [created, setCreated] = useState<CreatedTenant | null>(null);
  const action = useAction();

  const create = async (event: Event) => {
    event.preventDefault();
    const tenant = await action.run(() => post<CreatedTenant>('/v1/tenants', { name: name.trim() }));
    if (tenant) {
      setCreated(tenant);
      setName('');
      pages.reset();
      tenants.reload();
    }
  };

  return (
    <>
      <PageHeader title="Tenants" />
      <section class="panel" aria-labelledby="new-tenant">
        <h2 id="new-tenant">New tenant</h2>
        <form class="form form-inline" onSubmit={(e) => void create(e)}>
          <div>
            <label for="tenant-name">Name</label>
            <input
              id="tenant-name"
              required
              value={name}
              onInput={(e) => {
                setName(e.currentTarget.value);
              }}
            />
          </div>
          <button type="submit" class="btn btn-primary" disabled={action.busy}>
            Create tenant
          </button>
        </form>
        <ErrorNote error={action.error} />
        {created ? (
          <div class="once" role="status">
            <CopyField
              label={`API key of “${created.name}”`}
              value={created.apiKey}
              hint="Shown only now. With it the tenant creates its users, keys and media."
            />
          </div>
        ) : null}
      </section>
      <section class="panel" aria-labelledby="tenant-list">
        <h2 id="tenant-list">All tenants</h2>
        <ErrorNote error={tenants.error} />
        <div class="table-wrap">
          <table class="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">ID</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {tenants.data?.items.map((t) => (
                <tr key={t.id}>
                  <td>{t.name}</td>
                  <td>
                    <code>{t.id}</code>
                  </td>
                  <td>{formatAge(t.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <Pager
          page={pages.page}
          hasNext={Boolean(tenants.data?.nextCursor)}
          onPrev={pages.prev}
          onNext={() => {
            pages.next(tenants.data?.nextCursor ?? null);
          }}
        />
      </section>
    </>
  );
}
