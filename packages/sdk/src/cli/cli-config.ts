import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Where kino-upload reads its settings and keeps its resume state. */
export interface CliConfig {
  baseUrl: string;
  apiKey: string;
  /** The folder of `config.json` and `uploads.json`. */
  configDir: string;
}

interface ConfigFile {
  url?: string;
  apiKey?: string;
}

/** `$KINO_CONFIG_DIR`, else `$XDG_CONFIG_HOME/kino`, else `~/.config/kino`. */
export function configDirOf(env: NodeJS.ProcessEnv): string {
  if (env.KINO_CONFIG_DIR) return env.KINO_CONFIG_DIR;
  const base = env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config');
  return path.join(base, 'kino');
}

/**
 * The Kino URL and API key: `KINO_URL` and `KINO_API_KEY` from the environment, else `url` and
 * `apiKey` from `<config dir>/config.json`. Never from a flag: flags land in shell history and in
 * every other user's `ps`.
 */
export function loadCliConfig(env: NodeJS.ProcessEnv, warn: (line: string) => void): CliConfig {
  const configDir = configDirOf(env);
  const file = path.join(configDir, 'config.json');
  let fromFile: ConfigFile = {};
  if (fs.existsSync(file)) {
    fromFile = JSON.parse(fs.readFileSync(file, 'utf8')) as ConfigFile;
    if (fromFile.apiKey !== undefined && (fs.statSync(file).mode & 0o077) !== 0) {
      warn(`${file} holds an API key and other users may read it: chmod 600 it`);
    }
  }
  const apiKey = env.KINO_API_KEY || fromFile.apiKey;
  if (!apiKey) {
    throw new UsageError(`no API key: set KINO_API_KEY, or write {"apiKey": "…"} to ${file} (mode 600)`);
  }
  const baseUrl = env.KINO_URL || fromFile.url || 'http://localhost:8080';
  return { baseUrl, apiKey, configDir };
}

/** A mistake in how the command was called: printed with the usage, exit status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
