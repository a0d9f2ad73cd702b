import { useMemo } from 'preact/hooks';
import { get, query } from '../api/client.ts';
import type { components } from '../api/openapi.gen.ts';
import { ErrorNote } from '../components/error-note.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { TimeChart } from '../components/time-chart.tsx';
import { useResource } from '../lib/use-resource.ts';
import '../styles/analytics.css';

type UsageDay = components['schemas']['UsageDay'];

/** "1.2 GB", "340 MB", "12 kB". */
export function formatBytes(bytes: number | null): string {
  if (bytes === null) return '–';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(value < 10 && unit > 0 ? 1 : 0)} ${units[unit] ?? 'B'}`;
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * What was used per day over the last 30 days: bytes stored, bytes delivered to players, minutes
 * processed, views. An admin sees their organisation; the operator sees every tenant, one row each
 * per day. The same figures download as CSV.
 */
export function UsagePage(props: { operator: boolean }) {
  const to = day(Date.now());
  const from = day(Date.now() - 29 * 86_400_000);
  const path = `/v1/usage${query({ from, to })}`;
  const usage = useResource(() => get<{ items: UsageDay[] }>(path), path);
  const rows = usage.data?.items ?? [];
  /** Every tenant added up, per day. */
  const days = useMemo(() => {
    const byDay = new Map<string, UsageDay>();
    for (const r of rows) {
      const d = byDay.get(r.day) ?? {
        ...r,
        tenantId: '',
        storageBytes: null,
        deliveredBytes: 0,
        minutesProcessed: 0,
        views: 0,
      };
      d.deliveredBytes += r.deliveredBytes;
      d.minutesProcessed += r.minutesProcessed;
      d.views += r.views;
      if (r.storageBytes !== null) d.storageBytes = (d.storageBytes ?? 0) + r.storageBytes;
      byDay.set(r.day, d);
    }
    return [...byDay.values()].sort((a, b) => (a.day < b.day ? -1 : 1));
  }, [rows]);
  const times = useMemo(() => days.map((d) => Date.parse(`${d.day}T00:00:00Z`) / 1000), [days]);
  const series = useMemo(
    () => [
      {
        label: 'Delivered',
        values: days.map((d) => d.deliveredBytes),
        color: '#2563eb',
        format: formatBytes,
      },
      { label: 'Views', values: days.map((d) => d.views), color: '#16a34a', axis: 'right' as const },
    ],
    [days],
  );
  const total = days.reduce(
    (t, d) => ({
      delivered: t.delivered + d.deliveredBytes,
      minutes: t.minutes + d.minutesProcessed,
      views: t.views + d.views,
    }),
    { delivered: 0, minutes: 0, views: 0 },
  );
  const latestStorage = [...days].reverse().find((d) => d.storageBytes !== null)?.storageBytes ?? null;
  const shown = props.operator ? rows.filter((r) => r.deliveredBytes || r.views || r.minutesProcessed) : days;

  return (
    <>
      <PageHeader title="Usage" subtitle={props.operator ? 'Every tenant, last 30 days' : 'Last 30 days'}>
        <a class="btn" href={`/v1/usage${query({ from, to, format: 'csv' })}`} download>
          Download CSV
        </a>
      </PageHeader>
      <ErrorNote error={usage.error} />
      {usage.data ? (
        <>
          <div class="stats">
            <div class="stat">
              <span class="stat-label">Stored now</span>
              <span class="stat-value">{formatBytes(latestStorage)}</span>
              <span class="stat-detail">originals and everything made from them</span>
            </div>
            <div class="stat">
              <span class="stat-label">Delivered</span>
              <span class="stat-value">{formatBytes(total.delivered)}</span>
              <span class="stat-detail">to players, by /play</span>
            </div>
            <div class="stat">
              <span class="stat-label">Processed</span>
              <span class="stat-value">{Math.round(total.minutes * 10) / 10} min</span>
              <span class="stat-detail">of video</span>
            </div>
            <div class="stat">
              <span class="stat-label">Views</span>
              <span class="stat-value">{total.views}</span>
            </div>
          </div>
          <section class="panel" aria-labelledby="usage-chart">
            <h2 id="usage-chart">Delivered and views per day</h2>
            {days.length > 0 ? (
              <TimeChart title="Bytes delivered and views per day" times={times} series={series} />
            ) : (
              <p class="empty-analytics">
                Nothing used yet: storage is measured, and bytes delivered and views counted, as media are
                uploaded and played.
              </p>
            )}
          </section>
          <section class="panel" aria-labelledby="usage-days">
            <h2 id="usage-days">Per day</h2>
            <div class="table-wrap">
              <table class="table">
                <thead>
                  <tr>
                    <th scope="col">Day</th>
                    {props.operator ? <th scope="col">Tenant</th> : null}
                    <th scope="col">Stored</th>
                    <th scope="col">Delivered</th>
                    <th scope="col">Processed</th>
                    <th scope="col">Views</th>
                  </tr>
                </thead>
                <tbody>
                  {[...shown].reverse().map((r) => (
                    <tr key={`${r.day}-${r.tenantId}`}>
                      <td>{r.day}</td>
                      {props.operator ? <td>{r.tenantId}</td> : null}
                      <td>{formatBytes(r.storageBytes)}</td>
                      <td>{formatBytes(r.deliveredBytes)}</td>
                      <td>{Math.round(r.minutesProcessed * 10) / 10} min</td>
                      <td>{r.views}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
        </>
      ) : null}
    </>
  );
}
