import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { S3Server } from '../s3.ts';
import { cephConfig } from './ceph-config.ts';

export interface CephS3 extends S3Server {
  /** A second storage class on the default placement, with its own data pool. */
  coldStorageClass: string;
  /** The folder of the daemons' logs (removed by `stop()`). */
  logDir: string;
  /** How long start-up took, in milliseconds, and each step's share. */
  startup: { totalMs: number; steps: Record<string, number> };
}

const BUCKET = 'kino-test';
const COLD = 'COLD';
const COLD_POOL = 'default.rgw.cold.data';
/** The default zone's pools for bucket indexes, object data, multipart uploads, and the cold class. */
const RGW_DATA_POOLS = [
  'default.rgw.buckets.index',
  'default.rgw.buckets.data',
  'default.rgw.buckets.non-ec',
  COLD_POOL,
];
const RGW_NAME = 'rgw.kino';
const DIR_PREFIX = 'kino-ceph-';
/** Generous: the machine may be busy, and the first pools take a while to become active. */
const READY_TIMEOUT_MS = 240_000;
const COMMAND_TIMEOUT_MS = 180_000;
const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((path) => existsSync(path));
/** The environment of every Ceph command, without CEPH_ARGS, CEPH_CONF... meant for another cluster. */
const cephEnv = (): NodeJS.ProcessEnv =>
  Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('CEPH_')));
const BINARIES = ['monmaptool', 'ceph-mon', 'ceph-osd', 'radosgw', 'radosgw-admin', 'ceph'];

/**
 * Starts a throwaway Ceph cluster as the current user, without systemd, in a temporary folder:
 * one monitor, one OSD (BlueStore on a sparse file), and radosgw (beast) on a free loopback port,
 * with an S3 user, one bucket, and a second storage class (`COLD`) on the default placement.
 * `stop()` kills the daemons and removes the folder. Needs Debian's ceph-mon, ceph-osd and
 * radosgw (`scripts/ensure-system-deps.sh ceph`).
 *
 * @example
 * const ceph = await startCeph();
 * new S3Client({ endpoint: ceph.endpoint, region: ceph.region, forcePathStyle: true, credentials: ceph });
 */
