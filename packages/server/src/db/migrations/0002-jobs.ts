import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('jobs')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('tenant_id', 'text', (c) => c.references('tenants.id').onDelete('cascade'))
    .addColumn('priority', 'integer', (c) => c.notNull())
    .addColumn('state', 'text', (c) =>
      c
        .notNull()
        .check(sql.raw(`state in ('available', 'running', 'retrying', 'succeeded', 'dead', 'cancelled')`)),
    )
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    .addColumn('timeout_ms', 'bigint', (c) => c.notNull())
    .addColumn('run_at', 'bigint', (c) => c.notNull())
    .addColumn('lease_owner', 'text')
    .addColumn('lease_expires_at', 'bigint')
    .addColumn('progress_percent', 'double precision')
    .addColumn('progress_message', 'text')
    .addColumn('last_error', 'text')
    .addColumn('idempotency_key', 'text')
    .addColumn('parent_id', 'text', (c) => c.references('jobs.id').onDelete('cascade'))
    .addColumn('pending_children', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('started_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .execute();

  // What a claim scans: waiting jobs that are due, in priority order.
  await db.schema
    .createIndex('jobs_claimable')
    .on('jobs')
    .columns(['state', 'priority', 'run_at'])
    .where(sql.ref('state'), 'in', ['available', 'retrying'])
    .execute();
  // Running jobs per tenant (the concurrency cap) and expired leases (the rescue).
  await db.schema
    .createIndex('jobs_running')
    .on('jobs')
    .columns(['state', 'tenant_id', 'lease_expires_at'])
    .execute();
  await db.schema
    .createIndex('jobs_tenant_created')
    .on('jobs')
    .columns(['tenant_id', 'created_at'])
    .execute();
  await db.schema.createIndex('jobs_parent').on('jobs').column('parent_id').execute();
  // One unfinished job per idempotency key; finished ones no longer block a new run.
  await db.schema
    .createIndex('jobs_idempotency_unfinished')
    .on('jobs')
    .column('idempotency_key')
    .unique()
    .where(sql.ref('state'), 'in', ['available', 'running', 'retrying'])
    .execute();

  // When each tenant last got a job started: claims go round-robin between tenants.
  await db.schema
    .createTable('job_tenant_turns')
    .addColumn('tenant_key', 'text', (c) => c.primaryKey().notNull())
    .addColumn('last_claimed_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('job_schedules')
    .addColumn('name', 'text', (c) => c.primaryKey().notNull())
    .addColumn('last_slot', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('workers')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('hostname', 'text', (c) => c.notNull())
    .addColumn('pid', 'integer', (c) => c.notNull())
    .addColumn('roles', 'text', (c) => c.notNull())
    .addColumn('concurrency', 'integer', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('stopped_at', 'bigint')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('workers').execute();
  await db.schema.dropTable('job_schedules').execute();
  await db.schema.dropTable('job_tenant_turns').execute();
  await db.schema.dropTable('jobs').execute();
}
