import { createContext, type ComponentChildren } from 'preact';
import { useContext } from 'preact/hooks';
import type { Session, User } from './types.ts';

export interface SessionState {
  user: User;
  /** Forgets the session here after logout, or when the server says it has ended. */
  signOut: () => void;
}

const SessionContext = createContext<SessionState | null>(null);

export function SessionProvider(props: { value: SessionState; children: ComponentChildren }) {
  return <SessionContext.Provider value={props.value}>{props.children}</SessionContext.Provider>;
}

/** The logged-in person; only used inside pages that need a session. */
export function useSession(): SessionState {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a session');
  return session;
}

export type { Session };
