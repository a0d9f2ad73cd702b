import { NO_RULES, type PlaybackRules } from '../tenants/playback-rules.ts';
import { compileViewerRules, type ViewerRules } from './viewer-rules.ts';

/** How long a process keeps a tenant's rules: a change made through another process applies within this. */
export const RULES_TTL_MS = 5_000;
const MAX_TENANTS = 10_000;

/**
 * Tenants' playback rules, compiled and kept in memory for RULES_TTL_MS: /play checks them on every
 * segment, and they change rarely. A change made through this process applies at once
 * (`invalidate`); concurrent misses for one tenant share one database read.
 */
export class PlaybackRulesCache {
  private readonly entries = new Map<string, { at: number; rules: Promise<ViewerRules> }>();

  constructor(
    private readonly load: (tenantId: string) => Promise<PlaybackRules | undefined>,
    private readonly now: () => number = Date.now,
    private readonly ttlMs = RULES_TTL_MS,
  ) {}

  get(tenantId: string): Promise<ViewerRules> {
    const now = this.now();
    const entry = this.entries.get(tenantId);
    if (entry && now - entry.at < this.ttlMs) return entry.rules;
    if (this.entries.size >= MAX_TENANTS) this.entries.clear();
    const rules = this.load(tenantId).then((found) => compileViewerRules(found ?? NO_RULES));
    // A failed read is not kept: the next request tries again.
    rules.catch(() => {
      if (this.entries.get(tenantId)?.rules === rules) this.entries.delete(tenantId);
    });
    this.entries.set(tenantId, { at: now, rules });
    return rules;
  }

  invalidate(tenantId: string): void {
    this.entries.delete(tenantId);
  }
}
