import type { Readable } from 'node:stream';
import { z } from 'zod';
import type { Config } from '../config/config.ts';
import { migrateToLatest, openDatabase } from '../db/database.ts';
import { ApiError } from '../http/problem.ts';
import { createRepositories, unitOfWork } from '../repositories/repositories.ts';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../users/password.ts';
import { UsersService } from '../users/users.service.ts';

/** The password from KINO_OPERATOR_PASSWORD, else the first line of standard input. */
export async function readOperatorPassword(
  env: Record<string, string | undefined>,
  stdin: Readable,
): Promise<string> {
  const given = env.KINO_OPERATOR_PASSWORD;
  if (given !== undefined && given !== '') return given;
  let text = '';
  for await (const chunk of stdin) {
    text += (chunk as Buffer).toString('utf8');
    if (text.includes('\n') || text.length > PASSWORD_MAX_LENGTH) break;
  }
  return text.split(/\r?\n/)[0] ?? '';
}

/**
 * Creates an operator user, or sets a new password for an existing one (so running it again is
 * how an operator who forgot theirs gets back in).
 */
export async function createOperatorUser(config: Config, email: string, password: string): Promise<string> {
  if (!z.email().safeParse(email).success)
    throw new ApiError('invalid_request', `'${email}' is not an email address`);
  if (password.length < PASSWORD_MIN_LENGTH || password.length > PASSWORD_MAX_LENGTH) {
    throw new ApiError(
      'invalid_request',
      `the password needs ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters (KINO_OPERATOR_PASSWORD or standard input)`,
    );
  }
  const handle = openDatabase(config.database, { poolSize: 2 });
  try {
    await migrateToLatest(handle.db);
    const users = new UsersService(createRepositories(handle.db, handle.dialect), unitOfWork(handle));
    const { user, created } = await users.createOperator({ email, password, resetExisting: true });
    return created
      ? `operator user ${user.id} (${user.email}) created: log in to the console with this email`
      : `operator user ${user.id} (${user.email}) exists: its password was changed`;
  } finally {
    await handle.close();
  }
}
