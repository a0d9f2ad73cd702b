#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { createKey, createTenant, listKeys, listTenants, migrate, revokeKey } from './cli/admin-commands.ts';
import { createOperatorUser, readOperatorPassword } from './cli/operator-user-command.ts';
import {
  backupCreateCommand,
  backupListCommand,
  backupPruneCommand,
  backupVerifyCommand,
  restoreCommand,
} from './cli/backup-commands.ts';
import { BackupError } from './backup/backup-errors.ts';
import { FailoverError, failoverPromote } from './cli/failover-command.ts';
import { serve } from './cli/serve.ts';
import { ConfigError, loadConfig, redactUrl } from './config/config.ts';
import { ApiError } from './http/problem.ts';

const USAGE = `usage: kino <command>

  serve                                          run the server (KINO_ROLES picks api, worker or both)
  migrate                                        bring the database schema up to date
  tenants create <name>                          create a tenant and print its first API key
  tenants list
  keys create --tenant <id> [--scope full|read|upload] [--name <name>]
  keys list --tenant <id>
  keys revoke --tenant <id> <key id>
  create-operator-user --email <email>           a console login for the operator; the password comes
                                                 from KINO_OPERATOR_PASSWORD or standard input
  backup create --to <url> [--include-secrets]   back up the database and every stored object (file:///dir
                                                 or s3://bucket/prefix); secrets are encrypted with
                                                 KINO_BACKUP_PASSPHRASE
  backup list --from <url>
  backup verify --from <url> [--id <id>]         check every object and restore the database into a scratch one
  backup prune --from <url> --keep <n>           keep the n newest backups and the objects they use
  restore --from <url> [--id <id>]               restore into an empty database, storage and data folder
  failover promote                               make the PostgreSQL standby KINO_DATABASE_URL names the
                                                 primary; Kino processes on it start taking writes

Configuration comes from KINO_* environment variables (see README).`;

class UsageError extends Error {}

async function run(argv: string[]): Promise<string | undefined> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      tenant: { type: 'string' },
      email: { type: 'string' },
      scope: { type: 'string', default: 'full' },
      name: { type: 'string', default: 'API key' },
      help: { type: 'boolean', short: 'h' },
      to: { type: 'string' },
      from: { type: 'string' },
      id: { type: 'string' },
      keep: { type: 'string' },
      'include-secrets': { type: 'boolean', default: false },
    },
  });
  const [command, sub, arg] = positionals;
  if (values.help || !command) return USAGE;
  const config = loadConfig(process.env);
  const tenant = () => {
    if (!values.tenant) throw new UsageError('--tenant <id> is required');
    return values.tenant;
  };

  switch (`${command} ${sub ?? ''}`.trim()) {
    case 'serve':
      await serve(config);
      return undefined;
    case 'migrate':
      return migrate(config);
    case 'tenants create':
      if (!arg) throw new UsageError('tenants create needs a name');
      return createTenant(config, arg);
    case 'tenants list':
      return listTenants(config);
    case 'keys create': {
      const scope = values.scope;
      if (scope !== 'full' && scope !== 'read' && scope !== 'upload') {
        throw new UsageError('--scope is full, read or upload');
      }
      return createKey(config, tenant(), scope, values.name);
    }
    case 'keys list':
      return listKeys(config, tenant());
    case 'keys revoke':
      if (!arg) throw new UsageError('keys revoke needs a key id');
      return revokeKey(config, tenant(), arg);
    case 'create-operator-user':
      if (!values.email) throw new UsageError('--email <email> is required');
      return createOperatorUser(config, values.email, await readOperatorPassword(process.env, process.stdin));
    case 'backup create':
    case 'backup list':
    case 'backup verify':
    case 'backup prune':
    case 'restore': {
      const backup = {
        url: values.to ?? values.from,
        id: values.id,
        includeSecrets: values['include-secrets'],
        keep: values.keep === undefined ? undefined : Number(values.keep),
        passphrase: config.backupPassphrase,
      };
      if (sub === 'create') return backupCreateCommand(config, backup);
      if (sub === 'list') return backupListCommand(config, backup);
      if (sub === 'verify') return backupVerifyCommand(config, backup);
      if (sub === 'prune') return backupPruneCommand(config, backup);
      return restoreCommand(config, backup);
    }
    case 'failover promote':
      return failoverPromote(config);
    default:
      throw new UsageError(`unknown command '${positionals.join(' ')}'`);
  }
}

run(process.argv.slice(2)).then(
  (output) => {
    if (output !== undefined) process.stdout.write(`${output}\n`);
  },
  (err: unknown) => {
    // Operator-facing failures are one line; only a real bug prints a stack.
    if (err instanceof ConfigError) {
      process.stderr.write(`kino: configuration: ${err.message}\n`);
      process.exitCode = 2;
    } else if (err instanceof UsageError) {
      process.stderr.write(`kino: ${err.message}\n\n${USAGE}\n`);
      process.exitCode = 2;
    } else if (
      err instanceof ApiError ||
      err instanceof BackupError ||
      err instanceof FailoverError ||
      (err instanceof Error && isStartupFailure(err))
    ) {
      process.stderr.write(`kino: ${redactUrl(err.message)}\n`);
      process.exitCode = 1;
    } else {
      throw err;
    }
  },
);

function isStartupFailure(err: Error): boolean {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  return /^(E[A-Z]+|28P01|3D000|SQLITE_\w+)$/.test(code) || err.message.startsWith('migration');
}
