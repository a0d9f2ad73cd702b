import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { exited, freePort, isRunning, ProcessLog, spawnTied, terminate } from './tied-process.ts';

const SUPERUSER = 'kino';
const READY_TIMEOUT_MS = 30_000;

/**
 * A PostgreSQL server in a folder of its own that can be stopped and started again on the same
 * port and data, as a restart or a failover looks to its clients. As root it runs as the
 * `postgres` user (PostgreSQL refuses root). Settings favour speed over durability (fsync off):
 * it is for trying Kino out and for tests.
 */
export class PostgresNode {
  private child: ChildProcess | undefined;

  private constructor(
    private readonly bin: { initdb: string; postgres: string },
    private readonly dataDir: string,
    private readonly socketDir: string,
    readonly port: number,
    private readonly owner: { uid: number; gid: number } | undefined,
    private readonly log: ProcessLog,
  ) {}

  /** Creates the cluster under `dir` (initdb) and starts it; `installer` installs PostgreSQL if missing. */
  static async create(dir: string, log: ProcessLog, installer: () => Promise<void>): Promise<PostgresNode> {
    let bin = locateBinaries();
    if (!bin) {
      await installer();
      bin = locateBinaries();
      if (!bin) throw new Error('PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/postgres)');
    }
    const owner = postgresOwner();
    await mkdir(dir, { recursive: true });
    if (owner) await chown(dir, owner.uid, owner.gid);
    const dataDir = join(dir, 'data');
    const initdb = spawn(
      bin.initdb,
      ['-D', dataDir, '-A', 'trust', '-U', SUPERUSER, '--no-sync', '-E', 'UTF8', '--locale=C'],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], ...owner },
    );
    initdb.stdout.on('data', (chunk: Buffer) => {
      log.write(chunk);
    });
    initdb.stderr.on('data', (chunk: Buffer) => {
      log.write(chunk);
    });
    await exited(initdb);
    if (initdb.exitCode !== 0)
      throw new Error(`initdb exited with ${String(initdb.exitCode)}:\n${log.tail()}`);
    const node = new PostgresNode(bin, dataDir, dir, await freePort(), owner, log);
    try {
      await node.start();
    } catch (error) {
      await node.stop();
      throw error;
    }
    return node;
  }

  /** postgres://kino@127.0.0.1:PORT/postgres: the superuser, who may create databases. */
  get url(): string {
    return `postgres://${SUPERUSER}@127.0.0.1:${this.port}/postgres`;
  }

  get pid(): number | undefined {
    return isRunning(this.child) ? this.child?.pid : undefined;
  }

  /** Starts the server (again) on its port and data, and waits until it takes connections. */
  async start(): Promise<void> {
    if (isRunning(this.child)) return;
    const settings = ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off', 'max_connections=200'];
    const args = ['-D', this.dataDir, '-p', String(this.port), '-k', this.socketDir];
    for (const setting of ['listen_addresses=127.0.0.1', ...settings]) args.push('-c', setting);
    // SIGQUIT is PostgreSQL's immediate shutdown: what it gets if this process dies first.
    const child = spawnTied(this.bin.postgres, args, {
      cwd: this.socketDir,
      deathSignal: 'QUIT',
      log: this.log,
      ...this.owner,
    });
    this.child = child;
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (!isRunning(child)) {
        throw new Error(
          `PostgreSQL exited with ${String(child.exitCode ?? child.signalCode)}:\n${this.log.tail()}`,
        );
      }
      if (await this.acceptsConnections()) return;
      if (Date.now() > deadline) throw new Error(`PostgreSQL was not ready within 30 s:\n${this.log.tail()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Fast shutdown (SIGINT): open sessions are cut, as in a restart for an upgrade. */
  async stop(): Promise<void> {
    if (this.child) await terminate(this.child, 'SIGINT', 10_000);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Creates a database and returns its URL. */
  async createDatabase(name: string): Promise<string> {
    const client = new pg.Client({ connectionString: this.url });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE "${name.replace(/[^a-z0-9_]/g, '_')}"`);
    } finally {
      await client.end();
    }
    return `postgres://${SUPERUSER}@127.0.0.1:${this.port}/${name}`;
  }

  private async acceptsConnections(): Promise<boolean> {
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 2_000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      // Another server may have taken the port between picking it and binding it.
      const { rows } = await client.query<{ data_directory: string }>('show data_directory');
      return rows[0]?.data_directory === this.dataDir;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

function locateBinaries(): { initdb: string; postgres: string } | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((version) => /^\d+(\.\d+)?$/.test(version))
    .sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const initdb = join(base, version, 'bin/initdb');
    const postgres = join(base, version, 'bin/postgres');
    if (existsSync(initdb) && existsSync(postgres)) return { initdb, postgres };
  }
  return undefined;
}

/** initdb and postgres refuse to run as root, so as root they run as the `postgres` system user. */
function postgresOwner(): { uid: number; gid: number } | undefined {
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
