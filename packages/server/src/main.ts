#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { createKey, createTenant, listKeys, listTenants, migrate, revokeKey } from './cli/admin-commands.ts';
import { createOperatorUser, readOperatorPassword } from './cli/operator-user-command.ts';
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
    } else if (err instanceof ApiError || (err instanceof Error && isStartupFailure(err))) {
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
