import { useState } from 'preact/hooks';
import { del, get, post } from '../api/client.ts';
import type { LtiPlatform } from '../api/types.ts';
import { ConfirmButton } from '../components/confirm-button.tsx';
import { CopyField } from '../components/copy-field.tsx';
import { ErrorNote } from '../components/error-note.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { SETTINGS_TABS, Tabs } from '../components/tabs.tsx';
import { formatAge } from '../lib/format.ts';
import { useAction, useResource } from '../lib/use-resource.ts';

const FIELDS = [
  { id: 'issuer', label: 'Platform ID (issuer)', placeholder: 'https://moodle.example.edu' },
  { id: 'clientId', label: 'Client ID', placeholder: 'from the LMS tool registration' },
  { id: 'deploymentIds', label: 'Deployment IDs (comma-separated)', placeholder: '1' },
  {
    id: 'authLoginUrl',
    label: 'Authentication request URL',
    placeholder: 'https://moodle.example.edu/mod/lti/auth.php',
  },
  {
    id: 'jwksUrl',
    label: 'LMS public keyset URL',
    placeholder: 'https://moodle.example.edu/mod/lti/certs.php',
  },
] as const;
type FieldId = (typeof FIELDS)[number]['id'];

/** The URLs an LMS administrator enters for Kino (the same for every registration). */
function ToolUrls(props: { tool: LtiPlatform['tool'] }) {
  return (
    <>
      <CopyField label="Tool URL / redirection URI" value={props.tool.launchUrl} />
      <CopyField label="Initiate login URL" value={props.tool.loginUrl} />
      <CopyField label="Tool public keyset URL" value={props.tool.jwksUrl} />
      <CopyField label="Deep Linking (content selection) URL" value={props.tool.deepLinkingUrl} />
    </>
  );
}

/** LMS registrations (LTI 1.3): what to enter in Moodle or Canvas, and what they gave back. */
export function SettingsLmsPage() {
  const platforms = useResource(() => get<{ data: LtiPlatform[] }>('/v1/lti/platforms'), 'lti-platforms');
  const empty = Object.fromEntries(FIELDS.map((f) => [f.id, ''])) as Record<FieldId, string>;
  const [form, setForm] = useState(empty);
  const action = useAction();
  const origin = window.location.origin;
  const tool = platforms.data?.data[0]?.tool ?? {
    launchUrl: `${origin}/lti/launch`,
    loginUrl: `${origin}/lti/login`,
    jwksUrl: `${origin}/lti/jwks`,
    deepLinkingUrl: `${origin}/lti/launch`,
  };

  const register = async (event: Event) => {
    event.preventDefault();
    const created = await action.run(() =>
      post<LtiPlatform>('/v1/lti/platforms', {
        issuer: form.issuer.trim(),
        clientId: form.clientId.trim(),
        deploymentIds: form.deploymentIds
          .split(',')
          .map((d) => d.trim())
          .filter(Boolean),
        authLoginUrl: form.authLoginUrl.trim(),
        jwksUrl: form.jwksUrl.trim(),
      }),
    );
    if (created) {
      setForm(empty);
      platforms.reload();
    }
  };
  const remove = async (id: string) => {
    await action.run(() => del(`/v1/lti/platforms/${id}`));
    platforms.reload();
  };

  return (
    <>
      <PageHeader title="Settings" />
      <Tabs label="Settings" items={SETTINGS_TABS} />
      <section class="panel" aria-labelledby="lti-tool">
        <h2 id="lti-tool">Enter these in your LMS</h2>
        <p class="muted">
          Add Kino as an LTI 1.3 external tool with Deep Linking, then register the LMS below.
        </p>
        <ToolUrls tool={tool} />
      </section>
      <section class="panel" aria-labelledby="lti-new">
        <h2 id="lti-new">Register an LMS</h2>
        <form class="form" onSubmit={(e) => void register(e)}>
          {FIELDS.map((f) => (
            <div key={f.id}>
              <label for={`lti-${f.id}`}>{f.label}</label>
              <input
                id={`lti-${f.id}`}
                required
                value={form[f.id]}
                placeholder={f.placeholder}
                onInput={(e) => {
                  setForm({ ...form, [f.id]: e.currentTarget.value });
                }}
              />
            </div>
          ))}
          <div class="form-actions">
            <button type="submit" class="btn btn-primary" disabled={action.busy}>
              Register LMS
            </button>
          </div>
        </form>
        <ErrorNote error={action.error} />
      </section>
      <section class="panel" aria-labelledby="lti-list">
        <h2 id="lti-list">Registered LMSs</h2>
        <ErrorNote error={platforms.error} />
        {platforms.data?.data.length === 0 ? <p class="muted">None yet.</p> : null}
        <div class="table-wrap">
          <table class="table table-stack">
            <thead>
              <tr>
                <th scope="col">Issuer</th>
                <th scope="col">Client ID</th>
                <th scope="col">Deployments</th>
                <th scope="col">Added</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {platforms.data?.data.map((p) => (
                <tr key={p.id}>
                  <td data-label="Issuer">{p.issuer}</td>
                  <td data-label="Client ID">
                    <code>{p.clientId}</code>
                  </td>
                  <td data-label="Deployments">{p.deploymentIds.join(', ')}</td>
                  <td data-label="Added">{formatAge(p.createdAt)}</td>
                  <td class="cell-actions">
                    <ConfirmButton
                      label="Remove"
                      question={`Remove ${p.issuer}? Its course links stop opening in Kino.`}
                      confirmLabel="Remove"
                      danger
                      class="btn btn-small btn-danger"
                      onConfirm={() => void remove(p.id)}
                    />
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
