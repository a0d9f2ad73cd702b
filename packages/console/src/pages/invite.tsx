import { useState } from 'preact/hooks';
import { get, post } from '../api/client.ts';
import type { Invite, Session } from '../api/types.ts';
import { ErrorNote } from '../components/error-note.tsx';
import { usePageTitle } from '../lib/page-title.ts';
import { useAction, useResource } from '../lib/use-resource.ts';

/** An invite link's page: choose a password (and a name), and be signed in. */
export function InvitePage(props: { token: string; onSignedIn: (session: Session) => void }) {
  usePageTitle('Join');
  const path = `/v1/invites/${encodeURIComponent(props.token)}`;
  const invite = useResource(() => get<Invite>(path), path);
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const action = useAction();
  const submit = async (event: Event) => {
    event.preventDefault();
    const session = await action.run(() =>
      post<Session>(`${path}/accept`, { password, ...(name.trim() ? { name: name.trim() } : {}) }),
    );
    if (session) props.onSignedIn(session);
  };
  return (
    <div class="auth">
      <form class="auth-card" onSubmit={(e) => void submit(e)} aria-labelledby="invite-title">
        <div class="auth-brand" aria-hidden="true">
          <span class="brand-mark">▶</span> Kino
        </div>
        <h1 id="invite-title">Join {invite.data?.tenantName ?? 'Kino'}</h1>
        {invite.error ? (
          <ErrorNote error={invite.error} />
        ) : invite.data ? (
          <>
            <p class="muted">
              You were invited as <strong>{invite.data.role}</strong> with{' '}
              <strong>{invite.data.email}</strong>.
            </p>
            <label for="invite-name">Your name</label>
            <input
              id="invite-name"
              autocomplete="name"
              value={name}
              onInput={(e) => {
                setName(e.currentTarget.value);
              }}
            />
            <label for="invite-password">Choose a password</label>
            <input
              id="invite-password"
              type="password"
              autocomplete="new-password"
              minLength={10}
              required
              value={password}
              onInput={(e) => {
                setPassword(e.currentTarget.value);
              }}
            />
            <ErrorNote error={action.error} />
            <button type="submit" class="btn btn-primary btn-block" disabled={action.busy}>
              {action.busy ? 'Joining…' : 'Join and sign in'}
            </button>
          </>
        ) : (
          <p class="muted">Checking the invite…</p>
        )}
      </form>
    </div>
  );
}
