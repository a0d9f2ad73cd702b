import { sql } from 'kysely';
import { olderThan, type Cursor } from '../db/keyset.ts';
import type { Db, Dialect } from '../db/database.ts';
import { PREPARED } from '../db/prepared-statements.ts';
import type { JobRow, JobState, WorkerRow } from '../db/schema.ts';

const WAITING: JobState[] = ['available', 'retrying'];
const UNFINISHED: JobState[] = ['available', 'running', 'retrying'];
/** The claim's priority bound when a claim takes jobs of every priority. */
const ANY_PRIORITY = 2_147_483_647;
/** On PostgreSQL a claim ranks this many candidates per free slot, so racing claimers rarely come back empty. */
const CANDIDATES_PER_SLOT = 4;

export interface JobListQuery {
  tenantId?: string | undefined;
  state?: JobState | undefined;
  type?: string | undefined;
  limit: number;
  after?: Cursor | undefined;
}

export interface JobFailure {
  state: 'retrying' | 'dead';
  runAt: number;
  error: string;
}

/**
 * The durable queue's SQL. Methods that write more than one statement (claim, finish, rescue,
 * cancel) must be called inside a unit of work, so their statements land together.
 */
export class JobsRepository {
  constructor(
    private readonly db: Db,
    private readonly dialect: Dialect,
  ) {}

  /** True where `claim` is one statement, atomic without a transaction around it (PostgreSQL). */
  get claimsInOneStatement(): boolean {
    return this.dialect === 'postgres';
  }

  /** Inserts a job; with an idempotency key already held by an unfinished job, returns that job. */
  async insert(row: JobRow): Promise<{ job: JobRow; created: boolean }> {
    const inserted = await this.db
      .insertInto('jobs')
      .values(row)
      .onConflict((oc) => oc.doNothing())
      .returningAll()
      .executeTakeFirst();
    if (inserted) {
      if (row.parent_id) await this.adjustPendingChildren(row.parent_id, 1);
      return { job: inserted, created: true };
    }
    const existing = row.idempotency_key ? await this.unfinishedWithKey(row.idempotency_key) : undefined;
    if (!existing) throw new Error(`job ${row.id} was not inserted and no unfinished job holds its key`);
    return { job: existing, created: false };
  }

  unfinishedWithKey(key: string): Promise<JobRow | undefined> {
    return this.db
      .selectFrom('jobs')
      .selectAll()
      .where('idempotency_key', '=', key)
      .where('state', 'in', UNFINISHED)
      .executeTakeFirst();
  }

  /** A tenant's unfinished jobs of some types, for one media's idempotency keys or all of them. */
  unfinishedOfTenant(tenantId: string, types: string[]): Promise<JobRow[]> {
    return this.db
      .selectFrom('jobs')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('type', 'in', types)
      .where('state', 'in', UNFINISHED)
      .execute();
  }

  get(id: string, tenantId?: string): Promise<JobRow | undefined> {
    let q = this.db.selectFrom('jobs').selectAll().where('id', '=', id);
    if (tenantId !== undefined) q = q.where('tenant_id', '=', tenantId);
    return q.executeTakeFirst();
  }

  children(parentId: string): Promise<JobRow[]> {
    return this.db.selectFrom('jobs').selectAll().where('parent_id', '=', parentId).orderBy('id').execute();
  }

  list(query: JobListQuery): Promise<JobRow[]> {
    let q = this.db.selectFrom('jobs').selectAll();
    if (query.tenantId !== undefined) q = q.where('tenant_id', '=', query.tenantId);
    if (query.state) q = q.where('state', '=', query.state);
    if (query.type) q = q.where('type', '=', query.type);
    if (query.after) q = q.where(olderThan(query.after));
    return q
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(query.limit + 1)
      .execute();
  }

