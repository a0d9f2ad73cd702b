import type { RecoveryRepository } from './recovery.repository.ts';

/**
 * Whether this process runs on a standby database, and what waits for it to become the primary.
 *
 * A Kino started on a PostgreSQL streaming replica serves reads and playback; writes answer 503
 * (read-only.hook.ts) and background work (jobs, live ingest, sweeps) waits. It checks the
 * database every `pollMs`; once the replica has been promoted (`kino failover promote`, or
 * pg_promote/pg_ctl promote run by hand) the waiting work starts, in the order it was queued.
 */
export class StandbyMode {
  private standby: boolean;
  private readonly waiting: (() => void | Promise<void>)[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;

  constructor(
    private readonly recovery: Pick<RecoveryRepository, 'inRecovery'>,
    startedAsStandby: boolean,
    private readonly opts: {
      pollMs?: number;
      onError?: (err: unknown) => void;
      onPromoted?: () => void;
    } = {},
  ) {
    this.standby = startedAsStandby;
  }

  get active(): boolean {
    return this.standby;
  }

  /** Runs `work` now on a primary, else once the database is promoted. */
  whenPrimary(work: () => void | Promise<void>): void {
    if (!this.standby) {
      void Promise.resolve()
        .then(work)
        .catch((err: unknown) => this.opts.onError?.(err));
      return;
    }
    this.waiting.push(work);
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.timer || this.stopped || !this.standby) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.check();
    }, this.opts.pollMs ?? 1000);
    this.timer.unref();
  }

  private async check(): Promise<void> {
    let standby: boolean;
    try {
      standby = await this.recovery.inRecovery();
    } catch (err) {
      // The standby may restart while it is promoted: keep asking.
      this.opts.onError?.(err);
      standby = true;
    }
    if (standby) {
      this.schedule();
      return;
    }
    if (this.stopped) return;
    this.standby = false;
    this.opts.onPromoted?.();
    for (const work of this.waiting.splice(0)) {
      try {
        await work();
      } catch (err) {
        this.opts.onError?.(err);
      }
    }
  }
}
