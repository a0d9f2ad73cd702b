import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startS3Server, type S3Server } from '../s3.ts';
import { CpuGroup, removeOrphanedGroups } from './cpu-priority.ts';
import { KinoNode, REPO_ROOT } from './kino-node.ts';

export { KinoNode } from './kino-node.ts';
export { PostgresNode } from './postgres-node.ts';
export { setSessionPriority } from './cpu-priority.ts';
import { LoadBalancer } from './nginx-lb.ts';
import { PostgresNode } from './postgres-node.ts';
import { TcpGate } from './tcp-gate.ts';
import { exited, freePort, ProcessLog } from './tied-process.ts';

export interface ClusterOptions {
  /** Kino processes with KINO_ROLES=api behind nginx (default 2). */
  apiProcesses?: number;
  /** Kino processes with KINO_ROLES=worker (default 2). */
  workerProcesses?: number;
  /** Kino processes with KINO_ROLES=live (default 0), each with its RTMP port behind nginx's stream balancer. */
  liveProcesses?: number;
  /** nginx's port (default: a free one). */
  port?: number;
  /** More KINO_* settings for every Kino process (log level, job leases, ...). */
  env?: Record<string, string>;
  /** How long Kino processes get to finish their jobs on stop() before they are killed. */
  stopGraceMs?: number;
  /** Keep the folder (data, logs) after stop(). */
  keepDir?: boolean;
}

/** The S3-compatible server (s3rver) as Kino reaches it: through a gate that can be shut. */
export interface ClusterStorage {
  /** The endpoint Kino uses (the gate). */
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Connections refused and open ones reset, as when the server stops. */
  down(): Promise<void>;
  up(): Promise<void>;
}

export interface Cluster {
  /** nginx, in front of the API processes: where clients go. */
  url: string;
  operatorKey: string;
  /** The folder holding every process's data and logs (`logs/`). */
  dir: string;
  databaseUrl: string;
  postgres: PostgresNode;
  storage: ClusterStorage;
  nginx: LoadBalancer;
  api: KinoNode[];
  workers: KinoNode[];
  live: KinoNode[];
  /** rtmp://127.0.0.1:PORT/live: nginx's TCP balancer in front of the live processes (when there are some). */
  rtmpUrl: string | null;
  /** Stops everything, in order: nginx, Kino processes (jobs get their grace), S3, PostgreSQL. */
  stop(): Promise<void>;
}

const DIR_PREFIX = 'kino-cluster-';
/** Workers' CPU weight beside everything else's 100 (systemd's CPUWeight= scale). */
const WORKER_CPU_WEIGHT = 25;

/**
 * Brings up Kino as a multi-process deployment on this machine, without containers: PostgreSQL,
 * an S3-compatible server, API processes behind nginx (round robin) and worker processes, each
 * on a free loopback port. Every child is tied to this process: if it dies, they die.
 *
 * @example
 * const cluster = await startCluster({ env: { KINO_JOB_LEASE_MS: '4000' } });
 * await fetch(`${cluster.url}/v1/tenants`, { headers: { authorization: `Bearer ${cluster.operatorKey}` } });
 * await cluster.stop();
 */
