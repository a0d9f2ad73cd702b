import { useState } from 'preact/hooks';
import { post } from '../api/client.ts';
import type { Session } from '../api/types.ts';
import { ErrorNote } from '../components/error-note.tsx';
import { useAction } from '../lib/use-resource.ts';

/** Email and password; a session cookie comes back with the answer. */
export function LoginPage(props: { onSignedIn: (session: Session) => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const action = useAction();
  const submit = async (event: Event) => {
    event.preventDefault();
    const session = await action.run(() => post<Session>('/v1/auth/login', { email, password }));
    if (session) props.onSignedIn(session);
  };
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
        <ErrorNote error={action.error} />
        <button type="submit" class="btn btn-primary btn-block" disabled={action.busy}>
          {action.busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </div>
  );
}
