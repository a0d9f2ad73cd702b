import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** What the live role reports on /metrics. */
export interface LiveMetrics {
  active: Gauge;
  refused: Counter<'reason'>;
  /** Publishers by ingest protocol (rtmp, srt) and outcome (accepted, refused). */
  publishers: Counter<'protocol' | 'outcome'>;
  dropped: Counter;
  segments: Counter;
  ingestBytes: Counter;
  /** Seconds from a segment's first frame arriving to the segment being listed. */
  segmentAge: Histogram;
}

export function createLiveMetrics(registry: Registry): LiveMetrics {
  return {
    active: new Gauge({
      name: 'kino_live_broadcasts_active',
      help: 'Publishers this process carries',
      registers: [registry],
    }),
    refused: new Counter({
      name: 'kino_live_publishers_refused_total',
      help: 'Publishers refused, by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
    publishers: new Counter({
      name: 'kino_live_publishers_total',
      help: 'Publishers that presented a key, by ingest protocol and outcome',
      labelNames: ['protocol', 'outcome'],
      registers: [registry],
    }),
    dropped: new Counter({
      name: 'kino_live_publishers_disconnected_total',
      help: 'Publisher connections that ended (each opens a reconnect window)',
      registers: [registry],
    }),
    segments: new Counter({
      name: 'kino_live_segments_total',
      help: 'Live segments stored',
      registers: [registry],
    }),
    ingestBytes: new Counter({
      name: 'kino_live_ingest_bytes_total',
      help: 'Bytes of packaged live segments stored (the ingest bitrate is its rate)',
      registers: [registry],
    }),
    segmentAge: new Histogram({
      name: 'kino_live_segment_age_seconds',
      help: "From a segment's first frame arriving to the segment being listed",
      buckets: [0.5, 1, 2, 3, 4, 5, 6, 8, 10, 15],
      registers: [registry],
    }),
  };
}
