import type { LoggerOptions } from 'pino';
import type { Config } from '../config/config.ts';

/** Paths whose values are secrets; pino replaces them before a line is written. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  '*.apiKey',
  '*.secret',
  '*.password',
  '*.token',
  'apiKey',
  'secret',
  'password',
  'token',
];

export function loggerOptions(level: Config['logLevel']): LoggerOptions {
  return { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, base: { pid: process.pid } };
}
