import { useState } from 'preact/hooks';
import { post } from '../api/client.ts';
import type { Session } from '../api/types.ts';
import { ErrorNote } from '../components/error-note.tsx';
import { usePageTitle } from '../lib/page-title.ts';
import { useAction } from '../lib/use-resource.ts';

/**
 * The first run: with the setup code Kino printed at start, create the first organisation (tenant)
 * and its administrator, and be signed in.
 */
export function SetupPage(props: { onSignedIn: (session: Session) => void }) {
  usePageTitle('Set up');
  const [code, setCode] = useState('');
  const [organisation, setOrganisation] = useState('');
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const action = useAction();
  const submit = async (event: Event) => {
    event.preventDefault();
    const session = await action.run(() =>
      post<Session>('/v1/setup', { code, organisation, name, email, password }),
    );
    if (session) props.onSignedIn(session);
  };
  const field = (set: (value: string) => void) => (e: { currentTarget: HTMLInputElement }) => {
    set(e.currentTarget.value);
  };
  return (
    <div class="auth">
      <form class="auth-card" onSubmit={(e) => void submit(e)} aria-labelledby="setup-title">
        <div class="auth-brand" aria-hidden="true">
          <span class="brand-mark">▶</span> Kino
        </div>
        <h1 id="setup-title">Create the first administrator</h1>
        <p class="muted">
          Welcome to Kino. Set up your organisation and the account that manages it; you can invite others
          afterwards.
        </p>
        <label for="setup-code">Setup code</label>
        <input
          id="setup-code"
          autocomplete="one-time-code"
          autocapitalize="characters"
          spellcheck={false}
          required
          aria-describedby="setup-code-hint"
          value={code}
          onInput={field(setCode)}
        />
        <p class="hint" id="setup-code-hint">
          Kino printed it where it was started, below the console address.
        </p>
        <label for="setup-organisation">Organisation name</label>
        <input
          id="setup-organisation"
          autocomplete="organization"
          required
          maxLength={200}
          value={organisation}
          onInput={field(setOrganisation)}
        />
        <label for="setup-name">Your name</label>
        <input
          id="setup-name"
          autocomplete="name"
          required
          maxLength={200}
          value={name}
          onInput={field(setName)}
        />
        <label for="setup-email">Email</label>
        <input
          id="setup-email"
          type="email"
          autocomplete="username"
          required
          value={email}
          onInput={field(setEmail)}
        />
        <label for="setup-password">Password</label>
        <input
          id="setup-password"
          type="password"
          autocomplete="new-password"
          minLength={10}
          required
          aria-describedby="setup-password-hint"
          value={password}
          onInput={field(setPassword)}
        />
        <p class="hint" id="setup-password-hint">
          At least 10 characters.
        </p>
        <ErrorNote error={action.error} />
        <button type="submit" class="btn btn-primary btn-block" disabled={action.busy}>
          {action.busy ? 'Creating…' : 'Create administrator and sign in'}
        </button>
      </form>
    </div>
  );
}
