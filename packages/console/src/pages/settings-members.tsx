import { useState } from 'preact/hooks';
import { del, get, patch, post } from '../api/client.ts';
import { useSession } from '../api/session.tsx';
import type { Invited, User } from '../api/types.ts';
import { ConfirmButton } from '../components/confirm-button.tsx';
import { CopyField } from '../components/copy-field.tsx';
import { ErrorNote } from '../components/error-note.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { SETTINGS_TABS, Tabs } from '../components/tabs.tsx';
import { formatAge } from '../lib/format.ts';
import { useAction, useResource } from '../lib/use-resource.ts';

type MemberRole = 'admin' | 'editor' | 'viewer';
const ROLES: { value: MemberRole; label: string }[] = [
  { value: 'admin', label: 'Admin: everything, members included' },
  { value: 'editor', label: 'Editor: media and uploads' },
  { value: 'viewer', label: 'Viewer: watch only' },
];

function MemberRow(props: {
  member: User;
  self: boolean;
  onChanged: () => void;
  onInvite: (url: string) => void;
}) {
  const { member } = props;
  const action = useAction();
  const change = async (body: Record<string, unknown>) => {
    await action.run(() => patch(`/v1/users/${member.id}`, body));
    props.onChanged();
  };
  const remove = async () => {
    await action.run(() => del(`/v1/users/${member.id}`));
    props.onChanged();
  };
  const reinvite = async () => {
    const invited = await action.run(() => post<Invited>(`/v1/users/${member.id}/invite`));
    if (invited?.inviteUrl) props.onInvite(invited.inviteUrl);
  };
  return (
    <tr class={member.status === 'disabled' ? 'row-muted' : ''}>
      <td data-label="Member">
        <span class="cell-title">{member.name || member.email}</span>
        <span class="muted">{member.email}</span>
        <ErrorNote error={action.error} />
      </td>
      <td data-label="Role">
        <label class="visually-hidden" for={`role-${member.id}`}>
          Role of {member.email}
        </label>
        <select
          id={`role-${member.id}`}
          value={member.role}
          disabled={props.self || action.busy}
          onChange={(e) => void change({ role: e.currentTarget.value })}
        >
          {ROLES.map((r) => (
            <option key={r.value} value={r.value}>
              {r.value}
            </option>
          ))}
        </select>
      </td>
      <td data-label="Status">
        {member.status}
        {member.lastLoginAt ? <span class="muted"> · {formatAge(member.lastLoginAt)}</span> : null}
      </td>
      <td class="cell-actions">
        {props.self ? (
          <span class="muted">you</span>
        ) : (
          <>
            {member.status === 'invited' ? (
              <button type="button" class="btn btn-small" onClick={() => void reinvite()}>
                New invite link
              </button>
            ) : null}
            <button
              type="button"
              class="btn btn-small"
              onClick={() => void change({ disabled: member.status !== 'disabled' })}
            >
              {member.status === 'disabled' ? 'Enable' : 'Disable'}
            </button>
            <ConfirmButton
              label="Remove"
              question={`Remove ${member.email} from this tenant?`}
              confirmLabel="Remove"
              danger
              class="btn btn-small btn-danger"
              onConfirm={() => void remove()}
            />
          </>
        )}
      </td>
    </tr>
  );
}

/** The tenant's people: invite, change roles, disable, remove. */
export function SettingsMembersPage() {
  const { user } = useSession();
  const members = useResource(() => get<{ items: User[] }>('/v1/users'), 'members');
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<MemberRole>('viewer');
  const [inviteUrl, setInviteUrl] = useState<string | null>(null);
  const action = useAction();

  const invite = async (event: Event) => {
    event.preventDefault();
    const invited = await action.run(() =>
      post<Invited>('/v1/users', { email, role, ...(name.trim() ? { name: name.trim() } : {}) }),
    );
    if (invited) {
      setInviteUrl(invited.inviteUrl);
      setEmail('');
      setName('');
      members.reload();
    }
  };

  return (
    <>
      <PageHeader title="Settings" tabTitle="Members" />
      <Tabs label="Settings" items={SETTINGS_TABS} />
      <section class="panel" aria-labelledby="invite-member">
        <h2 id="invite-member">Invite a member</h2>
        <form class="form form-inline" onSubmit={(e) => void invite(e)}>
          <div>
            <label for="member-email">Email</label>
            <input
              id="member-email"
              type="email"
              required
              value={email}
              onInput={(e) => {
                setEmail(e.currentTarget.value);
              }}
            />
          </div>
          <div>
            <label for="member-name">Name</label>
            <input
              id="member-name"
              value={name}
              onInput={(e) => {
                setName(e.currentTarget.value);
              }}
            />
          </div>
          <div>
            <label for="member-role">Role</label>
            <select
              id="member-role"
              value={role}
              onChange={(e) => {
                setRole(e.currentTarget.value as MemberRole);
              }}
            >
              {ROLES.map((r) => (
                <option key={r.value} value={r.value}>
                  {r.label}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" class="btn btn-primary" disabled={action.busy}>
            Invite
          </button>
        </form>
        <ErrorNote error={action.error} />
        {inviteUrl ? (
          <div class="once" role="status">
            <CopyField
              label="Invite link"
              value={inviteUrl}
              hint="Send it to them: it works once, for 7 days."
            />
          </div>
        ) : null}
      </section>
      <section class="panel" aria-labelledby="member-list">
        <h2 id="member-list">Members</h2>
        <ErrorNote error={members.error} />
        <div class="table-wrap">
          <table class="table table-stack">
            <thead>
              <tr>
                <th scope="col">Member</th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {members.data?.items.map((member) => (
                <MemberRow
                  key={member.id}
                  member={member}
                  self={member.id === user.id}
                  onChanged={members.reload}
                  onInvite={setInviteUrl}
                />
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}
