import { parseArgs } from 'node:util';
import { startCluster, type Cluster } from './cluster.ts';

const USAGE = `usage: scripts/cluster.sh [--apis N] [--workers N] [--port PORT] [--keep]

Runs Kino as several processes on this machine: PostgreSQL, an S3-compatible server (s3rver),
API processes behind nginx and worker processes, on free loopback ports. Ctrl-C stops them all.
KINO_* variables set in the environment (KINO_LOG_LEVEL, KINO_JOB_LEASE_MS, ...) reach every
Kino process. --keep leaves the folder with the data and logs behind.`;

// Settings the cluster decides for each process; the rest may come from the environment.
const OWN = new Set([
  'KINO_PORT',
  'KINO_HOST',
  'KINO_DATA_DIR',
  'KINO_DATABASE_URL',
  'KINO_STORAGE_URL',
  'KINO_ADMIN_KEY',
  'KINO_ROLES',
  'KINO_TRUST_PROXY',
]);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      apis: { type: 'string', default: '2' },
      workers: { type: 'string', default: '2' },
      port: { type: 'string' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const count = (name: string, value: string, min: number) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number >= ${min}`);
    return n;
  };
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] => entry[0].startsWith('KINO_') && !OWN.has(entry[0]) && !!entry[1],
    ),
  );

  process.stdout.write('Starting PostgreSQL, S3, Kino processes and nginx...\n');
  const started = Date.now();
  const cluster = await startCluster({
    apiProcesses: count('apis', values.apis, 1),
    workerProcesses: count('workers', values.workers, 0),
    port: values.port === undefined ? undefined : count('port', values.port, 1),
    keepDir: values.keep,
    env,
  });
  process.stdout.write(describe(cluster, Date.now() - started));

  let stopping = false;
  const stop = () => {
    if (stopping) {
      process.stdout.write('Stopping anyway: everything started here is killed with this process.\n');
      process.exit(1);
    }
    stopping = true;
    process.stdout.write('\nStopping (jobs in progress get up to 30 s; Ctrl-C again to kill now)...\n');
    cluster.stop().then(
      () => {
        process.stdout.write('Stopped.\n');
        process.exit(0);
      },
      (err: unknown) => {
        process.stderr.write(`stopping failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

function describe(c: Cluster, tookMs: number): string {
  const node = (n: Cluster['api'][number]) => `${n.url} (pid ${String(n.pid)})`;
  return [
    '',
    `Kino is running as a cluster (up in ${(tookMs / 1000).toFixed(1)} s):`,
    '',
    `  URL            ${c.url}   (nginx, round robin over the API processes)`,
    `  operator key   ${c.operatorKey}`,
    `  API            ${c.api.map(node).join(', ')}`,
    `  workers        ${c.workers.map(node).join(', ') || 'none'}`,
    `  PostgreSQL     ${c.databaseUrl}`,
    `  S3             ${c.storage.endpoint} bucket ${c.storage.bucket} ` +
      `(access key ${c.storage.accessKeyId}, secret ${c.storage.secretAccessKey})`,
    `  logs           ${c.dir}/logs`,
    '',
    'Try:',
    `  curl -s -X POST ${c.url}/v1/tenants -H 'authorization: Bearer ${c.operatorKey}' \\`,
    `    -H 'content-type: application/json' -d '{"name":"acme"}'`,
    '',
    'Ctrl-C stops everything.',
    '',
  ].join('\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`cluster: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