  /**
   * Jobs whose worker stopped heartbeating go back to the queue (or die on their last attempt).
   */
  async rescueExpired(now: number): Promise<JobRow[]> {
    const rescued = await this.db
      .updateTable('jobs')
      .set((eb) => ({
        state: eb
          .case()
          .when('attempt', '>=', eb.ref('max_attempts'))
          .then(eb.val<JobState>('dead'))
          .else(eb.val<JobState>('retrying'))
          .end(),
        finished_at: eb.case().when('attempt', '>=', eb.ref('max_attempts')).then(now).else(null).end(),
        lease_owner: null,
        lease_expires_at: null,
        run_at: now,
        updated_at: now,
        last_error: 'the worker running this job stopped responding (its lease expired)',
      }))
      .where('state', '=', 'running')
      .where('lease_expires_at', '<', now)
      .returningAll()
      .execute();
    for (const job of rescued) {
      if (job.state === 'dead' && job.parent_id) await this.adjustPendingChildren(job.parent_id, -1);
    }
    return rescued;
  }

  /**
   * Takes up to `limit` due jobs for `owner`, in claim order: priority first; then each tenant's
   * n-th job before any tenant's (n+1)-th, and among tenants the one whose turn came longest ago
   * first, so one tenant's backlog cannot starve another's single job. A tenant already running
   * `tenantCap` jobs gets none; jobs without a tenant (maintenance) are uncapped.
   *
   * Only each tenant's first few waiting jobs are ranked (index `jobs_waiting_by_tenant`), so a
   * claim costs the same with 10 or 100,000 jobs waiting. On PostgreSQL several workers claim at
   * once: each ranks more candidates than it needs and locks the first ones nobody else holds
   * (SKIP LOCKED); on SQLite the claim's immediate transaction already runs alone.
   */
  async claim(
    owner: string,
    opts: { limit: number; tenantCap: number; leaseUntil: number; now: number; maxPriority?: number },
  ): Promise<JobRow[]> {
    const { limit, tenantCap, leaseUntil, now } = opts;
    if (limit <= 0) return [];
    const maxPriority = opts.maxPriority ?? ANY_PRIORITY;
    if (this.dialect === 'postgres') {
      return this.claimOnPostgres(owner, { limit, tenantCap, leaseUntil, now, maxPriority });
    }
    const order = sql<{
      id: string;
    }>`${this.claimOrder(now, limit, Math.min(limit, tenantCap), tenantCap, maxPriority)}
      select id from ordered order by ord`;
    const ids = (await order.execute(this.db)).rows.map((r) => r.id);
    if (ids.length === 0) return [];
    const claimed = await this.db
      .updateTable('jobs')
      .set((eb) => ({
        state: 'running',
        attempt: eb('attempt', '+', 1),
        lease_owner: owner,
        lease_expires_at: leaseUntil,
        started_at: now,
        updated_at: now,
        progress_percent: null,
        progress_message: null,
      }))
      .where('id', 'in', ids)
      .where('state', 'in', WAITING)
      .returningAll()
      .execute();
    await this.recordTurns(
      claimed.map((j) => j.tenant_id),
      now,
    );
    const position = new Map(ids.map((id, i) => [id, i]));
    return claimed.sort((a, b) => (position.get(a.id) ?? 0) - (position.get(b.id) ?? 0));
  }

  /**
   * The PostgreSQL claim as one prepared statement (one round trip, no explicit transaction): rank
   * more candidates than there are free slots, lock the first `limit` that no other claimer holds
   * (SKIP LOCKED), mark them running and record the tenants' turns, their rows taken in key order so
   * concurrent claimers cannot deadlock.
   */
  private async claimOnPostgres(
    owner: string,
    opts: { limit: number; tenantCap: number; leaseUntil: number; now: number; maxPriority: number },
  ): Promise<JobRow[]> {
    const { limit, tenantCap, leaseUntil, now, maxPriority } = opts;
    const wanted = limit * CANDIDATES_PER_SLOT;
    const rows = await sql<
      JobRow & { claim_order: number }
    >`${this.claimOrder(now, wanted, Math.min(wanted, tenantCap), tenantCap, maxPriority)},
      lockable as (
        select j.id, o.ord from jobs j join ordered o on o.id = j.id
        where j.state in ('available', 'retrying')
        order by o.ord limit ${limit}
        for update of j skip locked
      ), claimed as (
        update jobs set state = 'running', attempt = attempt + 1, lease_owner = ${owner},
          lease_expires_at = ${leaseUntil}, started_at = ${now}, updated_at = ${now},
          progress_percent = null, progress_message = null
        from lockable where jobs.id = lockable.id and jobs.state in ('available', 'retrying')
        returning jobs.*, lockable.ord as claim_order
      ), turns as (
        insert into job_tenant_turns (tenant_key, last_claimed_at)
        select distinct coalesce(tenant_id, ''), cast(${now} as bigint) from claimed order by 1
        on conflict (tenant_key) do update set last_claimed_at = excluded.last_claimed_at
      )
      select * from claimed order by claim_order`.execute(this.db);
    return rows.rows.map(({ claim_order: _order, ...job }) => job);
  }

