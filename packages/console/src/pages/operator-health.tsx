import { get } from '../api/client.ts';
import type { Reachability, SystemHealth } from '../api/types.ts';
import { ErrorNote } from '../components/error-note.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { formatAge, formatSeconds } from '../lib/format.ts';
import { useResource } from '../lib/use-resource.ts';

function Check(props: { name: string; ok: boolean; detail: string }) {
  return (
    <div class={`stat ${props.ok ? 'stat-ok' : 'stat-bad'}`}>
      <span class="stat-label">{props.name}</span>
      <span class="stat-value">{props.ok ? 'OK' : 'Down'}</span>
      <span class="stat-detail">{props.detail}</span>
    </div>
  );
}

const QUEUE_STATES = [
  ['waiting', 'Waiting'],
  ['running', 'Running'],
  ['retrying', 'Retrying'],
  ['dead', 'Dead'],
] as const;

const reach = (r: Reachability) => (r.ok ? `${Math.round(r.latencyMs)} ms` : (r.error ?? 'unreachable'));

/** Workers, queue, failures, database, storage and ffmpeg, refreshed every few seconds. */
export function OperatorHealthPage() {
  const health = useResource(
    () => get<SystemHealth>('/v1/system/health'),
    'health',
    () => 5000,
  );
  const h = health.data;
  return (
    <>
      <PageHeader
        title="System health"
        subtitle={
          h?.checkedAt
            ? `Checked ${formatAge(h.checkedAt)}${h.checkedBy ? ` by ${h.checkedBy}` : ''}`
            : undefined
        }
      />
      <ErrorNote error={health.error} />
      {h ? (
        <>
          {h.warnings.length > 0 ? (
            <ul class="warnings" aria-label="Warnings">
              {h.warnings.map((w) => (
                <li key={w.code} class={`note ${w.code === 'no_workers' ? 'note-error' : 'note-warn'}`}>
                  <strong>{w.code.replace(/_/g, ' ')}:</strong> {w.message}
                </li>
              ))}
            </ul>
          ) : null}
          <div class="stats">
            <Check name="Database" ok={h.database.ok} detail={reach(h.database)} />
            <Check name="Storage" ok={h.storage.ok} detail={reach(h.storage)} />
            <Check
              name="ffmpeg"
              ok={h.ffmpeg.ok}
              detail={h.ffmpeg.version ?? (h.ffmpeg.ok ? '' : 'not found')}
            />
            <div class={`stat ${h.failuresLastHour > 0 ? 'stat-warn' : ''}`}>
              <span class="stat-label">Failures, last hour</span>
              <span class="stat-value">{h.failuresLastHour}</span>
            </div>
          </div>
          <section class="panel" aria-labelledby="queue-heading">
            <h2 id="queue-heading">Queue</h2>
            <div class="stats stats-plain">
              {QUEUE_STATES.map(([k, label]) => (
                <div class="stat" key={k}>
                  <span class="stat-label">{label}</span>
                  <span class="stat-value">{h.queue[k]}</span>
                </div>
              ))}
              <div class="stat">
                <span class="stat-label">Oldest waiting</span>
                <span class="stat-value">{formatSeconds(h.queue.oldestWaitingAgeSeconds)}</span>
              </div>
            </div>
          </section>
          <section class="panel" aria-labelledby="workers-heading">
            <h2 id="workers-heading">Workers</h2>
            {h.workers.length === 0 ? (
              <p class="note note-error">No worker process has been seen in the last hour.</p>
            ) : (
              <div class="table-wrap">
                <table class="table">
                  <thead>
                    <tr>
                      <th scope="col">Host</th>
                      <th scope="col">PID</th>
                      <th scope="col">Roles</th>
                      <th scope="col">Running jobs</th>
                      <th scope="col">Started</th>
                      <th scope="col">Last seen</th>
                    </tr>
                  </thead>
                  <tbody>
                    {h.workers.map((w) => (
                      <tr key={w.id} class={!w.alive ? 'row-muted' : ''}>
                        <td>
                          {w.host}
                          {!w.alive ? <span class="badge badge-errored">silent</span> : null}
                        </td>
                        <td>{w.pid}</td>
                        <td>{w.roles.join(', ')}</td>
                        <td>{w.runningJobs}</td>
                        <td>{formatAge(w.startedAt)}</td>
                        <td>{formatAge(w.lastSeenAt)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        </>
      ) : health.loading ? (
        <p class="muted">Loading…</p>
      ) : null}
    </>
  );
}
