import { sql, type Kysely } from 'kysely';

/**
 * Claims read only the first few waiting jobs of each tenant, in claim order, instead of ranking
 * the whole backlog: this index serves both the walk over tenants with waiting work and each
 * tenant's first jobs.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('jobs_waiting_by_tenant')
    .on('jobs')
    .columns(['tenant_id', 'priority', 'run_at', 'id'])
    .where(sql.ref('state'), 'in', ['available', 'retrying'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('jobs_waiting_by_tenant').execute();
}
