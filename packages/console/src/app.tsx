import { useEffect, useState } from 'preact/hooks';
import { Redirect, Route, Switch, useLocation } from 'wouter-preact';
import { get, setCsrfToken, whenUnauthorized } from './api/client.ts';
import { SessionProvider } from './api/session.tsx';
import type { Session, SetupState } from './api/types.ts';
import { Layout } from './components/layout.tsx';
import { can, homeOf, type Ability } from './lib/roles.ts';
import { AnalyticsPage } from './pages/analytics.tsx';
import { InvitePage } from './pages/invite.tsx';
import { LibraryPage } from './pages/library.tsx';
import { LivePage } from './pages/live.tsx';
import { LiveStreamPage } from './pages/live-stream.tsx';
import { LoginPage } from './pages/login.tsx';
import { MediaPage } from './pages/media.tsx';
import { NotFoundPage } from './pages/not-found.tsx';
import { OperatorHealthPage } from './pages/operator-health.tsx';
import { OperatorJobsPage } from './pages/operator-jobs.tsx';
import { OperatorTenantsPage } from './pages/operator-tenants.tsx';
import { SetupPage } from './pages/setup.tsx';
import { SettingsKeysPage } from './pages/settings-keys.tsx';
import { SettingsMembersPage } from './pages/settings-members.tsx';
import { SettingsLmsPage } from './pages/settings-lms.tsx';
import { SettingsSsoPage } from './pages/settings-sso.tsx';
import { SettingsWebhooksPage } from './pages/settings-webhooks.tsx';
import { UploadPage } from './pages/upload.tsx';
import { UsagePage } from './pages/usage.tsx';
import { RecordPage } from './pages/record.tsx';

type SessionState =
  { kind: 'loading' } | { kind: 'anonymous'; setupNeeded: boolean } | { kind: 'signed-in'; session: Session };

/** A page for people with an ability; others get a plain "not for you" instead of a broken page. */
function Guarded(props: { session: Session; ability: Ability; page: () => preact.JSX.Element }) {
  if (!can(props.session.user.role, props.ability)) {
    return <NotFoundPage message="Your role cannot open this page." />;
  }
  return props.page();
}

function SignedIn(props: { session: Session; signOut: () => void }) {
  const { session } = props;
  const home = homeOf(session.user.role);
  return (
    <SessionProvider value={{ user: session.user, signOut: props.signOut }}>
      <Layout>
        <Switch>
          <Route path="/">
            <Redirect to={home} replace />
          </Route>
          <Route path="/login">
            <Redirect to={home} replace />
          </Route>
          <Route path="/setup">
            <Redirect to={home} replace />
          </Route>
          <Route path="/library">
            <Guarded session={session} ability="media:read" page={() => <LibraryPage />} />
          </Route>
          <Route path="/upload">
            <Guarded session={session} ability="media:write" page={() => <UploadPage />} />
          </Route>
          <Route path="/record">
            <Guarded session={session} ability="media:write" page={() => <RecordPage />} />
          </Route>
          <Route path="/media/:id">
            {(params: { id: string }) => (
              <Guarded session={session} ability="media:read" page={() => <MediaPage id={params.id} />} />
            )}
          </Route>
          <Route path="/live">
            <Guarded session={session} ability="media:read" page={() => <LivePage />} />
          </Route>
          <Route path="/live/:id">
            {(params: { id: string }) => (
              <Guarded
                session={session}
                ability="media:read"
                page={() => <LiveStreamPage id={params.id} />}
              />
            )}
          </Route>
          <Route path="/analytics">
            <Guarded session={session} ability="media:read" page={() => <AnalyticsPage />} />
          </Route>
          <Route path="/usage">
            <Guarded session={session} ability="settings" page={() => <UsagePage operator={false} />} />
          </Route>
          <Route path="/operator/usage">
            <Guarded session={session} ability="operator" page={() => <UsagePage operator />} />
          </Route>
          <Route path="/settings">
            <Redirect to="/settings/keys" replace />
          </Route>
          <Route path="/settings/keys">
            <Guarded session={session} ability="settings" page={() => <SettingsKeysPage />} />
          </Route>
          <Route path="/settings/webhooks">
            <Guarded session={session} ability="settings" page={() => <SettingsWebhooksPage />} />
          </Route>
          <Route path="/settings/members">
            <Guarded session={session} ability="settings" page={() => <SettingsMembersPage />} />
          </Route>
          <Route path="/settings/lms">
            <Guarded session={session} ability="settings" page={() => <SettingsLmsPage />} />
          </Route>
          <Route path="/settings/sso">
            <Guarded session={session} ability="settings" page={() => <SettingsSsoPage />} />
          </Route>
          <Route path="/operator/health">
            <Guarded session={session} ability="operator" page={() => <OperatorHealthPage />} />
          </Route>
          <Route path="/operator/jobs">
            <Guarded session={session} ability="operator" page={() => <OperatorJobsPage />} />
          </Route>
          <Route path="/operator/tenants">
            <Guarded session={session} ability="operator" page={() => <OperatorTenantsPage />} />
          </Route>
          <Route>
            <NotFoundPage />
          </Route>
        </Switch>
      </Layout>
    </SessionProvider>
  );
}

/** Finds out whether someone is signed in, then shows the console or the sign-in page. */
export function App() {
  const [state, setState] = useState<SessionState>({ kind: 'loading' });
  const [location, navigate] = useLocation();

  const signIn = (session: Session) => {
    setCsrfToken(session.csrfToken);
    setState({ kind: 'signed-in', session });
    navigate(homeOf(session.user.role), { replace: true });
  };
  const signOut = () => {
    setCsrfToken('');
    setState({ kind: 'anonymous', setupNeeded: false });
    navigate('/login', { replace: true });
  };

  useEffect(() => {
    whenUnauthorized(signOut);
    get<Session>('/v1/auth/session').then(
      (session) => {
        setCsrfToken(session.csrfToken);
        setState({ kind: 'signed-in', session });
      },
      () => {
        // Not signed in: a Kino no one has set up yet opens on "Create the first administrator".
        get<SetupState>('/v1/setup').then(
          (setup) => {
            setState({ kind: 'anonymous', setupNeeded: setup.needed });
          },
          () => {
            setState({ kind: 'anonymous', setupNeeded: false });
          },
        );
      },
    );
  }, []);

  const invite = /^\/invite\/([^/]+)$/.exec(location);
  if (invite?.[1]) return <InvitePage token={decodeURIComponent(invite[1])} onSignedIn={signIn} />;
  if (state.kind === 'loading') return <p class="boot muted">Loading…</p>;
  if (state.kind === 'anonymous') {
    const page = state.setupNeeded ? '/setup' : '/login';
    if (location !== page) return <Redirect to={page} replace />;
    return state.setupNeeded ? <SetupPage onSignedIn={signIn} /> : <LoginPage onSignedIn={signIn} />;
  }
  return <SignedIn session={state.session} signOut={signOut} />;
}
