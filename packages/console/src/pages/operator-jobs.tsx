import { useEffect, useState } from 'preact/hooks';
import { get, post, query } from '../api/client.ts';
import { JOB_STATES, type Job, type JobState, type Page } from '../api/types.ts';
import { ErrorNote } from '../components/error-note.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { Pager } from '../components/pager.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { useCursorPages } from '../components/use-cursor-pages.ts';
import { formatAge } from '../lib/format.ts';
import { useAction, useResource } from '../lib/use-resource.ts';

const JOB_TYPES = [
  'media.process',
  'media.import',
  'media.remove-files',
  'media.reconcile',
  'uploads.expire',
  'webhook.deliver',
];
const CANCELLABLE: JobState[] = ['available', 'running', 'retrying'];
const RETRYABLE: JobState[] = ['dead', 'cancelled'];

function JobRow(props: { job: Job; onChanged: () => void }) {
  const { job } = props;
  const action = useAction();
  const act = async (verb: 'retry' | 'cancel') => {
    await action.run(() => post(`/v1/jobs/${job.id}/${verb}`));
    props.onChanged();
  };
  return (
    <tr>
      <td>
        <code>{job.type}</code>
        <span class="muted">{job.id}</span>
        {job.tenantId ? <span class="muted">{job.tenantId}</span> : null}
      </td>
      <td>
        <StatusBadge status={job.state} />
        {job.progress && job.state === 'running' ? (
          <span class="muted"> {Math.floor(job.progress.percent)}%</span>
        ) : null}
      </td>
      <td>
        {job.attempt}/{job.maxAttempts}
      </td>
      <td>{formatAge(job.createdAt)}</td>
      <td class="cell-error">
        {job.lastError ? (
          <details>
            <summary>{job.lastError.split('\n')[0]?.slice(0, 80)}</summary>
            <pre>{job.lastError}</pre>
          </details>
        ) : (
          <span class="muted">–</span>
        )}
        <ErrorNote error={action.error} />
      </td>
      <td class="cell-actions">
        {RETRYABLE.includes(job.state) ? (
          <button
            type="button"
            class="btn btn-small"
            disabled={action.busy}
            onClick={() => void act('retry')}
          >
            Retry
          </button>
        ) : null}
        {CANCELLABLE.includes(job.state) ? (
          <button
            type="button"
            class="btn btn-small btn-danger"
            disabled={action.busy}
            onClick={() => void act('cancel')}
          >
            Cancel
          </button>
        ) : null}
      </td>
    </tr>
  );
}

/** Background jobs of every tenant, filtered by state and type; retry and cancel. */
export function OperatorJobsPage() {
  const [state, setState] = useState<JobState | ''>('');
  const [type, setType] = useState('');
  const pages = useCursorPages();
  useEffect(() => {
    pages.reset();
  }, [state, type]);
  const path = `/v1/jobs${query({ limit: 50, state, type, cursor: pages.cursor })}`;
  const jobs = useResource(
    () => get<Page<Job>>(path),
    path,
    () => (pages.page === 0 ? 5000 : null),
  );

  return (
    <>
      <PageHeader title="Jobs" />
      <div class="toolbar">
        <label class="inline-field">
          State
          <select
            value={state}
            onChange={(e) => {
              setState(e.currentTarget.value as JobState | '');
            }}
          >
            <option value="">Any</option>
            {JOB_STATES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label class="inline-field">
          Type
          <select
            value={type}
            onChange={(e) => {
              setType(e.currentTarget.value);
            }}
          >
            <option value="">Any</option>
            {JOB_TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ErrorNote error={jobs.error} />
      <section class="panel panel-flush">
        <div class="table-wrap">
          <table class="table">
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">State</th>
                <th scope="col">Attempt</th>
                <th scope="col">Created</th>
                <th scope="col">Last error</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {jobs.data?.items.map((job) => (
                <JobRow key={job.id} job={job} onChanged={jobs.reload} />
              ))}
            </tbody>
          </table>
        </div>
        {jobs.data?.items.length === 0 ? <p class="muted pad">No jobs match.</p> : null}
      </section>
      <Pager
        page={pages.page}
        hasNext={Boolean(jobs.data?.nextCursor)}
        onPrev={pages.prev}
        onNext={() => {
          pages.next(jobs.data?.nextCursor ?? null);
        }}
      />
    </>
  );
}