export async function startCeph(opts: { log?: (line: string) => void } = {}): Promise<CephS3> {
  const missing = BINARIES.filter((name) => !onPath(name));
  if (missing.length > 0) {
    throw new Error(
      `Ceph is not installed (no ${missing.join(', ')}): run scripts/ensure-system-deps.sh ceph`,
    );
  }
  removeOrphanedDirs();
  const started = performance.now();
  const steps: Record<string, number> = {};
  const step = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const from = performance.now();
    const result = await work();
    steps[name] = Math.round(performance.now() - from);
    opts.log?.(`ceph: ${name} took ${steps[name]} ms`);
    return result;
  };
  // The pid in the name lets a later run remove the folder if this process dies without cleaning up.
  const dir = await mkdtemp(join(tmpdir(), `${DIR_PREFIX}${process.pid}-`));
  const logDir = join(dir, 'log');
  const conf = join(dir, 'ceph.conf');
  const daemons: ChildProcess[] = [];
  const killAll = (): void => {
    for (const daemon of daemons) daemon.kill('SIGKILL');
  };
  const onExit = (): void => {
    killAll();
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', onExit);
  const daemon = (name: string, command: string, args: string[]): ChildProcess => {
    const child = spawnDaemon(command, ['-f', '-c', conf, ...args], join(logDir, `${name}.out`));
    daemons.push(child);
    return child;
  };
  const ceph = (...args: string[]): Promise<string> =>
    run('ceph', ['-c', conf, '--connect-timeout', '60', ...args], daemons, logDir);
  const rgwAdmin = (...args: string[]): Promise<string> =>
    run('radosgw-admin', ['-c', conf, ...args], daemons, logDir);

  try {
    const { monPort, rgwPort } = await freePorts();
    for (const sub of ['run', 'log', 'mon/ceph-a', 'osd/ceph-0', 'rgw'])
      await mkdir(join(dir, sub), { recursive: true });
    const fsid = randomUUID();
    await writeFile(conf, cephConfig({ fsid, dir, monPort, rgwPort, rgwName: RGW_NAME }));

    await step('monitor', async () => {
      const monmap = join(dir, 'monmap');
      await run(
        'monmaptool',
        ['--create', '--fsid', fsid, '--addv', 'a', `[v2:127.0.0.1:${monPort}]`, monmap],
        daemons,
        logDir,
      );
      await run('ceph-mon', ['-c', conf, '--mkfs', '-i', 'a', '--monmap', monmap], daemons, logDir);
      daemon('mon.a', 'ceph-mon', ['-i', 'a']);
    });
    const osdUuid = randomUUID();
    // Registering the OSD with the monitor and formatting its store do not wait on each other.
    await step('osd id and mkfs', () =>
      Promise.all([
        ceph('osd', 'new', osdUuid).then((id) => {
          if (id.trim() !== '0') throw new Error(`expected OSD id 0, the monitor gave '${id.trim()}'`);
        }),
        run('ceph-osd', ['-c', conf, '--mkfs', '-i', '0', '--osd-uuid', osdUuid], daemons, logDir),
      ]),
    );
    await step('osd up', async () => {
      daemon('osd.0', 'ceph-osd', ['-i', '0']);
      await poll('the OSD to be up', daemons, logDir, async () => {
        const stat = JSON.parse(await ceph('osd', 'stat', '-f', 'json')) as { num_up_osds?: number };
        return stat.num_up_osds === 1;
      });
    });
    const accessKeyId = `KINO${randomBytes(8).toString('hex').toUpperCase()}`;
    const secretAccessKey = randomBytes(20).toString('hex');
    await step('pools, user and storage class', async () => {
      // radosgw creates the pools of buckets, multipart uploads and each storage class on first
      // use, and a new pool takes seconds to become active: made here, they are ready for the tests.
      const pools = Promise.all(
        RGW_DATA_POOLS.map(async (pool) => {
          await ceph('osd', 'pool', 'create', pool);
          await ceph('osd', 'pool', 'application', 'enable', pool, 'rgw');
        }),
      );
      // The first radosgw-admin call also creates the default realm-less zone and its own pools.
      await rgwAdmin(
        'user',
        'create',
        '--uid',
        'kino',
        '--display-name',
        'Kino tests',
        '--access-key',
        accessKeyId,
        '--secret-key',
        secretAccessKey,
      );
      await rgwAdmin(
        'zonegroup',
        'placement',
        'add',
        '--rgw-zonegroup',
        'default',
        '--placement-id',
        'default-placement',
        '--storage-class',
        COLD,
      );
      await rgwAdmin(
        'zone',
        'placement',
        'add',
        '--rgw-zone',
        'default',
        '--placement-id',
        'default-placement',
        '--storage-class',
        COLD,
        '--data-pool',
        COLD_POOL,
      );
      await pools;
    });
    const endpoint = `http://127.0.0.1:${rgwPort}`;
    await step('radosgw', async () => {
      daemon('rgw', 'radosgw', ['-n', `client.${RGW_NAME}`]);
      await poll('radosgw to answer', daemons, logDir, async () => {
        const response = await fetch(`${endpoint}/`, { signal: AbortSignal.timeout(5_000) }).catch(
          () => undefined,
        );
        await response?.body?.cancel();
        return response?.status === 200;
      });
    });
    const region = 'us-east-1';
    await step('bucket', async () => {
      const client = new S3Client({
        endpoint,
        region,
        forcePathStyle: true,
        credentials: { accessKeyId, secretAccessKey },
      });
      try {
        await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
      } finally {
        client.destroy();
      }
    });
    const totalMs = Math.round(performance.now() - started);
    opts.log?.(`ceph: started in ${totalMs} ms (${dir})`);

    let stopping: Promise<void> | undefined;
    return {
      endpoint,
      bucket: BUCKET,
      region,
      accessKeyId,
      secretAccessKey,
      coldStorageClass: COLD,
      logDir,
      startup: { totalMs, steps },
      stop() {
        stopping ??= (async () => {
          // Nothing in the cluster is worth a clean shutdown: it is removed right after.
          killAll();
          await Promise.all(daemons.map(exited));
          process.off('exit', onExit);
          rmSync(dir, { recursive: true, force: true });
        })();
        return stopping;
      },
    };
  } catch (error) {
    killAll();
    await Promise.all(daemons.map(exited));
    process.off('exit', onExit);
    // The folder stays for its logs; a later start removes it once this process is gone.
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`Ceph did not start: ${message}\nlogs: ${logDir}\n${logTails(logDir)}`, { cause: error });
  }
}