export async function startCluster(opts: ClusterOptions = {}): Promise<Cluster> {
  removeOrphanedDirs();
  removeOrphanedGroups(DIR_PREFIX, isAlive);
  // The pid in the name lets a later run remove the folder if this process dies without cleaning up.
  const dir = await mkdtemp(join(tmpdir(), `${DIR_PREFIX}${process.pid}-`));
  // PostgreSQL runs as another user (as root), who must be able to pass through this folder.
  chmodSync(dir, 0o711);
  const logsDir = join(dir, 'logs');
  mkdirSync(logsDir);
  const stops: (() => Promise<void>)[] = [];
  const logs: ProcessLog[] = [];
  const log = (name: string) => {
    const opened = new ProcessLog(join(logsDir, `${name}.log`));
    logs.push(opened);
    return opened;
  };
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
    await Promise.all(logs.splice(0).map((l) => l.close()));
    if (!opts.keepDir) await rm(dir, { recursive: true, force: true });
  };
  const onExit = () => {
    if (!opts.keepDir) rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', onExit);
  stops.push(async () => {
    process.off('exit', onExit);
  });

  try {
    const pgLog = log('postgres');
    const [pgStart, s3Start] = await Promise.allSettled([
      PostgresNode.create(join(dir, 'postgres'), pgLog, () => ensureSystemDeps(['postgres'], pgLog)),
      startS3Server(),
    ]);
    // Whichever started is stopped, even when the other failed.
    for (const started of [pgStart, s3Start]) {
      if (started.status === 'fulfilled') stops.push(() => started.value.stop());
    }
    if (pgStart.status === 'rejected') throw pgStart.reason;
    if (s3Start.status === 'rejected') throw s3Start.reason;
    const [postgres, s3] = [pgStart.value, s3Start.value];
    const storage = await gatedStorage(s3);
    stops.push(() => storage.down());
    const databaseUrl = await postgres.createDatabase('kino');

    const operatorKey = `kino_operator_${randomBytes(24).toString('base64url')}`;
    const lbPort = opts.port ?? (await freePort());
    const url = `http://127.0.0.1:${lbPort}`;
    const env = kinoEnv({
      KINO_DATABASE_URL: databaseUrl,
      KINO_STORAGE_URL:
        `s3://${storage.bucket}?endpoint=${encodeURIComponent(storage.endpoint)}` +
        `&region=${storage.region}&forcePathStyle=true`,
      KINO_ADMIN_KEY: operatorKey,
      // X-Forwarded-For is believed from loopback peers: nginx (and every client of this cluster).
      KINO_TRUST_PROXY: 'loopback',
      AWS_ACCESS_KEY_ID: storage.accessKeyId,
      AWS_SECRET_ACCESS_KEY: storage.secretAccessKey,
      AWS_REGION: storage.region,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...opts.env,
    });
    // Workers run below the API processes, as on any machine that hosts both: requests first,
    // background work with what is left. Each worker and the tools it runs share a cgroup of CPU
    // weight 25 (what systemd's CPUWeight=25 gives a unit); inside it the worker runs at nice 5
    // and its encodes at 10 (cpu-priority.ts says why nice alone is not enough).
    const clusterLog = log('cluster');
    const rtmpLbPort = opts.liveProcesses ? await freePort() : null;
    const node = async (name: string, role: 'api' | 'worker' | 'live') => {
      let cpuGroup: CpuGroup | undefined;
      if (role === 'worker') {
        const group = CpuGroup.create(`${DIR_PREFIX}${process.pid}-${name}`, WORKER_CPU_WEIGHT, {
          fallbackNice: 5,
          onFallback: (reason) => {
            clusterLog.write(`${name}: no cgroup (${reason}); its session gets nice 5\n`);
          },
        });
        stops.push(() => group.remove());
        cpuGroup = group;
      }
      return new KinoNode(
        name,
        role,
        await freePort(),
        join(dir, 'nodes', name),
        role === 'live'
          ? // No SRT: its default port would be shared by the live processes (nginx balances RTMP only).
            {
              ...env,
              KINO_RTMP_PORT: String(await freePort()),
              KINO_SRT_PORT: '0',
              KINO_LIVE_PUBLIC_HOST: '127.0.0.1',
            }
          : env,
        logsDir,
        role === 'worker' ? 5 : 0,
        cpuGroup,
      );
    };
    const api = await Promise.all(range(opts.apiProcesses ?? 2).map((i) => node(`api-${i + 1}`, 'api')));
    const workers = await Promise.all(
      range(opts.workerProcesses ?? 2).map((i) => node(`worker-${i + 1}`, 'worker')),
    );
    const live = await Promise.all(range(opts.liveProcesses ?? 0).map((i) => node(`live-${i + 1}`, 'live')));
    const all = [...api, ...workers, ...live];
    const grace = opts.stopGraceMs ?? 30_000;
    stops.push(async () => {
      await Promise.all(all.map((n) => n.stop(grace)));
      await Promise.all(all.map((n) => n.log.close()));
    });
    // All at once on an empty database: the migrations take a lock, so exactly one process runs them.
    await Promise.all(all.map((n) => n.start()));

    const nginx = await LoadBalancer.start({
      listen: `127.0.0.1:${lbPort}`,
      upstreams: api.map((n) => `127.0.0.1:${n.port}`),
      ...(rtmpLbPort !== null && {
        rtmp: {
          listen: `127.0.0.1:${rtmpLbPort}`,
          upstreams: live.map((n) => `127.0.0.1:${n.rtmpPort ?? 0}`),
        },
      }),
      workDir: join(dir, 'nginx'),
      workersAsRoot: process.getuid?.() === 0,
      log: log('nginx'),
      readyPath: '/readyz',
    });
    stops.push(() => nginx.stop());

    const rtmpUrl = rtmpLbPort === null ? null : `rtmp://127.0.0.1:${rtmpLbPort}/live`;
    return {
      url,
      operatorKey,
      dir,
      databaseUrl,
      postgres,
      storage,
      nginx,
      api,
      workers,
      live,
      rtmpUrl,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

async function gatedStorage(s3: S3Server): Promise<ClusterStorage> {
  const gate = await TcpGate.open(Number(new URL(s3.endpoint).port));
  return {
    endpoint: `http://127.0.0.1:${gate.port}`,
    bucket: s3.bucket,
    region: s3.region,
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
    down: () => gate.down(),
    up: () => gate.up(),
  };
}

/** This process's environment without its KINO_* settings, plus the cluster's. */
function kinoEnv(settings: Record<string, string>): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('KINO_')));
  return { ...inherited, KINO_LOG_LEVEL: 'info', ...settings };
}

async function ensureSystemDeps(deps: string[], log: ProcessLog): Promise<void> {
  const script = join(REPO_ROOT, 'scripts/ensure-system-deps.sh');
  const child = spawn('bash', [script, ...deps], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (chunk: Buffer) => {
    log.write(chunk);
  });
  child.stderr.on('data', (chunk: Buffer) => {
    log.write(chunk);
  });
  await exited(child);
}

/** Removes the folders of clusters whose process died without stopping them. */
function removeOrphanedDirs(): void {
  for (const name of readdirSync(tmpdir())) {
    const pid = Number(new RegExp(`^${DIR_PREFIX}(\\d+)-`).exec(name)?.[1]);
    if (!pid || pid === process.pid || isAlive(pid)) continue;
    rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
