import { useState } from 'preact/hooks';
import { post, type ApiError } from '../api/client.ts';
import type { Session } from '../api/types.ts';
import { ErrorNote } from '../components/error-note.tsx';
import { SsoSignIn } from '../components/sso-sign-in.tsx';
import { usePageTitle } from '../lib/page-title.ts';
import { useAction } from '../lib/use-resource.ts';

/** An organisation to sign in to, when one email and password open accounts in several. */
interface TenantChoice {
  id: string | null;
  name: string | null;
}

function choicesOf(error: ApiError | null): TenantChoice[] {
  if (error?.code !== 'tenant_required' || !Array.isArray(error.problem.tenants)) return [];
  return error.problem.tenants as TenantChoice[];
}

/** Email and password; a session cookie comes back with the answer. */
export function LoginPage(props: { onSignedIn: (session: Session) => void }) {
  usePageTitle('Sign in');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [choices, setChoices] = useState<TenantChoice[]>([]);
  const [tenantId, setTenantId] = useState<string | null | undefined>(undefined);
  const action = useAction();
  const submit = async (event: Event) => {
    event.preventDefault();
    const body = { email, password, ...(tenantId !== undefined && { tenantId }) };
    const session = await action.run(() => post<Session>('/v1/auth/login', body));
    if (session) props.onSignedIn(session);
  };
  const offered = choicesOf(action.error);
  if (offered.length > 0 && offered !== choices) {
    setChoices(offered);
    setTenantId(offered[0]?.id ?? null);
  }
  return (
    <div class="auth">
      <form class="auth-card" onSubmit={(e) => void submit(e)} aria-labelledby="login-title">
        <div class="auth-brand" aria-hidden="true">
          <span class="brand-mark">▶</span> Kino
        </div>
        <h1 id="login-title">Sign in</h1>
        <label for="login-email">Email</label>
        <input
          id="login-email"
          type="email"
          autocomplete="username"
          required
          value={email}
          onInput={(e) => {
            setEmail(e.currentTarget.value);
          }}
        />
        <label for="login-password">Password</label>
        <input
          id="login-password"
          type="password"
          autocomplete="current-password"
          required
          value={password}
          onInput={(e) => {
            setPassword(e.currentTarget.value);
          }}
        />
        {choices.length > 0 && (
          <>
            <label for="login-tenant">Organisation</label>
            <select
              id="login-tenant"
              value={tenantId ?? ''}
              onChange={(e) => {
                setTenantId(e.currentTarget.value || null);
              }}
            >
              {choices.map((c) => (
                <option key={c.id ?? ''} value={c.id ?? ''}>
                  {c.id === null ? 'Operator (all organisations)' : (c.name ?? c.id)}
                </option>
              ))}
            </select>
          </>
        )}
        {choices.length > 0 && action.error?.code === 'tenant_required' ? (
          <p class="muted">This email has accounts in several organisations: choose one.</p>
        ) : (
          <ErrorNote error={action.error} />
        )}
        <button type="submit" class="btn btn-primary btn-block" disabled={action.busy}>
          {action.busy ? 'Signing in…' : 'Sign in'}
        </button>
        <SsoSignIn email={email} />
      </form>
    </div>
  );
}
