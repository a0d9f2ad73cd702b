import { useMemo } from 'preact/hooks';
import { Link, useLocation, useSearch } from 'wouter-preact';
import { get, query } from '../api/client.ts';
import type { components } from '../api/openapi.gen.ts';
import { ErrorNote } from '../components/error-note.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { TimeChart } from '../components/time-chart.tsx';
import { formatAge, formatBitrate, formatSeconds } from '../lib/format.ts';
import { useResource } from '../lib/use-resource.ts';
import '../styles/analytics.css';

type Report = components['schemas']['AnalyticsReport'];
type View = components['schemas']['View'];

const PERIODS = [
  { id: '24h', label: 'Last 24 hours', ms: 86_400_000 },
  { id: '7d', label: 'Last 7 days', ms: 7 * 86_400_000 },
  { id: '30d', label: 'Last 30 days', ms: 30 * 86_400_000 },
] as const;

const percent = (v: number) => `${v.toFixed(v < 10 ? 1 : 0)}%`;
/** "0.4 s" under a minute, else as formatSeconds says it. */
const shortSeconds = (s: number) => (s < 60 ? `${s.toFixed(1)} s` : formatSeconds(s));
const ms = (v: number | null) => (v === null ? '–' : v < 1000 ? `${v} ms` : `${(v / 1000).toFixed(2)} s`);

function Stat(props: { label: string; value: string; detail?: string; bad?: boolean }) {
  return (
    <div class={`stat ${props.bad ? 'stat-bad' : ''}`}>
      <span class="stat-label">{props.label}</span>
      <span class="stat-value">{props.value}</span>
      {props.detail ? <span class="stat-detail">{props.detail}</span> : null}
    </div>
  );
}

/**
 * How viewers watched: views and watch time over time, startup time p50/p95, rebuffering,
 * failures and exits before video start, top media, recent views. `?media=` narrows it to one
 * media (the media page links here), `?period=` picks the period.
 */