/**
 * Runs a daemon in the foreground, its output appended to `outFile`. Through setpriv it is killed
 * when its parent dies: Vitest ends its workers with SIGTERM, which skips 'exit' handlers.
 */
function spawnDaemon(command: string, args: string[], outFile: string): ChildProcess {
  const out = openSync(outFile, 'a');
  try {
    const [file, argv] = setpriv
      ? [setpriv, ['--pdeathsig', 'SIGKILL', '--', command, ...args]]
      : [command, args];
    return spawn(file, argv, { stdio: ['ignore', out, out], env: cephEnv() });
  } finally {
    closeSync(out);
  }
}

/** Runs a command to its end; rejects with its output when it fails or a daemon has died. */
function run(command: string, args: string[], daemons: ChildProcess[], logDir: string): Promise<string> {
  assertDaemonsAlive(daemons, logDir);
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { timeout: COMMAND_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024, env: cephEnv() },
      (error, stdout, stderr) => {
        if (error) {
          reject(
            new Error(
              `${command} ${args.join(' ')} failed (${error.message.split('\n')[0]}):\n${stderr}${stdout}`,
            ),
          );
          return;
        }
        resolve(stdout);
      },
    );
  });
}

/** Polls `ready` until it answers true; fails when a daemon dies or the deadline passes. */
async function poll(
  what: string,
  daemons: ChildProcess[],
  logDir: string,
  ready: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (let delay = 100; ; delay = Math.min(delay * 2, 1_000)) {
    assertDaemonsAlive(daemons, logDir);
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(delay);
  }
}

function assertDaemonsAlive(daemons: ChildProcess[], logDir: string): void {
  const dead = daemons.find((child) => child.exitCode !== null || child.signalCode !== null);
  if (dead) {
    throw new Error(
      `${dead.spawnargs.join(' ')} exited with ${String(dead.exitCode ?? dead.signalCode)} (logs: ${logDir})`,
    );
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => {
      resolve();
    });
  });
}

/** The last lines of every log, for a failure message. */
function logTails(logDir: string): string {
  let names: string[];
  try {
    names = readdirSync(logDir).sort();
  } catch {
    return '';
  }
  return names
    .map((name) => {
      const lines = readFileSync(join(logDir, name), 'utf8').trimEnd().split('\n').slice(-15);
      return `--- ${name}\n${lines.join('\n')}`;
    })
    .join('\n');
}

/** Two free loopback ports, held together while picked so that they differ. */
async function freePorts(): Promise<{ monPort: number; rgwPort: number }> {
  const listen = (): Promise<Server> =>
    new Promise((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        resolve(server);
      });
    });
  const portOf = (server: Server): number => {
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    return address.port;
  };
  const [mon, rgw] = await Promise.all([listen(), listen()]);
  const ports = { monPort: portOf(mon), rgwPort: portOf(rgw) };
  await Promise.all(
    [mon, rgw].map(
      (server) =>
        new Promise((resolve) => {
          server.close(resolve);
        }),
    ),
  );
  return ports;
}

function onPath(name: string): boolean {
  return (process.env.PATH ?? '')
    .split(':')
    .some((folder) => folder !== '' && existsSync(join(folder, name)));
}

/** Removes the folders of clusters whose test process died without stopping them. */
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
