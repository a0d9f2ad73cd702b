import type { Repositories } from '../repositories/repositories.ts';
import { storageLayout } from '../storage/storage-layout.ts';
import type { Storage } from '../storage/storage.ts';
import { utcDay } from './delivery-meter.ts';

export interface UsageRow {
  day: string;
  tenantId: string;
  storageBytes: number | null;
  deliveredBytes: number;
  minutesProcessed: number;
  views: number;
}

const DAY_MS = 86_400_000;

/**
 * Usage per tenant and UTC day: bytes stored (measured when usage is asked for, kept per day,
 * carried forward over days not measured), bytes /play delivered, minutes processed, views.
 */
export class UsageService {
  constructor(
    private readonly deps: {
      repos: Pick<Repositories, 'usage' | 'analytics'>;
      /** Where renditions, posters, storyboards and captions are stored (listed to measure them). */
      storage: Pick<Storage, 'list'>;
      /** Writes what this process counted but has not written yet, so that its answer includes it. */
      flush?: () => Promise<void>;
      now?: () => number;
    },
  ) {}

  async report(tenantId: string | undefined, fromDay: string, toDay: string): Promise<UsageRow[]> {
    const { usage, analytics } = this.deps.repos;
    await this.deps.flush?.();
    const today = utcDay(this.deps.now?.() ?? Date.now());
    for (const [tenant, originals] of await usage.originalBytes(tenantId)) {
      let produced = 0;
      for await (const object of this.deps.storage.list(storageLayout.tenantPrefix(tenant)))
        produced += object.size;
      await usage.recordStorage(tenant, today, originals + produced);
    }
    // Storage measured before the period carries into its first days.
    const earlier = await usage.days(tenantId, '0000-00-00', toDay);
    const viewDays = await analytics.viewsPerDay({
      tenantId,
      from: Date.parse(`${fromDay}T00:00:00Z`),
      to: Date.parse(`${toDay}T00:00:00Z`) + DAY_MS,
    });
    const rows = new Map<string, UsageRow>();
    const rowOf = (tenant: string, day: string) => {
      const key = `${tenant} ${day}`;
      let row = rows.get(key);
      if (!row) {
        row = { day, tenantId: tenant, storageBytes: null, deliveredBytes: 0, minutesProcessed: 0, views: 0 };
        rows.set(key, row);
      }
      return row;
    };
    for (const d of earlier) {
      if (d.day < fromDay) continue;
      const row = rowOf(d.tenantId, d.day);
      row.deliveredBytes = d.deliveredBytes;
      row.minutesProcessed = Math.round((d.processedMs / 60_000) * 100) / 100;
      row.storageBytes = d.storageBytes;
    }
    for (const v of viewDays) rowOf(v.tenantId, utcDay(v.day)).views = v.views;
    // Every day of the period for every tenant seen, storage carried forward from the last measure.
    const tenants = new Set([...rows.values()].map((r) => r.tenantId));
    const days = daysBetween(fromDay, toDay);
    const storageBefore = new Map<string, number | null>();
    for (const d of earlier)
      if (d.day < fromDay && d.storageBytes !== null) storageBefore.set(d.tenantId, d.storageBytes);
    const out: UsageRow[] = [];
    for (const tenant of [...tenants].sort()) {
      let storage = storageBefore.get(tenant) ?? null;
      for (const day of days) {
        const row = rows.get(`${tenant} ${day}`) ?? rowOf(tenant, day);
        if (row.storageBytes !== null) storage = row.storageBytes;
        else if (day <= today) row.storageBytes = storage;
        out.push(row);
      }
    }
    return out.sort((a, b) =>
      a.day === b.day ? a.tenantId.localeCompare(b.tenantId) : a.day < b.day ? -1 : 1,
    );
  }
}

function daysBetween(fromDay: string, toDay: string): string[] {
  const days: string[] = [];
  const end = Date.parse(`${toDay}T00:00:00Z`);
  for (let at = Date.parse(`${fromDay}T00:00:00Z`); at <= end && days.length < 400; at += DAY_MS) {
    days.push(utcDay(at));
  }
  return days;
}

/** Usage rows as CSV (RFC 4180), one line per tenant and day. */
export function usageCsv(rows: readonly UsageRow[]): string {
  const lines = ['day,tenant_id,storage_bytes,delivered_bytes,minutes_processed,views'];
  for (const r of rows) {
    lines.push(
      [r.day, r.tenantId, r.storageBytes ?? '', r.deliveredBytes, r.minutesProcessed, r.views].join(','),
    );
  }
  return lines.join('\r\n') + '\r\n';
}
