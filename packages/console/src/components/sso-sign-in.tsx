import { post } from '../api/client.ts';
import { useAction } from '../lib/use-resource.ts';
import { ErrorNote } from './error-note.tsx';

/**
 * "Sign in with single sign-on": Kino finds the organisation of the email's domain and answers
 * the URL of its identity provider, where the browser goes; the provider sends it back signed in.
 */
export function SsoSignIn(props: { email: string }) {
  const action = useAction();
  const start = async () => {
    const started = await action.run(() => {
      if (!props.email.includes('@'))
        throw new Error('Enter your work email first, then choose single sign-on.');
      return post<{ url: string }>('/v1/auth/sso', { email: props.email });
    });
    if (started) window.location.assign(started.url);
  };
  return (
    <div class="sso-sign-in" style="margin-top: 1rem">
      <p class="muted" style="text-align: center; margin: 0 0 0.5rem">
        or
      </p>
      <button type="button" class="btn btn-block" disabled={action.busy} onClick={() => void start()}>
        {action.busy ? 'Opening your sign-in…' : 'Sign in with single sign-on'}
      </button>
      <ErrorNote error={action.error} />
    </div>
  );
}
