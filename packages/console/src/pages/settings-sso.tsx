import { useState } from 'preact/hooks';
import { get, put } from '../api/client.ts';
import type { TenantSso } from '../api/types.ts';
import { CopyField } from '../components/copy-field.tsx';
import { ErrorNote } from '../components/error-note.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { SETTINGS_TABS, Tabs } from '../components/tabs.tsx';
import { useAction, useResource } from '../lib/use-resource.ts';

const ROLES = ['viewer', 'editor', 'admin'] as const;

interface OidcForm {
  issuer: string;
  clientId: string;
  clientSecret: string;
  domains: string;
  role: string;
}
interface SamlForm {
  entryPoint: string;
  cert: string;
  domains: string;
  role: string;
}
const domainsOf = (text: string) =>
  text
    .split(/[\s,]+/)
    .map((d) => d.trim())
    .filter(Boolean);

function Field(props: {
  id: string;
  label: string;
  value: string;
  onInput: (v: string) => void;
  placeholder?: string;
  type?: string;
}) {
  return (
    <div>
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        type={props.type ?? 'text'}
        value={props.value}
        placeholder={props.placeholder}
        onInput={(e) => {
          props.onInput(e.currentTarget.value);
        }}
      />
    </div>
  );
}

/** Console single sign-on: OpenID Connect and SAML settings (secrets are never shown back). */
export function SettingsSsoPage() {
  const current = useResource(() => get<TenantSso>('/v1/tenant/sso'), 'tenant-sso');
  const [oidc, setOidc] = useState<OidcForm | null>(null);
  const [saml, setSaml] = useState<SamlForm | null>(null);
  const action = useAction();
  const data = current.data;
  const o: OidcForm = oidc ?? {
    issuer: data?.oidc?.issuer ?? '',
    clientId: data?.oidc?.clientId ?? '',
    clientSecret: '',
    domains: data?.oidc?.emailDomains.join(', ') ?? '',
    role: data?.oidc?.defaultRole ?? 'viewer',
  };
  const s: SamlForm = saml ?? {
    entryPoint: data?.saml?.entryPoint ?? '',
    cert: '',
    domains: data?.saml?.emailDomains.join(', ') ?? '',
    role: data?.saml?.defaultRole ?? 'viewer',
  };

  const save = async (event: Event) => {
    event.preventDefault();
    const saved = await action.run(() =>
      put<TenantSso>('/v1/tenant/sso', {
        oidc: o.issuer
          ? {
              issuer: o.issuer.trim(),
              clientId: o.clientId.trim(),
              ...(o.clientSecret && { clientSecret: o.clientSecret }),
              emailDomains: domainsOf(o.domains),
              defaultRole: o.role,
            }
          : null,
        saml:
          s.entryPoint && s.cert
            ? {
                entryPoint: s.entryPoint.trim(),
                idpCertPem: s.cert,
                emailDomains: domainsOf(s.domains),
                defaultRole: s.role,
              }
            : null,
      }),
    );
    if (saved) {
      setOidc(null);
      setSaml(null);
      current.reload();
    }
  };
  const role = (id: string, value: string, set: (v: string) => void) => (
    <div>
      <label for={id}>Role of new accounts</label>
      <select
        id={id}
        value={value}
        onChange={(e) => {
          set(e.currentTarget.value);
        }}
      >
        {ROLES.map((r) => (
          <option key={r} value={r}>
            {r}
          </option>
        ))}
      </select>
    </div>
  );

  return (
    <>
      <PageHeader title="Settings" />
      <Tabs label="Settings" items={SETTINGS_TABS} />
      {data ? (
        <section class="panel" aria-labelledby="sso-urls">
          <h2 id="sso-urls">Give these to your identity provider</h2>
          <CopyField label="OpenID Connect redirect URI" value={data.urls.oidcRedirectUri} />
          <CopyField label="SAML ACS URL" value={data.urls.samlAcsUrl} />
          <CopyField label="SAML entity ID (audience)" value={data.urls.samlEntityId} />
        </section>
      ) : null}
      <ErrorNote error={current.error} />
      <form class="form" onSubmit={(e) => void save(e)}>
        <section class="panel" aria-labelledby="sso-oidc">
          <h2 id="sso-oidc">OpenID Connect</h2>
          <p class="muted">Leave the issuer empty to turn it off.</p>
          <Field
            id="oidc-issuer"
            label="Issuer"
            value={o.issuer}
            placeholder="https://login.example.edu"
            onInput={(v) => {
              setOidc({ ...o, issuer: v });
            }}
          />
          <Field
            id="oidc-client"
            label="Client ID"
            value={o.clientId}
            onInput={(v) => {
              setOidc({ ...o, clientId: v });
            }}
          />
          <Field
            id="oidc-secret"
            label="Client secret"
            type="password"
            value={o.clientSecret}
            placeholder={data?.oidc?.clientSecretSet ? 'stored: leave empty to keep it' : ''}
            onInput={(v) => {
              setOidc({ ...o, clientSecret: v });
            }}
          />
          <Field
            id="oidc-domains"
            label="Email domains"
            value={o.domains}
            placeholder="example.edu"
            onInput={(v) => {
              setOidc({ ...o, domains: v });
            }}
          />
          {role('oidc-role', o.role, (v) => {
            setOidc({ ...o, role: v });
          })}
        </section>
        <section class="panel" aria-labelledby="sso-saml">
          <h2 id="sso-saml">SAML 2.0</h2>
          <p class="muted">
            Signed assertions are required. Leave the sign-on URL empty to turn it off; paste the certificate
            again to change it.
          </p>
          <Field
            id="saml-entry"
            label="IdP sign-on URL"
            value={s.entryPoint}
            placeholder="https://idp.example.edu/sso"
            onInput={(v) => {
              setSaml({ ...s, entryPoint: v });
            }}
          />
          <div>
            <label for="saml-cert">IdP signing certificate (PEM)</label>
            <textarea
              id="saml-cert"
              rows={4}
              value={s.cert}
              placeholder="-----BEGIN CERTIFICATE-----"
              onInput={(e) => {
                setSaml({ ...s, cert: e.currentTarget.value });
              }}
            />
          </div>
          <Field
            id="saml-domains"
            label="Email domains"
            value={s.domains}
            onInput={(v) => {
              setSaml({ ...s, domains: v });
            }}
          />
          {role('saml-role', s.role, (v) => {
            setSaml({ ...s, role: v });
          })}
        </section>
        <div class="form-actions">
          <button type="submit" class="btn btn-primary" disabled={action.busy}>
            Save single sign-on
          </button>
        </div>
        <ErrorNote error={action.error} />
      </form>
    </>
  );
}