  /**
   * The claim's ranking as a WITH clause ending in `ordered(id, ord)`: up to `limit` due job ids of
   * priority `maxPriority` or less in claim order, ranking at most `perTenant` jobs of each tenant.
   * A tenant's running jobs count against its cap within the same priority range: the playable
   * lane's cap is not used up by the tenant's long encodes.
   */
  private claimOrder(now: number, limit: number, perTenant: number, tenantCap: number, maxPriority: number) {
    // The state lists are literal so the planner can use the partial indexes.
    const candidates =
      this.dialect === 'postgres'
        ? sql`waiting_tenants(tenant_id) as (
            (select tenant_id from jobs where state in ('available', 'retrying') and tenant_id is not null
              order by tenant_id limit 1)
            union all
            select (select k.tenant_id from jobs k where k.state in ('available', 'retrying')
                and k.tenant_id > w.tenant_id order by k.tenant_id limit 1)
            from waiting_tenants w where w.tenant_id is not null
          ), candidates as (
            select c.* from waiting_tenants w cross join lateral (
              select f.*, row_number() over (order by f.priority, f.run_at, f.id) as rn from (
                select id, tenant_id, priority, run_at from jobs
                where tenant_id = w.tenant_id and state in ('available', 'retrying')
                  and run_at <= ${now} and pending_children = 0 and priority <= ${maxPriority}
                order by priority, run_at, id limit ${perTenant}) f
            ) c
            union all
            select f.*, row_number() over (order by f.priority, f.run_at, f.id) as rn from (
              select id, tenant_id, priority, run_at from jobs
              where tenant_id is null and state in ('available', 'retrying')
                and run_at <= ${now} and pending_children = 0 and priority <= ${maxPriority}
              order by priority, run_at, id limit ${limit}) f
          )`
        : // SQLite has no LATERAL: the IN list of a correlated subquery picks each tenant's first jobs.
          sql`waiting_tenants(tenant_id) as (
            select min(tenant_id) from jobs where state in ('available', 'retrying')
            union all
            select (select min(k.tenant_id) from jobs k where k.state in ('available', 'retrying')
                and k.tenant_id > w.tenant_id)
            from waiting_tenants w where w.tenant_id is not null
          ), firsts as (
            select j.id, j.tenant_id, j.priority, j.run_at from waiting_tenants w
            join jobs j on j.id in (
              select k.id from jobs k
              where k.tenant_id = w.tenant_id and k.state in ('available', 'retrying')
                and k.run_at <= ${now} and k.pending_children = 0 and k.priority <= ${maxPriority}
              order by k.priority, k.run_at, k.id limit ${perTenant})
            union all
            select * from (
              select id, tenant_id, priority, run_at from jobs
              where tenant_id is null and state in ('available', 'retrying')
                and run_at <= ${now} and pending_children = 0 and priority <= ${maxPriority}
              order by priority, run_at, id limit ${limit})
          ), candidates as (
            select firsts.*, row_number() over (partition by tenant_id order by priority, run_at, id) as rn
            from firsts
          )`;
    return sql`${sql.raw(PREPARED)}
      with recursive ${candidates}, running as (
        select tenant_id, count(*) as n from jobs
        where state = 'running' and tenant_id is not null and priority <= ${maxPriority} group by tenant_id
      ), ordered as (
        select c.id, row_number() over (
          order by c.priority, c.rn, coalesce(turns.last_claimed_at, 0), c.run_at, c.id) as ord
        from candidates c
        left join running on running.tenant_id = c.tenant_id
        left join job_tenant_turns turns on turns.tenant_key = coalesce(c.tenant_id, '')
        where c.tenant_id is null or c.rn + coalesce(running.n, 0) <= ${tenantCap}
        order by ord
        limit ${limit}
      )`;
  }

