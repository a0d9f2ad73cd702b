import type { AddressInfo } from 'node:net';
import pino from 'pino';
import type { Config } from '../config/config.ts';
import { loggerOptions } from '../system/logger.ts';
import { createKino } from '../system/kino.ts';
import { resolveOperatorKey } from '../system/operator-key.ts';
import { issueSetupCode } from '../setup/setup.service.ts';

// Running jobs get JOB_GRACE_MS to finish on SIGTERM; the process exits by SHUTDOWN_GRACE_MS.
const JOB_GRACE_MS = 20_000;
const SHUTDOWN_GRACE_MS = 30_000;

/** Where people open the console: KINO_PUBLIC_URL, else this machine at the port Kino listens on. */
export function consoleUrl(
  config: Pick<Config, 'publicUrl' | 'host'>,
  bound: AddressInfo | string | null,
): string {
  if (config.publicUrl !== undefined) return `${config.publicUrl}/`;
  const port = bound !== null && typeof bound === 'object' ? bound.port : undefined;
  const wildcard = ['0.0.0.0', '::', ''].includes(config.host);
  const host = wildcard ? 'localhost' : config.host.includes(':') ? `[${config.host}]` : config.host;
  return `http://${host}${port === undefined ? '' : `:${port}`}/`;
}

/** Runs Kino until SIGTERM/SIGINT, then stops taking requests, finishes those in flight and exits. */
export async function serve(config: Config): Promise<void> {
  const logger = pino(loggerOptions(config.logLevel));
  const operator = resolveOperatorKey(config.adminKey, config.dataDir);
  const kino = await createKino(config, { operatorKey: operator.key, logger });
  const address = await kino.app.listen({ port: config.port, host: config.host });
  kino.start();
  // The live role takes publishers on KINO_RTMP_PORT (0: no RTMP ingest in this process).
  // On a standby it takes them once the database is promoted.
  if (kino.standby.active) kino.standby.whenPrimary(() => kino.live.listen(config.host));
  else await kino.live.listen(config.host);
  // While no one has set Kino up, each API process that starts prints a new one-time code.
  const setupCode =
    config.roles.has('api') && !kino.standby.active ? await issueSetupCode(kino.repos.setup) : undefined;

  if (operator.created) {
    // Printed once, on the terminal only: it never goes through the logger.
    process.stdout.write(
      `\nKino operator key (saved in ${config.dataDir}/operator-key, shown only now):\n\n  ${operator.key}\n\n`,
    );
  }
  if (setupCode !== undefined) {
    // Like the operator key: on the terminal only. Only its hash is stored.
    process.stdout.write(
      `\nConsole: ${consoleUrl(config, kino.app.server.address())}\n` +
        `Setup code (creates the first administrator in the console; works once):\n\n  ${setupCode}\n\n`,
    );
  }
  logger.info(
    { address, database: config.database.kind, storage: config.storage.kind, roles: [...config.roles] },
    'kino is serving',
  );

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    kino.close({ graceMs: JOB_GRACE_MS }).then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
