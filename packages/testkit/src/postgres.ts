import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { chown, mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export interface PostgresServer {
  /** postgres://kino@127.0.0.1:PORT/postgres */
  url: string;
  /** Creates a database with a unique name (`prefix` is only a readable hint) and returns its URL. */
  createDatabase(prefix?: string): Promise<string>;
  /** Kills the server with SIGKILL, as a crash would (stop() still removes its folder). */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

interface Binaries {
  initdb: string;
  postgres: string;
  basebackup: string;
}

interface Owner {
  uid: number;
  gid: number;
}

const SUPERUSER = 'kino';
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
const DIR_PREFIX = 'kino-pg-';
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((path) => existsSync(path));
let databaseCounter = 0;

export async function startPostgres(opts: { log?: (line: string) => void } = {}): Promise<PostgresServer> {
  return startServer(opts, async ({ bin, dataDir, dir, owner, collect }) => {
    const initdbArgs = [
      '-D',
      dataDir,
      '-A',
      'trust',
      '-U',
      SUPERUSER,
      '--no-sync',
      '-E',
      'UTF8',
      '--locale=C',
    ];
    const initdb = await run(spawnServerProcess(bin.initdb, initdbArgs, dir, owner), collect);
    if (initdb.code !== 0) throw new Error(`initdb exited with ${String(initdb.code)}:\n${initdb.output}`);
  });
}

/**
 * Starts a streaming replica of `primary` (pg_basebackup -R, hot standby): it answers reads, refuses
 * writes, and becomes a primary when promoted (pg_promote). Its URL names the same database as
 * `databaseUrl` (one of the primary's).
 */
export async function startStandby(
  databaseUrl: string,
  opts: { log?: (line: string) => void } = {},
): Promise<PostgresServer & { databaseUrl: string }> {
  const primary = new URL(databaseUrl);
  const server = await startServer(opts, async ({ bin, dataDir, dir, owner, collect }) => {
    const args = [
      '-h',
      primary.hostname,
      '-p',
      primary.port,
      '-U',
      SUPERUSER,
      '-D',
      dataDir,
      '-R',
      '-X',
      'stream',
    ];
    const copy = await run(spawnServerProcess(bin.basebackup, [...args, '--no-sync'], dir, owner), collect);
    if (copy.code !== 0) throw new Error(`pg_basebackup exited with ${String(copy.code)}:\n${copy.output}`);
  });
  const standbyUrl = new URL(databaseUrl);
  standbyUrl.port = new URL(server.url).port;
  return { ...server, databaseUrl: standbyUrl.toString() };
}

interface ServerFolder {
  bin: Binaries;
  dataDir: string;
  dir: string;
  owner: Owner | undefined;
  collect: (chunk: Buffer) => void;
}

/** A server in a folder of its own: `populate` fills its data folder, then postgres starts on it. */
async function startServer(
  opts: { log?: (line: string) => void },
  populate: (folder: ServerFolder) => Promise<void>,
): Promise<PostgresServer> {
  const tail: string[] = [];
  const collect = (chunk: Buffer): void => {
    for (const line of chunk.toString().split('\n')) {
      if (line === '') continue;
      tail.push(line);
      if (tail.length > 40) tail.shift();
      opts.log?.(line);
    }
  };

  const bin = await findBinaries(collect);
  const owner = postgresOwner();
  removeOrphanedDirs();
  // The pid in the name lets a later run remove the folder if this process dies without cleaning up.
  const dir = await mkdtemp(join(tmpdir(), `${DIR_PREFIX}${process.pid}-`));
  const dataDir = join(dir, 'data');
  let child: ChildProcess | undefined;
  const onExit = (): void => {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', onExit);
  try {
    if (owner) await chown(dir, owner.uid, owner.gid);
    await populate({ bin, dataDir, dir, owner, collect });
    const launched = await launch(bin, dataDir, dir, owner, tail, collect, (c) => (child = c));
    return makeServer(launched.url, launched.child, dir, onExit);
  } catch (error) {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited(child);
    }
    process.off('exit', onExit);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Starts postgres on `dataDir` at a free port (trying again when another process took the port). */
async function launch(
  bin: Binaries,
  dataDir: string,
  dir: string,
  owner: Owner | undefined,
  tail: string[],
  collect: (chunk: Buffer) => void,
  started: (child: ChildProcess) => void,
): Promise<{ url: string; child: ChildProcess }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const args = ['-D', dataDir, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1'];
    for (const setting of [
      'fsync=off',
      'synchronous_commit=off',
      'full_page_writes=off',
      'max_connections=200',
    ]) {
      args.push('-c', setting);
    }
    tail.length = 0;
    const child = spawnServerProcess(bin.postgres, args, dir, owner);
    started(child);
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    const url = `postgres://${SUPERUSER}@127.0.0.1:${port}/postgres`;
    const outcome = await waitReady(url, child, dataDir);
    if (outcome === 'ready') return { url, child };
    const clash = tail.some((line) => line.includes('Address already in use'));
    if (outcome === 'exited' && clash && attempt < 5) continue;
    const why =
      outcome === 'exited' ? `exited with ${String(child.exitCode ?? child.signalCode)}` : 'not ready';
    throw new Error(`PostgreSQL ${why} after start on port ${port}:\n${tail.join('\n')}`);
  }
}

/** Creates a uniquely named database on the server at `serverUrl` and returns its URL. */
export async function createDatabase(serverUrl: string, prefix = 'test'): Promise<string> {
  const hint = prefix
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .slice(0, 30);
  const name = `${hint}_${process.pid}_${++databaseCounter}_${randomBytes(4).toString('hex')}`;
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

function makeServer(url: string, child: ChildProcess, dir: string, onExit: () => void): PostgresServer {
  let stopping: Promise<void> | undefined;
  return {
    url,
    createDatabase: (prefix) => createDatabase(url, prefix),
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited(child);
      }
    },
    stop() {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          // SIGINT is PostgreSQL's "fast" shutdown: it does not wait for clients to disconnect.
          child.kill('SIGINT');
          const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
          await exited(child);
          clearTimeout(timer);
        }
        process.off('exit', onExit);
        rmSync(dir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}

/**
 * Runs initdb/postgres as `owner`. Through setpriv, the process also gets SIGQUIT (immediate
 * shutdown) when its parent dies: Vitest ends its workers with SIGTERM, which skips 'exit' handlers.
 */
function spawnServerProcess(
  command: string,
  args: string[],
  cwd: string,
  owner: Owner | undefined,
): ChildProcess {
  const [file, argv] = setpriv
    ? [setpriv, ['--pdeathsig', 'SIGQUIT', '--', command, ...args]]
    : [command, args];
  return spawn(file, argv, { cwd, stdio: ['ignore', 'pipe', 'pipe'], ...owner });
}

/** Removes the folders of servers whose test process died without stopping them. */
function removeOrphanedDirs(): void {
  for (const name of readdirSync(tmpdir())) {
    const pid = Number(/^kino-pg-(\d+)-/.exec(name)?.[1]);
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

async function waitReady(
  url: string,
  child: ChildProcess,
  dataDir: string,
): Promise<'ready' | 'exited' | 'timeout'> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return 'exited';
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      // Another server may have taken the port between picking it and binding it.
      const { rows } = await client.query<{ data_directory: string }>('show data_directory');
      if (rows[0]?.data_directory === dataDir) return 'ready';
      throw new Error('another server answers on this port');
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  return 'timeout';
}

async function findBinaries(log: (chunk: Buffer) => void): Promise<Binaries> {
  const found = locateBinaries();
  if (found) return found;
  const script = join(repoRoot, 'scripts/ensure-system-deps.sh');
  const install = spawn('bash', [script, 'postgres'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  const { code, output } = await run(install, log);
  const installed = locateBinaries();
  if (installed) return installed;
  throw new Error(
    `PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/postgres) and ` +
      `\`bash ${script} postgres\` did not install it (exit ${String(code)}):\n${output.slice(-4000)}`,
  );
}

function locateBinaries(): Binaries | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((version) => /^\d+(\.\d+)?$/.test(version))
    .sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const initdb = join(base, version, 'bin/initdb');
    const postgres = join(base, version, 'bin/postgres');
    const basebackup = join(base, version, 'bin/pg_basebackup');
    if (existsSync(initdb) && existsSync(postgres)) return { initdb, postgres, basebackup };
  }
  return undefined;
}

/** initdb and postgres refuse to run as root, so as root they run as the `postgres` system user. */
function postgresOwner(): Owner | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string): number =>
    Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('useradd', ['--system', '--no-create-home', 'postgres'], { stdio: 'ignore' });
    return { uid: id('-u'), gid: id('-g') };
  }
}

function run(
  child: ChildProcess,
  onData: (chunk: Buffer) => void,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const output: Buffer[] = [];
    const collect = (chunk: Buffer): void => {
      output.push(chunk);
      onData(chunk);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, output: Buffer.concat(output).toString() });
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
}