export function AnalyticsPage() {
  const search = new URLSearchParams(useSearch());
  const [, navigate] = useLocation();
  const mediaId = search.get('media');
  const period = PERIODS.find((p) => p.id === search.get('period')) ?? PERIODS[1];
  // The period ends at the next minute, so the query (and its key) stays the same for a minute.
  const to = Math.ceil(Date.now() / 60_000) * 60_000;
  const params = { from: new Date(to - period.ms).toISOString(), to: new Date(to).toISOString(), mediaId };
  const reportPath = `/v1/analytics${query(params)}`;
  const report = useResource(() => get<Report>(reportPath), reportPath);
  const viewsPath = `/v1/analytics/views${query({ mediaId, limit: 20 })}`;
  const views = useResource(() => get<{ items: View[] }>(viewsPath), viewsPath);
  const media = useResource(
    () =>
      mediaId ? get<{ title: string }>(`/v1/media/${encodeURIComponent(mediaId)}`) : Promise.resolve(null),
    mediaId ?? '',
  );

  const go = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(search);
    for (const [k, v] of Object.entries(changes)) {
      if (v === null) next.delete(k);
      else next.set(k, v);
    }
    const text = next.toString();
    navigate(`/analytics${text ? `?${text}` : ''}`);
  };

  const r = report.data;
  const times = useMemo(() => r?.series.map((p) => Date.parse(p.at) / 1000) ?? [], [r]);
  const usageSeries = useMemo(
    () =>
      r
        ? [
            { label: 'Views', values: r.series.map((p) => p.views), color: '#2563eb' },
            {
              label: 'Watch time (min)',
              values: r.series.map((p) => Math.round(p.watchTimeSeconds / 6) / 10),
              color: '#16a34a',
              axis: 'right' as const,
            },
          ]
        : [],
    [r],
  );
  const qualitySeries = useMemo(
    () =>
      r
        ? [
            {
              label: 'Rebuffering %',
              values: r.series.map((p) => p.rebufferPercent),
              color: '#d97706',
              format: percent,
            },
            {
              label: 'Playback failures %',
              values: r.series.map((p) => p.playbackFailurePercent),
              color: '#dc2626',
              format: percent,
            },
          ]
        : [],
    [r],
  );

  const title = mediaId ? `Analytics: ${media.data?.title ?? mediaId}` : 'Analytics';
  return (
    <>
      <PageHeader title={title} tabTitle="Analytics">
        <label class="visually-hidden" for="analytics-period">
          Period
        </label>
        <select
          id="analytics-period"
          value={period.id}
          onChange={(e) => {
            go({ period: e.currentTarget.value });
          }}
        >
          {PERIODS.map((p) => (
            <option key={p.id} value={p.id}>
              {p.label}
            </option>
          ))}
        </select>
        {mediaId ? (
          <button
            type="button"
            class="btn"
            onClick={() => {
              go({ media: null });
            }}
          >
            All media
          </button>
        ) : null}
      </PageHeader>
      <ErrorNote error={report.error} />
      {r && r.views === 0 ? (
        <section class="panel empty-analytics">
          <h2>No views in this period</h2>
          <p>
            Views appear here as people watch: the Kino player, the embed page and any page using the player
            package's beacons module report how each playback went (startup time, rebuffering, errors) while
            it plays. Share a media's embed code or play it in the library to see the first one.
          </p>
        </section>
      ) : null}
      {r && r.views > 0 ? (
        <>
          <div class="stats">
            <Stat
              label="Views"
              value={String(r.views)}
              detail={`${formatSeconds(r.watchTimeSeconds)} watched`}
            />
            <Stat
              label="Startup time"
              value={ms(r.startupTimeMs.p50)}
              detail={`median; p95 ${ms(r.startupTimeMs.p95)}`}
            />
            <Stat
              label="Rebuffering"
              value={percent(r.rebufferPercent)}
              detail={`${r.rebufferCount} ${r.rebufferCount === 1 ? 'stall' : 'stalls'}, ${shortSeconds(r.rebufferSeconds)}`}
              bad={r.rebufferPercent > 2}
            />
            <Stat
              label="Playback failures"
              value={percent(r.playbackFailurePercent)}
              detail={`${percent(r.videoStartupFailurePercent)} before the first frame`}
              bad={r.playbackFailurePercent > 0}
            />
            <Stat
              label="Exits before start"
              value={percent(r.exitsBeforeVideoStartPercent)}
              detail="left while loading"
            />
          </div>
          <section class="panel" aria-labelledby="chart-views">
            <h2 id="chart-views">Views and watch time</h2>
            <TimeChart title="Views and watch time over time" times={times} series={usageSeries} />
          </section>
          <section class="panel" aria-labelledby="chart-quality">
            <h2 id="chart-quality">Rebuffering and failures</h2>
            <TimeChart
              title="Rebuffering and playback failures over time"
              times={times}
              series={qualitySeries}
            />
          </section>
          {!mediaId && r.topMedia.length > 0 ? (
            <section class="panel" aria-labelledby="top-media">
              <h2 id="top-media">Top media</h2>
              <div class="table-wrap">
                <table class="table">
                  <thead>
                    <tr>
                      <th scope="col">Media</th>
                      <th scope="col">Views</th>
                      <th scope="col">Watch time</th>
                    </tr>
                  </thead>
                  <tbody>
                    {r.topMedia.map((m) => (
                      <tr key={m.mediaId}>
                        <td>
                          <Link
                            href={`/analytics?${new URLSearchParams({ media: m.mediaId, period: period.id }).toString()}`}
                          >
                            {m.title || m.mediaId}
                          </Link>
                        </td>
                        <td>{m.views}</td>
                        <td>{formatSeconds(m.watchTimeSeconds)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </section>
          ) : null}
        </>
      ) : null}
      {views.data && views.data.items.length > 0 ? (
        <section class="panel" aria-labelledby="recent-views">
          <h2 id="recent-views">Recent views</h2>
          <ErrorNote error={views.error} />
          <div class="table-wrap">
            <table class="table">
              <thead>
                <tr>
                  <th scope="col">Started</th>
                  <th scope="col">Startup</th>
                  <th scope="col">Watched</th>
                  <th scope="col">Rebuffering</th>
                  <th scope="col">Bitrate</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Browser</th>
                </tr>
              </thead>
              <tbody>
                {views.data.items.map((v) => (
                  <tr key={v.id}>
                    <td>{formatAge(v.startedAt)}</td>
                    <td>{ms(v.startupTimeMs)}</td>
                    <td>{formatSeconds(v.watchTimeSeconds)}</td>
                    <td>
                      {v.rebufferCount > 0
                        ? `${v.rebufferCount} × ${shortSeconds(v.rebufferSeconds)}`
                        : 'none'}
                    </td>
                    <td>{formatBitrate(v.averageBitrate)}</td>
                    <td>{outcome(v)}</td>
                    <td>
                      {v.browser}, {v.os}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}
    </>
  );
}

function outcome(v: View): string {
  if (v.error?.fatal) return `Failed: ${v.error.code}${v.error.message ? ` (${v.error.message})` : ''}`;
  if (v.exitedBeforeStart) return 'Left before start';
  return v.ended ? 'Watched' : 'Watching';
}