  /** Records that these tenants just had a turn, locking their rows in one order so claimers cannot deadlock. */
  private async recordTurns(tenantIds: (string | null)[], now: number): Promise<void> {
    const keys = [...new Set(tenantIds.map((t) => t ?? ''))].sort();
    if (keys.length === 0) return;
    await this.db
      .insertInto('job_tenant_turns')
      .values(keys.map((tenant_key) => ({ tenant_key, last_claimed_at: now })))
      .onConflict((oc) => oc.column('tenant_key').doUpdateSet({ last_claimed_at: now }))
      .execute();
  }

  /** Extends the lease; false when the job is no longer this worker's (cancelled, or taken over). */
  async heartbeat(
    id: string,
    owner: string,
    leaseUntil: number,
    now: number,
    progress?: { percent: number; message: string | null },
  ): Promise<boolean> {
    const result = await this.db
      .updateTable('jobs')
      .set({
        lease_expires_at: leaseUntil,
        updated_at: now,
        ...(progress && { progress_percent: progress.percent, progress_message: progress.message }),
      })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .where('state', '=', 'running')
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /**
   * Records success of the jobs this worker still owns and returns their ids. Jobs with a parent
   * update it too: call inside a unit of work then.
   */
  async completeMany(ids: string[], owner: string, now: number): Promise<string[]> {
    if (ids.length === 0) return [];
    const done = await this.db
      .updateTable('jobs')
      .set({
        state: 'succeeded',
        finished_at: now,
        updated_at: now,
        lease_owner: null,
        lease_expires_at: null,
        progress_percent: 100,
      })
      .where('id', 'in', ids)
      .where('lease_owner', '=', owner)
      .where('state', '=', 'running')
      .returning(['id', 'parent_id'])
      .execute();
    for (const job of done) {
      if (job.parent_id) await this.adjustPendingChildren(job.parent_id, -1);
    }
    return done.map((j) => j.id);
  }

  /** Records a failed attempt: retried later, or dead. False when this worker no longer owned it. */
  async fail(id: string, owner: string, failure: JobFailure, now: number): Promise<boolean> {
    const failed = await this.db
      .updateTable('jobs')
      .set({
        state: failure.state,
        run_at: failure.runAt,
        last_error: failure.error,
        updated_at: now,
        finished_at: failure.state === 'dead' ? now : null,
        lease_owner: null,
        lease_expires_at: null,
      })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .where('state', '=', 'running')
      .returning('parent_id')
      .executeTakeFirst();
    if (failed?.parent_id && failure.state === 'dead') await this.adjustPendingChildren(failed.parent_id, -1);
    return failed !== undefined;
  }

  /** Hands running jobs back without counting the attempt (a worker draining on shutdown). */
  async release(ids: string[], owner: string, now: number): Promise<number> {
    if (ids.length === 0) return 0;
    const result = await this.db
      .updateTable('jobs')
      .set((eb) => ({
        state: 'available',
        attempt: eb('attempt', '-', 1),
        lease_owner: null,
        lease_expires_at: null,
        run_at: now,
        updated_at: now,
      }))
      .where('id', 'in', ids)
      .where('lease_owner', '=', owner)
      .where('state', '=', 'running')
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** Cancels an unfinished job and its unfinished children. A running one stops at its next heartbeat. */
  async cancel(id: string, now: number): Promise<JobRow | undefined> {
    const cancelled = await this.db
      .updateTable('jobs')
      .set({
        state: 'cancelled',
        finished_at: now,
        updated_at: now,
        lease_owner: null,
        lease_expires_at: null,
      })
      .where((eb) => eb.or([eb('id', '=', id), eb('parent_id', '=', id)]))
      .where('state', 'in', UNFINISHED)
      .returningAll()
      .execute();
    const self = cancelled.find((j) => j.id === id);
    if (self?.parent_id) await this.adjustPendingChildren(self.parent_id, -1);
    return self;
  }

  /** Puts a dead or cancelled job back in the queue with a fresh set of attempts. */
  async retry(id: string, now: number): Promise<JobRow | undefined> {
    const job = await this.db
      .updateTable('jobs')
      .set({ state: 'available', attempt: 0, run_at: now, updated_at: now, finished_at: null })
      .where('id', '=', id)
      .where('state', 'in', ['dead', 'cancelled'])
      .returningAll()
      .executeTakeFirst();
    if (job?.parent_id) await this.adjustPendingChildren(job.parent_id, 1);
    return job;
  }

  private async adjustPendingChildren(parentId: string, delta: number): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set((eb) => ({ pending_children: eb('pending_children', '+', delta) }))
      .where('id', '=', parentId)
      .execute();
  }

  countsByTypeAndState(): Promise<{ type: string; state: JobState; count: number }[]> {
    return this.db
      .selectFrom('jobs')
      .select(['type', 'state', (eb) => eb.fn.countAll<number>().as('count')])
      .where('state', 'in', UNFINISHED)
      .groupBy(['type', 'state'])
      .execute();
  }

  /** When the longest-waiting due job became due, or null when none waits. */
  async oldestWaitingSince(now: number): Promise<number | null> {
    const row = await this.db
      .selectFrom('jobs')
      .select((eb) => eb.fn.min('run_at').as('since'))
      .where('state', 'in', WAITING)
      .where('run_at', '<=', now)
      .where('pending_children', '=', 0)
      .executeTakeFirst();
    return row?.since ?? null;
  }

  async failuresSince(since: number): Promise<number> {
    const row = await this.db
      .selectFrom('jobs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('state', '=', 'dead')
      .where('finished_at', '>=', since)
      .executeTakeFirst();
    return row?.n ?? 0;
  }

  /** Deletes finished jobs older than `before` that no unfinished parent still waits on. */
  async pruneFinished(before: number): Promise<number> {
    const result = await this.db
      .deleteFrom('jobs')
      .where('state', 'in', ['succeeded', 'cancelled', 'dead'])
      .where('finished_at', '<', before)
      .where((eb) =>
        eb.or([
          eb('parent_id', 'is', null),
          eb.not(
            eb.exists(
              eb
                .selectFrom('jobs as p')
                .select('p.id')
                .whereRef('p.id', '=', 'jobs.parent_id')
                .where('p.state', 'in', UNFINISHED),
            ),
          ),
        ]),
      )
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('jobs as c')
              .select('c.id')
              .whereRef('c.parent_id', '=', 'jobs.id')
              .where('c.state', 'in', UNFINISHED),
          ),
        ),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** The ids among `ids` of jobs running now, with the attempt they are on. */
  async runningAttempts(ids: readonly string[]): Promise<{ id: string; attempt: number }[]> {
    if (ids.length === 0) return [];
    return this.db
      .selectFrom('jobs')
      .select(['id', 'attempt'])
      .where('id', 'in', ids)
      .where('state', '=', 'running')
      .execute();
  }

  /** Takes a recurring schedule's slot; true for exactly one caller per (name, slot). */
  async takeScheduleSlot(name: string, slot: number): Promise<boolean> {
    await this.db
      .insertInto('job_schedules')
      .values({ name, last_slot: -1 })
      .onConflict((oc) => oc.doNothing())
      .execute();
    const result = await this.db
      .updateTable('job_schedules')
      .set({ last_slot: slot })
      .where('name', '=', name)
      .where('last_slot', '<', slot)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async recordWorker(row: WorkerRow): Promise<void> {
    await this.db
      .insertInto('workers')
      .values(row)
      .onConflict((oc) =>
        oc.column('id').doUpdateSet({ last_seen_at: row.last_seen_at, stopped_at: row.stopped_at }),
      )
      .execute();
  }

  listWorkers(seenSince: number): Promise<WorkerRow[]> {
    return this.db
      .selectFrom('workers')
      .selectAll()
      .where('last_seen_at', '>=', seenSince)
      .orderBy('last_seen_at', 'desc')
      .execute();
  }
}
